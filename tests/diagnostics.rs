//! Every deliberately broken model in `tests/invalid/` is checked through the real binary and its
//! full rendered diagnostics (caret lines included) are compared with the `.stderr` file beside
//! it. Set `RELAPSE_BLESS=1` to rewrite the expected files after an intended change, then review
//! the diff. Exit code 1 (invalid model) is asserted for each.

mod common;

use common::relapse;

use std::path::Path;

#[test]
fn every_invalid_fixture_renders_its_expected_diagnostics() {
    let mut fixtures: Vec<_> = std::fs::read_dir("tests/invalid")
        .expect("fixture folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 15, "expected the full fixture set");
    let bless = std::env::var_os("RELAPSE_BLESS").is_some();
    let mut mismatches = Vec::new();
    for fixture in &fixtures {
        let output = relapse()
            .arg("check")
            .arg(fixture)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(1),
            "{} must be invalid",
            fixture.display()
        );
        let stderr = String::from_utf8(output.stderr).unwrap();
        let expected_path = fixture.with_extension("stderr");
        if bless {
            std::fs::write(&expected_path, &stderr).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("missing {}; run with RELAPSE_BLESS=1", expected_path.display()));
        if stderr != expected {
            mismatches.push(format!("--- {}\n{stderr}", fixture.display()));
        }
    }
    assert!(
        mismatches.is_empty(),
        "rendered diagnostics changed:\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn all_problems_in_a_file_are_reported_in_one_run() {
    let output = relapse()
        .args(["check", "--format", "short", "tests/invalid/wrong_types.toml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 5, "{stderr}");
    assert!(stderr.starts_with("tests/invalid/wrong_types.toml:5:5: error: parameter `k` must be a number"));
}

#[test]
fn json_format_gives_positions_and_hints() {
    let output = relapse()
        .args(["check", "--format", "json", "tests/invalid/unknown_name.toml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let file = &doc["files"][0];
    assert_eq!(file["valid"], false);
    let d = &file["diagnostics"][0];
    assert_eq!(d["message"], "unknown name `Acc`");
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(15), Some(26)));
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(15), Some(29))
    );
    assert_eq!(d["hints"][0], "did you mean `Ac`?");
}

#[test]
fn escaped_expression_strings_point_at_the_whole_string() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("escaped.toml");
    std::fs::write(
        &path,
        "[model]\nname = \"e\"\n[states]\nx = 1\n[equations]\nx = \"-\\u0078 +\"\n",
    )
    .unwrap();
    let output = relapse()
        .args(["check", "--format", "short"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(":6:5: error: expression ends too early"),
        "{stderr}"
    );
    assert!(Path::new(&path).exists());
}

#[test]
fn an_unused_parameter_is_a_warning_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unused.toml");
    std::fs::write(
        &path,
        "[model]\nname = \"w\"\n[parameters]\nk = 1\nkk = 2\n[states]\nx = 1\n[equations]\nx = \"-k * x\"\n",
    )
    .unwrap();
    let output = relapse()
        .args(["check", "--format", "short"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(":5:1: warning: parameter `kk` is never used"),
        "{stderr}"
    );
}

/// Runs `relapse args…` with stdout and stderr in files (a long report must not block on a full
/// pipe), killing it and failing the test after `limit`. Returns (exit code, stdout, stderr).
fn relapse_within(args: &[&str], limit: std::time::Duration) -> (Option<i32>, String, String) {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let start = std::time::Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_relapse"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::from(std::fs::File::create(&out).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(&err).unwrap()))
        .spawn()
        .unwrap();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let read = |p: &Path| std::fs::read_to_string(p).unwrap();
            return (status.code(), read(&out), read(&err));
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("`relapse {}` still running after {limit:?}", args.join(" "));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// 100,000 warnings (unused parameters) in one file: each rendered diagnostic used to rescan
/// the file for its line and column, and the snippet renderer re-split the whole file into
/// lines, so this took 58 s (short) and over 2 minutes (human, JSON) in a release build. With
/// the line index and one-line snippet windows each format takes seconds even in a debug build
/// (the limit leaves room for a loaded machine). The last warning is on line 100,003 (three
/// header lines before the parameters), which checks the positions at the far end of the file.
#[test]
fn a_hundred_thousand_warnings_render_quickly_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many_warnings.toml");
    let mut toml = String::from("[model]\nname = \"w\"\n[parameters]\n");
    for i in 0..100_000 {
        toml.push_str(&format!("p{i} = 1\n"));
    }
    toml.push_str("[states]\nx = 1\n[equations]\nx = \"-x\"\n");
    std::fs::write(&path, toml).unwrap();
    let file = path.to_str().unwrap();
    let limit = std::time::Duration::from_secs(60);
    let last = format!("{file}:100003:1: warning: parameter `p99999` is never used");

    let (code, _, stderr) = relapse_within(&["check", "--format", "short", file], limit);
    assert_eq!(code, Some(0));
    assert_eq!(stderr.lines().count(), 100_000);
    assert!(
        stderr.lines().last().unwrap().starts_with(&last),
        "{:?}",
        stderr.lines().last()
    );

    let (code, _, stderr) = relapse_within(&["check", "--format", "human", file], limit);
    assert_eq!(code, Some(0));
    assert_eq!(stderr.matches("warning: parameter").count(), 100_000);
    assert!(stderr.contains(&format!("--> {file}:100003:1\n")));
    assert!(stderr.contains("100003 | p99999 = 1\n"));

    let (code, stdout, _) = relapse_within(&["check", "--format", "json", file], limit);
    assert_eq!(code, Some(0));
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let diagnostics = doc["files"][0]["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 100_000);
    let d = &diagnostics[99_999];
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(100_003), Some(1))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(100_003), Some(7))
    );
}
