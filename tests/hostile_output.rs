//! Hostile outputs and inputs for the real binary (issue 8): special files and links as outputs,
//! signals mid-run, bad or clashing output paths, closed pipes and full devices on stdout/stderr,
//! negative flag values, oversized and non-UTF-8 model files.
//!
//! Special files are made inside a temporary folder (`mkfifo`; `mknod` for device nodes, when
//! running as root): no test ever names the real `/dev/null` or `/dev/full` as an output.
//! Expected exit codes are the documented ones: 0 ok, 1 invalid model, 2 usage, 4 I/O, and
//! 128 + signal number after SIGINT (130) and SIGTERM (143).
#![cfg(unix)]

mod common;

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::relapse;
use predicates::prelude::{PredicateBooleanExt, predicate};

const MODEL: &str = "models/pk_oral_1cpt.toml";

/// An oscillator at tight tolerance over 1e9 time units: runs far longer than any test waits.
const LONG_MODEL: &str = r#"
[model]
name = "long_run"

[states]
x = { initial = 1.0 }
v = { initial = 0.0 }

[equations]
x = "v"
v = "-x"

[outputs]
x = "x"

[solver]
rtol = 1e-12
atol = 1e-14
t_end = 1e9
max_steps = 1000000000000
"#;

fn binary() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_relapse"));
    cmd.env("NO_COLOR", "1").stdin(Stdio::null());
    cmd
}

/// Waits for `child`, killing it and failing the test after `limit`.
fn finish(mut child: Child, limit: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {limit:?}");
        }
        thread::sleep(Duration::from_millis(20));
    }
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// A character device node `major:minor` at `path`, or `None` (with the reason printed) when
/// not running as root or when the container forbids `mknod`.
fn char_device(path: &Path, major: u32, minor: u32) -> Option<PathBuf> {
    let probe = path.with_extension("probe");
    File::create(&probe).unwrap();
    let root = fs::metadata(&probe).unwrap().uid() == 0;
    fs::remove_file(&probe).unwrap();
    if !root {
        println!("skipped: mknod needs root");
        return None;
    }
    let status = Command::new("mknod")
        .arg(path)
        .args(["c", &major.to_string(), &minor.to_string()])
        .status()
        .expect("mknod runs");
    if !status.success() {
        println!("skipped: mknod {major}:{minor} failed here");
        return None;
    }
    Some(path.to_path_buf())
}

fn temporaries(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".relapse-"))
        .collect()
}

#[test]
fn a_fifo_output_is_written_through_and_stays_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("out.csv");
    mkfifo(&fifo);
    let (sender, received) = mpsc::channel();
    let reader_path = fifo.clone();
    thread::spawn(move || {
        let mut text = String::new();
        File::open(&reader_path)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        let _ = sender.send(text);
    });
    let status = binary()
        .args(["simulate", MODEL, "--regimen", "daily", "--out"])
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    // The same header as tests/cli.rs expects from this model written to a regular file.
    let text = received
        .recv_timeout(Duration::from_secs(10))
        .expect("the reader got the CSV");
    assert!(
        text.starts_with("regimen,time,Ag,Ac,C\ndaily,0,80,0,0\n"),
        "{text}"
    );
    assert!(temporaries(dir.path()).is_empty());
}

#[test]
fn a_character_device_output_stays_a_device() {
    let dir = tempfile::tempdir().unwrap();
    let Some(null) = char_device(&dir.path().join("null.png"), 1, 3) else {
        return;
    };
    relapse()
        .args(["simulate", MODEL, "--out"])
        .arg(&null)
        .assert()
        .success();
    relapse()
        .args(["compare", "models/stein_regrowth.toml", "--out"])
        .arg(&null)
        .assert()
        .success();
    relapse()
        .args(["plot", MODEL, "--width", "400", "--height", "300", "--out"])
        .arg(&null)
        .assert()
        .success();
    let meta = fs::symlink_metadata(&null).unwrap();
    assert!(meta.file_type().is_char_device(), "{meta:?}");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "nothing else was created"
    );
}

#[test]
fn a_symlink_output_replaces_its_target_and_stays_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.csv");
    fs::write(&real, "old").unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).unwrap();
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink("real.csv", &link).unwrap();
    let dangling = dir.path().join("dangling.csv");
    std::os::unix::fs::symlink("made.csv", &dangling).unwrap();
    for out in [&link, &dangling] {
        relapse()
            .args(["simulate", MODEL, "--out"])
            .arg(out)
            .assert()
            .success();
        assert!(fs::symlink_metadata(out).unwrap().file_type().is_symlink());
    }
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("real.csv"));
    assert!(fs::read_to_string(&real).unwrap().starts_with("regimen,time,"));
    assert_eq!(fs::metadata(&real).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(
        fs::read_to_string(dir.path().join("made.csv"))
            .unwrap()
            .starts_with("regimen,time,")
    );
    assert!(temporaries(dir.path()).is_empty());
}

/// Starts `args` on the long model, waits for its reserved temporary file, sends `signal` with
/// `kill`, and returns the exit status.
fn interrupt(dir: &Path, args: &[&str], out: &str, signal: &str) -> ExitStatus {
    let model = dir.join("long.toml");
    fs::write(&model, LONG_MODEL).unwrap();
    let child = binary()
        .args(args)
        .arg(&model)
        .arg("--out")
        .arg(dir.join(out))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while temporaries(dir).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no temporary file appeared"
        );
        thread::sleep(Duration::from_millis(10));
    }
    let killed = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    finish(child, Duration::from_secs(10))
}

#[test]
fn sigterm_and_sigint_remove_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let status = interrupt(dir.path(), &["simulate"], "out.csv", "-TERM");
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
    assert!(!dir.path().join("out.csv").exists());

    let status = interrupt(dir.path(), &["plot"], "out.png", "-INT");
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
    assert!(!dir.path().join("out.png").exists());
}

#[test]
fn every_output_path_is_checked_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("p.png");
    relapse()
        .args(["compare", "models/stein_regrowth.toml", "--plot"])
        .arg(&plot)
        .arg("--out")
        .arg(dir.path().join("nodir/x.json"))
        .assert()
        .code(4)
        .stderr(
            predicate::str::contains("the folder `").and(predicate::str::contains("nodir` does not exist")),
        );
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no plot, no temporary file"
    );

    // The long model would run for minutes: refusing the model as the output takes no time.
    let model = dir.path().join("long.toml");
    fs::write(&model, LONG_MODEL).unwrap();
    for command in ["simulate", "plot"] {
        let child = binary()
            .args([command, "--out"])
            .arg(&model)
            .arg(&model)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        assert_eq!(
            finish(child, Duration::from_secs(20)).code(),
            Some(2),
            "{command}"
        );
    }
    let child = binary()
        .args(["plot", "--out"])
        .arg(dir.path().join("x.gif"))
        .arg(&model)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert_eq!(
        finish(child, Duration::from_secs(20)).code(),
        Some(2),
        "unknown image format"
    );
}

#[test]
fn two_outputs_to_one_file_are_refused_however_spelled() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("same.png", dir.path().join("link.png")).unwrap();
    for other in ["same.png", "./same.png", "sub/../same.png", "link.png"] {
        fs::create_dir_all(dir.path().join("sub")).unwrap();
        relapse()
            .current_dir(dir.path())
            .args([
                "compare",
                &format!("{}/models/stein_regrowth.toml", env!("CARGO_MANIFEST_DIR")),
            ])
            .args(["--plot", "same.png", "--out", other])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "`--plot same.png` and `--out {other}` name the same file"
            )));
    }
    assert!(!dir.path().join("same.png").exists());
}

#[test]
fn a_closed_pipe_on_stdout_ends_quietly_with_0() {
    // About 1000 diagnostics of JSON: far more than a pipe buffer holds, so the write fails.
    let mut cmd = binary();
    cmd.args(["check", "--format", "json"]);
    for _ in 0..1000 {
        cmd.arg("tests/invalid/unknown_name.toml");
    }
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut byte = [0u8; 1];
    stdout.read_exact(&mut byte).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_full_stdout_or_stderr_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let Some(full) = char_device(&dir.path().join("full"), 1, 7) else {
        return;
    };
    let open = || fs::OpenOptions::new().write(true).open(&full).unwrap();
    let status = binary()
        .args(["check", "tests/invalid/unknown_name.toml"])
        .stderr(open())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(4), "diagnostics to a full stderr");
    let status = binary()
        .args(["check", "--format", "json", MODEL])
        .stdout(open())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(4), "JSON to a full stdout");
    let status = binary().arg("--help").stdout(open()).status().unwrap();
    assert_eq!(status.code(), Some(4), "help to a full stdout");
    let output = binary()
        .args(["simulate", MODEL])
        .stdout(open())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "CSV to a full stdout");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("cannot write to standard output: No space left on device"),
        "{stderr}"
    );
    assert!(fs::symlink_metadata(&full).unwrap().file_type().is_char_device());
}

#[test]
fn negative_flag_values_get_the_range_error() {
    relapse()
        .args(["simulate", MODEL, "--t-end", "-1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "`--t-end` must be a finite number > 0, found -1",
        ));
    relapse()
        .args(["simulate", MODEL, "--times", "-1,2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "output time -1 is outside [0, t_end = 21]",
        ));
}

#[test]
fn invalid_utf8_is_an_invalid_model_located_once() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    // `[model]\n` is 8 bytes and `name = "a` 9 more: the 0xFF byte is at offset 17, line 2, column 10.
    fs::write(&bad, b"[model]\nname = \"a\xffb\"\n").unwrap();
    let message = "the file is not valid UTF-8: byte 0xFF at byte offset 17";
    for command in [&["check"][..], &["check", "--format", "short"], &["simulate"]] {
        let output = relapse()
            .args(command)
            .arg(&bad)
            .assert()
            .code(1)
            .get_output()
            .clone();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.matches(message).count(), 1, "{command:?}: {stderr}");
        assert!(stderr.contains("bad.toml:2:10"), "{command:?}: {stderr}");
        assert!(!stderr.contains("cannot read"), "{command:?}: {stderr}");
    }
    relapse()
        .args(["check", "--format", "json"])
        .arg(&bad)
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("\"start_byte\": 17").and(predicate::str::contains("\"end_byte\": 18")),
        );
}

#[test]
fn an_endless_model_file_stops_at_the_64_mib_cap() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("endless.toml");
    mkfifo(&fifo);
    let writer_path = fifo.clone();
    thread::spawn(move || {
        // 65 MiB of comment lines; the write fails once the reader stops at the cap.
        let chunk = "#".repeat(1023) + "\n";
        let mut file = File::options().write(true).open(&writer_path).unwrap();
        for _ in 0..65 * 1024 {
            if file.write_all(chunk.as_bytes()).is_err() {
                break;
            }
        }
    });
    let child = binary()
        .arg("check")
        .arg(&fifo)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("the file is larger than 64 MiB, the limit for a model file"),
        "{stderr}"
    );
}
