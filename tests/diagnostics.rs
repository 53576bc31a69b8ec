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
