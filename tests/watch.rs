//! `relapse watch` through the binary: a real file watcher, real edits, real Ctrl-C.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// Long enough for a debug build on a loaded 2-core machine; a hang fails instead of blocking CI.
const PATIENCE: Duration = Duration::from_secs(60);

const MODEL: &str = r#"[model]
name = "decay"
time_unit = "day"

[parameters]
k = 0.1

[states]
X = 10.0

[equations]
X = "-k * X"

[regimens.single]
doses = []

[relapse]
observable = "X"
threshold = 5

[solver]
t_end = 20
"#;

/// The watch process with its standard error read line by line on a thread.
struct Watching {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Watching {
    fn start(dir: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_relapse"))
            .current_dir(dir)
            .arg("watch")
            .arg("model.toml")
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("relapse starts");
        let (send, lines) = mpsc::channel();
        for stream in [
            Box::new(child.stderr.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stdout.take().unwrap()),
        ] {
            let send = send.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if send.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a line containing `needle` and returns everything printed up to it.
    fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        let mut chunk = String::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    chunk.push_str(&line);
                    chunk.push('\n');
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return chunk;
                    }
                }
                Err(_) => break,
            }
        }
        let _ = self.child.kill();
        panic!(
            "no line with {needle:?} within {PATIENCE:?}; saw:\n{}",
            self.seen.join("\n")
        );
    }

    /// Ctrl-C, then the exit code.
    fn interrupt(mut self) -> Option<i32> {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait works") {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("watch did not stop after Ctrl-C");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Saves `text` the way many editors do: a new file renamed over the old one.
fn save_by_rename(dir: &Path, text: &str) {
    let temporary = dir.join(".model.toml.swp");
    std::fs::write(&temporary, text).unwrap();
    std::fs::rename(&temporary, dir.join("model.toml")).unwrap();
}

#[test]
fn watch_rewrites_the_plot_on_a_valid_save_and_keeps_it_on_a_broken_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("model.toml"), MODEL).unwrap();
    let figure = dir.path().join("fig.svg");
    let mut watch = Watching::start(dir.path(), &["--plot", "fig.svg"]);
    watch.wait_for("watch: ok, wrote fig.svg");
    let first = std::fs::read_to_string(&figure).expect("the first run drew the figure");

    // A valid edit (faster decay), saved by rename: the figure is redrawn.
    save_by_rename(dir.path(), &MODEL.replace("k = 0.1", "k = 0.4"));
    watch.wait_for("watch: model.toml changed");
    watch.wait_for("watch: ok, wrote fig.svg");
    let second = std::fs::read_to_string(&figure).unwrap();
    assert_ne!(first, second, "the valid edit changed the curve");

    // A broken edit, written in place: located error, and the last good figure stays.
    let broken = MODEL.replace("X = \"-k * X\"", "X = \"-k * Y\"");
    std::fs::write(dir.path().join("model.toml"), broken).unwrap();
    let said = watch.wait_for("keeps the last good figure");
    assert!(said.contains("model.toml:12:"), "the error is located: {said}");
    assert!(said.contains("`Y`"), "the error names the unknown name: {said}");
    assert_eq!(std::fs::read_to_string(&figure).unwrap(), second);

    assert_eq!(watch.interrupt(), Some(0), "Ctrl-C ends watch successfully");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "model.toml" && n != "fig.svg")
        .collect();
    assert!(leftovers.is_empty(), "no temporary files left: {leftovers:?}");
}

#[test]
fn watch_compare_prints_a_fresh_table_with_the_passed_flags() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("model.toml"), MODEL).unwrap();
    let mut watch = Watching::start(dir.path(), &["--compare", "--", "--set", "k=0.2"]);
    // X(t_end) = 10·exp(−k·t_end) (closed form): 10·e⁻⁴ = 0.1832 with k = 0.2 from --set.
    // (Standard output and error are read on separate threads: wait for the value itself.)
    watch.wait_for("0.1832");
    // The saved file moves t_end to 5; --set still holds k: 10·e⁻¹ = 3.679 (6.065 without it).
    save_by_rename(dir.path(), &MODEL.replace("t_end = 20", "t_end = 5"));
    watch.wait_for("3.679");
    assert_eq!(watch.interrupt(), Some(0));
}

#[test]
fn flags_that_do_not_suit_the_command_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("model.toml"), MODEL).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_relapse"))
        .current_dir(dir.path())
        .args(["watch", "model.toml", "--plot", "f.svg", "--", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--no-such-flag"), "{stderr}");
}
