//! `compare --format csv` is tidy: plain snake_case headers (`[a-z][a-z0-9_]*`, no units) and
//! empty cells for missing values, so data tools read numbers as numbers. Checked with Python's
//! `csv` module (an independent reader): every column but `regimen` and `status` parses as a
//! float where it is not empty. Skipped, saying so, where python3 is missing.

mod common;

use std::process::Command;

use common::relapse;

/// Reads the CSV on stdin; prints `ok N_EMPTY` or the first problem.
const CHECK: &str = r#"
import csv, re, sys
rows = list(csv.reader(sys.stdin))
header, body = rows[0], rows[1:]
assert body, "no rows"
for name in header:
    assert re.fullmatch(r"[a-z][a-z0-9_]*", name), f"header {name!r}"
assert len(set(header)) == len(header), f"duplicate headers {header}"
empty = 0
for row in body:
    assert len(row) == len(header), f"row width {row}"
    for name, cell in zip(header, row):
        if name in ("regimen", "status"):
            continue
        if cell == "":
            empty += 1
        else:
            float(cell)
print("ok", empty)
"#;

fn python_check(csv: &[u8]) -> Option<String> {
    let mut child = Command::new("python3")
        .args(["-c", CHECK])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    use std::io::Write;
    child.stdin.take().unwrap().write_all(csv).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn compare_csv_reads_as_numbers_in_python() {
    // Hibernation: an observable with a detection limit and exposure outputs; `untreated` never
    // responds, so its relapse time and troughs are missing (empty cells).
    for (model, some_empty) in [
        ("models/hibernation_rigi.toml", true),
        ("models/pk_oral_1cpt.toml", false),
        ("models/stein_regrowth.toml", false),
    ] {
        let out = relapse()
            .args(["compare", model, "--format", "csv"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let csv = String::from_utf8(out.stdout.clone()).unwrap();
        assert!(!csv.contains(",-,") && !csv.contains('['), "{model}:\n{csv}");
        let Some(verdict) = python_check(&out.stdout) else {
            eprintln!("skipped the Python check of {model}: python3 not found");
            continue;
        };
        let empty: usize = verdict.trim().strip_prefix("ok ").unwrap().parse().unwrap();
        assert_eq!(empty > 0, some_empty, "{model}: {empty} empty cells\n{csv}");
    }
}

#[test]
fn compare_csv_headers_are_the_documented_names() {
    let out = relapse()
        .args(["compare", "models/hibernation_rigi.toml", "--format", "csv"])
        .output()
        .unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        csv.lines().next().unwrap(),
        "regimen,nadir,t_nadir,relapse_time,status,delay_vs_baseline,time_below_detection,depth,\
         log10_depth,final,auc,c_cmax,c_tmax,c_trough_min,c_trough_last,c_auc"
    );
    // `untreated` does not respond: no relapse time, no delay, no troughs.
    let untreated = csv.lines().nth(1).unwrap();
    assert!(
        untreated.starts_with("untreated,1010000000,0,,no_response,"),
        "{untreated}"
    );
}

#[test]
fn population_summary_csv_is_tidy_too() {
    // Landmarks with a decimal point and below 1: their columns are `survival_at_12p5` and
    // `survival_at_0p25`, not `survival_at_12.5`.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pop");
    relapse()
        .args([
            "population",
            "tests/fixtures/population_tiny.toml",
            "--patients",
            "6",
        ])
        .args(["--landmarks", "0.25,12.5,40", "--out"])
        .arg(&out)
        .assert()
        .success();
    let csv = std::fs::read(out.join("summary.csv")).unwrap();
    let header = String::from_utf8(csv.clone()).unwrap();
    let header = header.lines().next().unwrap().to_string();
    assert!(
        header.contains(",survival_at_0p25,survival_at_0p25_lower,survival_at_0p25_upper,survival_at_12p5,"),
        "{header}"
    );
    match python_check(&csv) {
        Some(verdict) => assert!(verdict.starts_with("ok "), "{verdict}"),
        None => eprintln!("skipped the Python check of summary.csv: python3 not found"),
    }
}
