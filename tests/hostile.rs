//! Hostile-input suite (issue "Hardening", *Done when*): the `relapse` binary over deep nesting,
//! huge sizes, overflowing numbers, degenerate doses, huge grids and canvases, special files as
//! outputs and closed pipes. Every case must end with an exit code in 0..=4 (and in the case's
//! own expected set), print no "panicked", finish within [`TIME_LIMIT`] and stay within
//! [`MEMORY_LIMIT`] of address space (`prlimit`, else `ulimit -v`).
//!
//! Cases come from two places: the model files in `tests/hostile/`, each starting with
//! `# issue:`, `# args:` (with `{model}` and `{dir}`, a fresh temporary directory) and `# exit:`
//! lines and optional checks (`# final: STATE VALUE`, `# stderr: TEXT`, `# distinct_times: N`,
//! `# markdown: consistent`); and [`generated_cases`], for inputs too big to keep as files and
//! for flag-only cases. Special files and pipes have their own tests at the end.
//!
//! Every case failed (panic, hang, runaway memory, wrong exit code or wrong result) before the
//! hardening fixes; `cargo test --test hostile -- --nocapture` prints each case's exit and time.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Wall-clock limit per run (debug build; every case takes well under a second when handled).
const TIME_LIMIT: Duration = Duration::from_secs(20);
/// Address-space limit per run: far above what any case needs, far below runaway allocation.
const MEMORY_LIMIT: u64 = 2 << 30;

/// One run of the binary.
struct Case {
    name: String,
    issue: String,
    /// The model file's bytes, written to `{dir}/model.toml`.
    model: Vec<u8>,
    /// Arguments, with `{model}` and `{dir}` replaced.
    args: Vec<String>,
    /// Allowed exit codes.
    exits: Vec<i32>,
    checks: Vec<Check>,
}

enum Check {
    /// On exit 0: the last CSV row on stdout has this value in this column.
    Final(String, f64),
    /// stderr contains this text.
    Stderr(String),
    /// On exit 0: the CSV on stdout has this many distinct times.
    DistinctTimes(usize),
    /// On exit 0: every line of the Markdown table on stdout has as many `|` as the header.
    ConsistentMarkdown,
    /// stderr does not contain this text.
    NotInStderr(String),
    /// After the run, this file (relative to `{dir}`) does not exist.
    NoFile(String),
}

/// What a run did.
struct Outcome {
    status: Option<ExitStatus>,
    elapsed: Duration,
    stdout: String,
    stderr: String,
}

/// The binary under a memory limit: `prlimit` from util-linux if present, else the shell's
/// `ulimit -v`.
fn bounded_command() -> Command {
    let exe = env!("CARGO_BIN_EXE_relapse");
    let has_prlimit = Command::new("prlimit")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let mut cmd = if has_prlimit {
        let mut c = Command::new("prlimit");
        c.arg(format!("--as={MEMORY_LIMIT}")).arg("--").arg(exe);
        c
    } else {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(format!("ulimit -v {}; exec \"$0\" \"$@\"", MEMORY_LIMIT / 1024))
            .arg(exe);
        c
    };
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Runs `cmd` (stdio already set up), killing it after [`TIME_LIMIT`].
fn run_bounded(mut cmd: Command) -> Outcome {
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn relapse");
    // Drain both pipes on threads so a chatty child never blocks on a full pipe.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut text);
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Outcome {
        status,
        elapsed: start.elapsed(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// Problems with `outcome` for a case allowing `exits`; empty when it behaved.
fn verdict(outcome: &Outcome, exits: &[i32]) -> Vec<String> {
    let mut problems = Vec::new();
    match outcome.status {
        None => problems.push(format!("did not finish in {TIME_LIMIT:?} (killed)")),
        Some(status) => match status.code() {
            Some(code) if exits.contains(&code) && (0..=4).contains(&code) => {}
            Some(code) => problems.push(format!("exit code {code}, expected one of {exits:?}")),
            None => problems.push(format!("killed by a signal ({status}): crash or memory limit")),
        },
    }
    if outcome.stderr.contains("panicked") {
        problems.push("printed a panic".to_string());
    }
    problems
}

fn check(case: &Case, outcome: &Outcome, dir: &Path) -> Vec<String> {
    let mut problems = verdict(outcome, &case.exits);
    let ok = outcome.status.and_then(|s| s.code()) == Some(0);
    for c in &case.checks {
        match c {
            Check::Final(column, expected) if ok => {
                let mut lines = outcome.stdout.lines();
                let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
                let last: Vec<&str> = lines.last().unwrap_or_default().split(',').collect();
                let value = header
                    .iter()
                    .position(|h| h == column)
                    .and_then(|i| last.get(i))
                    .and_then(|v| v.parse::<f64>().ok());
                // The whole dose must arrive: relative 1e-9 (the solver tolerances are 1e-6).
                if value.is_none_or(|v| (v - expected).abs() > 1e-9 * expected.abs().max(1.0)) {
                    problems.push(format!("final {column} = {value:?}, expected {expected}"));
                }
            }
            Check::Stderr(text) if !outcome.stderr.contains(text.as_str()) => {
                problems.push(format!("stderr does not mention `{text}`"));
            }
            Check::DistinctTimes(n) if ok => {
                let mut times: Vec<&str> = outcome
                    .stdout
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.split(',').nth(1))
                    .collect();
                times.dedup();
                if times.len() != *n {
                    problems.push(format!("{} distinct times, expected {n}: {times:?}", times.len()));
                }
            }
            Check::ConsistentMarkdown if ok => {
                let bars = |l: &str| l.matches('|').count() - l.matches("\\|").count();
                let lines: Vec<&str> = outcome.stdout.lines().collect();
                let header = lines.first().map_or(0, |l| bars(l));
                if lines.iter().any(|l| bars(l) != header) {
                    problems.push(format!("ragged Markdown table:\n{}", outcome.stdout));
                }
            }
            Check::NotInStderr(text) if outcome.stderr.contains(text.as_str()) => {
                problems.push(format!("stderr mentions `{text}`"));
            }
            Check::NoFile(name) if dir.join(name).exists() => {
                problems.push(format!("`{name}` was written"));
            }
            _ => {}
        }
    }
    problems
}

/// Runs `case` in a fresh temporary directory.
fn run_case(case: &Case) -> (Outcome, Vec<String>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = dir.path().join("model.toml");
    std::fs::write(&model, &case.model).expect("write model");
    let mut cmd = bounded_command();
    for arg in &case.args {
        cmd.arg(
            arg.replace("{model}", &model.display().to_string())
                .replace("{dir}", &dir.path().display().to_string()),
        );
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let outcome = run_bounded(cmd);
    let problems = check(case, &outcome, dir.path());
    (outcome, problems)
}

/// The cases in `tests/hostile/*.toml`, from their header comments.
fn file_cases() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir("tests/hostile")
        .expect("tests/hostile")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths.iter().map(|p| file_case(p)).collect()
}

fn file_case(path: &Path) -> Case {
    let model = std::fs::read_to_string(path).expect("hostile case");
    let field = |key: &str| {
        model
            .lines()
            .find_map(|l| l.strip_prefix(&format!("# {key}: ")))
            .map(str::to_string)
    };
    let required = |key: &str| field(key).unwrap_or_else(|| panic!("{}: no `# {key}:` line", path.display()));
    let mut checks = Vec::new();
    if let Some(f) = field("final") {
        let (column, value) = f.split_once(' ').expect("# final: COLUMN VALUE");
        checks.push(Check::Final(column.to_string(), value.parse().expect("number")));
    }
    checks.extend(field("stderr").map(Check::Stderr));
    if let Some(n) = field("distinct_times") {
        checks.push(Check::DistinctTimes(n.parse().expect("count")));
    }
    if field("markdown").is_some() {
        checks.push(Check::ConsistentMarkdown);
    }
    Case {
        name: path.file_stem().expect("name").to_string_lossy().into_owned(),
        issue: required("issue"),
        args: required("args").split_whitespace().map(str::to_string).collect(),
        exits: required("exit")
            .split_whitespace()
            .map(|c| c.parse().expect("exit code"))
            .collect(),
        model: model.into_bytes(),
        checks,
    }
}

const SIMPLE: &str = "[model]\nname = \"m\"\n[states]\nx = 1\n[equations]\nx = \"-x\"\n[solver]\nt_end = 1\n";

fn generated(name: &str, issue: &str, model: impl Into<Vec<u8>>, args: &str, exits: &[i32]) -> Case {
    Case {
        name: name.to_string(),
        issue: issue.to_string(),
        model: model.into(),
        args: args.split_whitespace().map(str::to_string).collect(),
        exits: exits.to_vec(),
        checks: Vec::new(),
    }
}

impl Case {
    fn with(mut self, check: Check) -> Self {
        self.checks.push(check);
        self
    }
}

/// A model whose equation for `x` is `rhs`.
fn with_rhs(rhs: &str) -> String {
    format!("[model]\nname = \"m\"\n[states]\nx = 1\n[equations]\nx = \"{rhs}\"\n[solver]\nt_end = 1\n")
}

/// Inputs too big to keep as files, and flag-only cases on a small model.
fn generated_cases() -> Vec<Case> {
    const NESTING: &str = "Panics — stack overflow on deep nesting (> ~3,200 nested `(` or `abs(`)";
    const FLAT: &str =
        "Panics — a flat sum of ≥ 14,000 terms overflows the stack; flat sums must work at any length";
    const MINUS: &str = "Panics — ≥ 14,000 unary minuses overflow the stack";
    const CANVAS: &str = "Panics — canvas size: u32 overflow at 65536×65537, 3.5 GB at 40000×30000, hang below the layout minimum";
    let deep = 5_000;
    let mut cases = vec![
        generated(
            "nested_parentheses_5000",
            NESTING,
            with_rhs(&format!("{}x{}", "(".repeat(deep), ")".repeat(deep))),
            "check {model}",
            &[1],
        ),
        generated(
            "nested_abs_5000",
            NESTING,
            with_rhs(&format!("{}x{}", "abs(".repeat(deep), ")".repeat(deep))),
            "check {model}",
            &[1],
        ),
        generated(
            "flat_sum_20000_terms",
            FLAT,
            with_rhs(&format!("-x{}", " + 1e-9".repeat(20_000))),
            "simulate {model}",
            &[0],
        ),
        generated(
            "unary_minus_20000",
            MINUS,
            with_rhs(&format!("{}x", "-".repeat(20_000))),
            "check {model}",
            &[0, 1],
        ),
        generated(
            "warnings_30000",
            "Hangs — each rendered diagnostic rescans the whole file: 100,000 warnings take 20–72 s",
            format!(
                "[model]\nname = \"m\"\n[parameters]\n{}[states]\nx = 1\n[equations]\nx = \"-x\"\n",
                (0..30_000).map(|i| format!("p{i} = 1\n")).collect::<String>()
            ),
            "check {model}",
            &[0],
        ),
        generated(
            "doses_200000_outputs_20000",
            "Hangs — output snapping scans all dose events for every output time",
            "[model]\nname = \"m\"\n[states]\nx = 0\n[equations]\nx = \"-x\"\n[solver]\nt_end = 100\n\
             output_step = 0.005\n[regimens.a]\ndoses = [ { target = \"x\", amount = 1e-3, interval = 5e-4, \
             count = 200000 } ]\n"
                .to_string(),
            "simulate {model} --out {dir}/out.csv",
            &[0],
        ),
        generated(
            "infusions_100000_rug",
            "Hangs — the dose rug searches linearly per infusion stop: 2×10⁵ infusions take 45 s",
            "[model]\nname = \"m\"\n[states]\nx = 0\n[equations]\nx = \"-x\"\n[solver]\nt_end = 100\n\
             [regimens.a]\ndoses = [ { target = \"x\", amount = 1e-3, interval = 1e-3, count = 100000, \
             duration = 5e-4 } ]\n"
                .to_string(),
            "plot {model} --out {dir}/p.svg",
            &[0],
        ),
        generated(
            "invalid_utf8",
            "Messages — invalid UTF-8 in a model file is an I/O error (exit 4) printed twice",
            &b"[model]\nname = \"caf\xe9\"\n[states]\nx = 1\n[equations]\nx = \"-x\"\n"[..],
            "check {model}",
            &[1],
        ),
        generated(
            "t_end_negative_flag",
            "Messages — `--t-end -1` is taken as a flag by clap",
            SIMPLE.to_string(),
            "simulate {model} --t-end -1",
            &[2],
        )
        .with(Check::NotInStderr("unexpected argument".to_string())),
        generated(
            "compare_plot_then_bad_out",
            "Destroyed or partial files — `compare --plot p.png --out nodir/x.json` writes the plot, then fails",
            SIMPLE.to_string() + "[relapse]\nobservable = \"x\"\n",
            "compare {model} --plot {dir}/p.png --out {dir}/nodir/x.json",
            &[2, 4],
        )
        .with(Check::NoFile("p.png".to_string())),
        generated(
            "compare_plot_and_out_same_path",
            "Destroyed or partial files — `--plot same.png --out same.png` silently overwrites one with the other",
            SIMPLE.to_string() + "[relapse]\nobservable = \"x\"\n",
            "compare {model} --plot {dir}/same.png --out {dir}/same.png",
            &[2],
        ),
    ];
    for (w, h, exits) in [
        (65_536, 65_537, &[2][..]),
        (40_000, 30_000, &[2]),
        (1, 1, &[2]),
        (1200, 10, &[2]),
        (0, 0, &[2]),
    ] {
        cases.push(generated(
            &format!("canvas_{w}x{h}"),
            CANVAS,
            SIMPLE.to_string(),
            &format!("plot {{model}} --out {{dir}}/p.png --width {w} --height {h}"),
            exits,
        ));
    }
    cases
}

#[test]
fn hostile_inputs_end_with_a_defined_exit_code_in_time_and_memory() {
    let mut cases = file_cases();
    cases.extend(generated_cases());
    let mut failures = Vec::new();
    for case in &cases {
        let (outcome, problems) = run_case(case);
        eprintln!(
            "{:<40} exit {:?} in {:.2?}",
            case.name,
            outcome.status.and_then(|s| s.code()),
            outcome.elapsed
        );
        if !problems.is_empty() {
            let tail: String = outcome
                .stderr
                .chars()
                .rev()
                .take(600)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            failures.push(format!(
                "{} ({}):\n  {}\n  stderr tail: {tail}",
                case.name,
                case.issue,
                problems.join("\n  ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} hostile case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Special files and pipes. Device nodes are made with `mknod` inside a temporary directory
// (root only; skipped otherwise), never the real /dev/null or /dev/full.
// ---------------------------------------------------------------------------------------------

/// A character device node `major:minor` at `dir/name`, if this process may create one.
fn device(dir: &Path, name: &str, major: u32, minor: u32) -> Option<PathBuf> {
    let path = dir.join(name);
    let made = Command::new("mknod")
        .arg(&path)
        .args(["c", &major.to_string(), &minor.to_string()])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if made {
        Some(path)
    } else {
        eprintln!("skipped: cannot create a device node (not root, or no mknod)");
        None
    }
}

fn is_char_device(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_char_device())
}

fn model_in(dir: &Path) -> PathBuf {
    let path = dir.join("model.toml");
    std::fs::write(&path, SIMPLE).expect("model");
    path
}

#[track_caller]
fn assert_behaved(name: &str, outcome: &Outcome, exits: &[i32]) {
    let problems = verdict(outcome, exits);
    assert!(
        problems.is_empty(),
        "{name}: {problems:?}\nstderr: {}",
        outcome.stderr
    );
}

/// Issue, *Destroyed or partial files*: `--out` naming a device is written through, not
/// replaced by a regular file (the device here is a null device node in a temporary directory).
#[test]
fn out_to_a_device_node_keeps_the_device() {
    const NAME: &str = "out_to_device_node";
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(null) = device(dir.path(), "null", 1, 3) else {
        return;
    };
    let mut cmd = bounded_command();
    cmd.arg("simulate")
        .arg(model_in(dir.path()))
        .arg("--out")
        .arg(&null);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let outcome = run_bounded(cmd);
    assert_behaved(NAME, &outcome, &[0]);
    assert!(
        is_char_device(&null),
        "the device node was replaced by a regular file"
    );
}

/// Issue, *Destroyed or partial files*: a FIFO given as `--out` is written through.
#[test]
fn out_to_a_fifo_writes_through_it() {
    const NAME: &str = "out_to_fifo";
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("fifo");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("skipped: no mkfifo");
        return;
    }
    // Both ends are held open around the run: the reader (on a thread, as opening a FIFO
    // blocks until the other end is opened) and a writer of our own, so that a relapse that
    // replaces the FIFO instead of writing to it cannot leave the reader blocked.
    let reader_path = fifo.clone();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::fs::File::open(reader_path).and_then(|mut f| f.read_to_string(&mut text));
        text
    });
    let keep_open = std::fs::OpenOptions::new()
        .write(true)
        .open(&fifo)
        .expect("open FIFO");
    let mut cmd = bounded_command();
    cmd.arg("simulate")
        .arg(model_in(dir.path()))
        .arg("--out")
        .arg(&fifo);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let outcome = run_bounded(cmd);
    let still_fifo = std::fs::symlink_metadata(&fifo).is_ok_and(|m| {
        use std::os::unix::fs::FileTypeExt;
        m.file_type().is_fifo()
    });
    drop(keep_open);
    let received = reader.join().expect("reader");
    assert_behaved(NAME, &outcome, &[0]);
    assert!(still_fifo, "the FIFO was replaced by a regular file");
    assert!(
        received.starts_with("regimen,time,x"),
        "the reader got {received:?}"
    );
}

/// Issue, *Panics*: `check --format json … | head -c1` panics on a broken pipe. Here stdout is
/// a pipe whose read end is closed before relapse writes.
#[test]
fn closed_stdout_pipe_is_a_quiet_exit() {
    const NAME: &str = "closed_stdout_pipe";
    let dir = tempfile::tempdir().expect("tempdir");
    let model = model_in(dir.path());
    let mut cmd = bounded_command();
    // Many files make the JSON document far larger than a pipe buffer.
    cmd.args(["check", "--format", "json"]);
    for _ in 0..2000 {
        cmd.arg(&model);
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn");
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    let status = child.wait().expect("wait");
    let outcome = Outcome {
        status: Some(status),
        elapsed: start.elapsed(),
        stdout: String::new(),
        stderr,
    };
    assert_behaved(NAME, &outcome, &[0]);
}

/// Issue, *Panics*: printing to a full stderr (`2>/dev/full`) panics; other write errors are
/// exit 4. A full device node in a temporary directory stands in for /dev/full.
#[test]
fn full_stderr_is_an_io_error() {
    const NAME: &str = "full_stderr";
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(full) = device(dir.path(), "full", 1, 7) else {
        return;
    };
    let model = dir.path().join("bad.toml");
    std::fs::write(&model, "[model]\nname = 1\n").expect("model");
    let mut cmd = bounded_command();
    cmd.arg("check").arg(&model);
    cmd.stdout(Stdio::piped()).stderr(
        std::fs::OpenOptions::new()
            .write(true)
            .open(&full)
            .expect("open full node"),
    );
    let outcome = run_bounded(cmd);
    // The model is invalid (1), but the report could not be written (4).
    assert_behaved(NAME, &outcome, &[1, 4]);
    assert!(is_char_device(&full));
}

/// Issue, *Runaway memory*: `check /dev/zero` reads until allocation fails; model files are
/// capped. A zero device node in a temporary directory stands in for /dev/zero.
#[test]
fn endless_model_file_is_refused() {
    const NAME: &str = "model_from_zero_device";
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(zero) = device(dir.path(), "zero", 1, 5) else {
        return;
    };
    let mut cmd = bounded_command();
    cmd.arg("check").arg(&zero);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let outcome = run_bounded(cmd);
    assert_behaved(NAME, &outcome, &[1, 4]);
    // Refused at the cap, not after allocation failed.
    assert!(!outcome.stderr.contains("out of memory"), "{}", outcome.stderr);
}
