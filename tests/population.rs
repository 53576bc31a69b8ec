//! `relapse population` and `relapse merge` through the binary: the files and their columns,
//! byte-identical results for any thread count and for sharded + merged runs, stable patients,
//! agreement with `compare`, bad inputs (clear error, exit 1 or 2, nothing written) and patients
//! whose run fails (recorded, counted, exit 3, the others still run).
//!
//! Model: `tests/fixtures/population_tiny.toml` (two states, three regimens, 40 patients), small
//! enough to run hundreds of patients in a debug build.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::relapse;
use predicates::prelude::predicate;

const TINY: &str = "tests/fixtures/population_tiny.toml";

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[track_caller]
fn assert_same_files(a: &Path, b: &Path) {
    let (fa, fb) = (files(a), files(b));
    assert_eq!(
        fa.keys().collect::<Vec<_>>(),
        fb.keys().collect::<Vec<_>>(),
        "{} vs {}",
        a.display(),
        b.display()
    );
    for (name, bytes) in &fa {
        assert!(
            bytes == &fb[name],
            "{name} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

fn population(model: &str, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    relapse()
        .args(["population", model, "--out"])
        .arg(out)
        .args(extra)
        .assert()
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn writes_every_file_with_the_documented_columns() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pop");
    population(TINY, &out, &["--trajectories"]).success();
    let names: Vec<String> = files(&out).into_keys().collect();
    assert_eq!(
        names,
        [
            "bands.csv",
            "patients.csv",
            "summary.csv",
            "summary.json",
            "trajectories.csv"
        ]
    );
    let patients = lines(&out.join("patients.csv"));
    assert_eq!(
        patients[0],
        "patient,regimen,CL,g,kill,relapse_time,relapse_status,nadir,t_nadir,time_below_detection,\
         final_value,auc,C_cmax,C_tmax,C_trough_min,C_trough_last,C_auc,message"
    );
    assert_eq!(patients.len(), 1 + 40 * 3);
    assert!(patients[1].starts_with("0,none,"), "{}", patients[1]);
    assert!(patients[3].starts_with("0,long,"), "{}", patients[3]);
    // 21 output times (0, 5, …, 100) per patient and regimen.
    assert_eq!(lines(&out.join("trajectories.csv")).len(), 1 + 40 * 3 * 21);
    assert_eq!(
        lines(&out.join("trajectories.csv"))[0],
        "patient,regimen,time,C,S"
    );
    let bands = lines(&out.join("bands.csv"));
    assert_eq!(bands[0], "regimen,time,p5,p25,p50,p75,p95");
    assert_eq!(bands.len(), 1 + 3 * 21);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    for key in [
        "model",
        "t_end",
        "patients",
        "seed",
        "baseline",
        "provenance",
        "regimens",
    ] {
        assert!(summary.get(key).is_some(), "{key}");
    }
    assert_eq!(summary["patients"], 40);
    assert_eq!(summary["seed"], 7);
    assert_eq!(summary["baseline"], "none");
    let provenance = &summary["provenance"];
    assert_eq!(provenance["model_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(provenance["relapse_version"], env!("CARGO_PKG_VERSION"));
    let short = &summary["regimens"][1];
    for key in [
        "name",
        "patients",
        "responders",
        "non_responders",
        "relapsed",
        "relapse_free_at_end",
        "median_relapse_free_time",
        "landmarks",
        "rmst",
        "logrank_vs_baseline",
        "paired_delay",
        "solver_failures",
    ] {
        assert!(short.get(key).is_some(), "{key}");
    }
    assert_eq!(
        short["landmarks"].as_array().unwrap().len(),
        4,
        "quarters of t_end"
    );
    assert_eq!(short["landmarks"][3]["time"], 100.0);
    assert!(summary["regimens"][0]["logrank_vs_baseline"].is_null());
    assert_eq!(short["responders"], 40);
    let relapsed = short["relapsed"].as_u64().unwrap();
    assert_eq!(relapsed + short["relapse_free_at_end"].as_u64().unwrap(), 40);
    assert_eq!(lines(&out.join("summary.csv")).len(), 1 + 3);
}

#[test]
fn files_are_byte_identical_for_any_thread_count_and_for_merged_shards() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    let flags = ["--trajectories", "--patients", "30", "--landmarks", "10,60,90"];
    population(TINY, &one, &[&flags[..], &["--jobs", "1"]].concat()).success();
    population(TINY, &two, &[&flags[..], &["--jobs", "2"]].concat()).success();
    assert_same_files(&one, &two);
    // Four shards in separate processes (with different thread counts), then merged.
    let shards: Vec<PathBuf> = (0..4).map(|k| dir.path().join(format!("shard{k}"))).collect();
    for (k, shard) in shards.iter().enumerate() {
        let spec = format!("{k}/4");
        let jobs = (1 + k % 2).to_string();
        population(
            TINY,
            shard,
            &[&flags[..], &["--shard", &spec, "--jobs", &jobs]].concat(),
        )
        .success();
        assert!(shard.join("shard.json").is_file());
        assert!(!shard.join("summary.json").exists());
    }
    let merged = dir.path().join("merged");
    // Given in any order.
    relapse()
        .arg("merge")
        .args([&shards[2], &shards[0], &shards[3], &shards[1]])
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    assert_same_files(&one, &merged);
}

#[test]
fn a_patient_is_the_same_when_the_population_grows() {
    let dir = tempfile::tempdir().unwrap();
    let (small, large) = (dir.path().join("100"), dir.path().join("1000"));
    let flags = |n: &'static str| ["--patients", n, "--regimen", "short"];
    population(TINY, &small, &flags("100")).success();
    population(TINY, &large, &flags("1000")).success();
    let (a, b) = (
        lines(&small.join("patients.csv")),
        lines(&large.join("patients.csv")),
    );
    assert_eq!(b.len(), 1001);
    assert!(a[18].starts_with("17,short,"), "{}", a[18]);
    assert_eq!(a[18], b[18], "patient 17");
    assert_eq!(a[..], b[..101]);
}

/// Cells of `compare --format csv` by column name (units stripped).
fn compare_cells(model: &str, regimen: &str) -> BTreeMap<String, String> {
    let out = relapse()
        .args(["compare", model, "--format", "csv", "--regimen", regimen])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut rows = text.lines();
    // Tidy headers: snake_case names without units (`c_cmax` for output `C`).
    let header: Vec<String> = rows.next().unwrap().split(',').map(str::to_string).collect();
    header
        .into_iter()
        .zip(rows.next().unwrap().split(',').map(str::to_string))
        .collect()
}

#[test]
fn a_patient_at_the_typical_values_reproduces_compare_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("patients.csv");
    // The typical patient, and another one around it.
    std::fs::write(&csv, "id,CL,mu\ntypical,343.2,2e-5\nother,300,1e-4\n").unwrap();
    let out = dir.path().join("pop");
    let model = "models/hibernation_rigi.toml";
    let regimens = ["--regimen", "targeted", "--regimen", "combination"];
    population(
        model,
        &out,
        &[&["--parameters", csv.to_str().unwrap()][..], &regimens].concat(),
    )
    .success();
    let patients = lines(&out.join("patients.csv"));
    let header: Vec<&str> = patients[0].split(',').collect();
    for (row, regimen) in [(1, "targeted"), (2, "combination")] {
        let cells: BTreeMap<&str, &str> = header.iter().copied().zip(patients[row].split(',')).collect();
        assert_eq!((cells["patient"], cells["regimen"]), ("typical", regimen));
        let compare = compare_cells(model, regimen);
        for (ours, theirs) in [
            ("relapse_time", "relapse_time"),
            ("relapse_status", "status"),
            ("nadir", "nadir"),
            ("t_nadir", "t_nadir"),
            ("time_below_detection", "time_below_detection"),
            ("final_value", "final"),
            ("auc", "auc"),
            ("C_cmax", "c_cmax"),
            ("C_auc", "c_auc"),
        ] {
            // Both leave a missing value's cell empty.
            assert_eq!(cells[ours], compare[theirs], "{regimen}: {ours}");
        }
    }
    assert!(
        patients[3].starts_with("other,targeted,300,0.0001,"),
        "{}",
        patients[3]
    );
}

#[test]
fn recording_trajectories_does_not_change_the_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, traced) = (dir.path().join("plain"), dir.path().join("traced"));
    population(TINY, &plain, &["--patients", "10"]).success();
    population(TINY, &traced, &["--patients", "10", "--trajectories"]).success();
    for name in ["patients.csv", "summary.csv"] {
        assert_eq!(
            std::fs::read(plain.join(name)).unwrap(),
            std::fs::read(traced.join(name)).unwrap(),
            "{name}"
        );
    }
    // Running again into the same folder without --trajectories removes the earlier run's extras.
    population(TINY, &traced, &["--patients", "10"]).success();
    assert_same_files(&plain, &traced);
}

/// Runs `population` with `extra`, expecting failure with `code`, `message` on stderr, and
/// nothing written.
#[track_caller]
fn refused(model: &str, extra: &[&str], code: i32, message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pop");
    population(model, &out, extra)
        .code(code)
        .stderr(predicate::str::contains(message));
    assert!(!out.exists(), "{extra:?} created the output folder");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{extra:?}");
}

#[test]
fn bad_inputs_are_clear_errors_and_write_nothing() {
    refused(
        TINY,
        &["--regimen", "shrot"],
        2,
        "unknown regimen `shrot`; did you mean `short`?",
    );
    refused(TINY, &["--shard", "4/4"], 2, "K must be below N");
    refused(TINY, &["--shard", "1/0"], 2, "N must be ≥ 1");
    refused(TINY, &["--shard", "x"], 2, "expected K/N");
    refused(TINY, &["--patients", "0"], 2, "`--patients` must be between 1");
    refused(
        TINY,
        &["--jobs", "0"],
        2,
        "`--jobs` must be between 1 and 1024, found 0",
    );
    refused(TINY, &["--jobs", "100000"], 2, "`--jobs` must be between 1");
    refused(
        TINY,
        &["--landmarks", "50,200"],
        2,
        "landmark 200 is outside [0, t_end = 100]",
    );
    refused(
        TINY,
        &["--baseline", "never"],
        2,
        "`--baseline never` is not among the regimens",
    );
    refused(
        TINY,
        &["--shard", "0/2", "--plot", "p.png"],
        2,
        "give it to `relapse merge`",
    );
    refused(
        TINY,
        &["--set", "CL=-1"],
        2,
        "`--set`: typical value of `CL` is -1",
    );
    refused("models/pk_oral_1cpt.toml", &[], 2, "no [relapse] section");
    refused(
        "models/claret2014_tumour_size.toml",
        &[],
        2,
        "no [population] section",
    );
}

fn with_parameters(text: &str, expect: (i32, &str)) {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("params.csv");
    std::fs::write(&csv, text).unwrap();
    let out = dir.path().join("pop");
    population(TINY, &out, &["--parameters", csv.to_str().unwrap()])
        .code(expect.0)
        .stderr(predicate::str::contains(expect.1));
    assert!(!out.exists(), "{text}");
}

#[test]
fn bad_parameter_files_are_located_errors() {
    with_parameters("patient,CL\n1,5\n", (2, "no `id` column"));
    with_parameters("id,CL\n1,5\n2,fast\n", (2, "params.csv:3:3"));
    with_parameters("id,CL\n1,5\n2,fast\n", (2, "`fast` is not a number"));
    with_parameters("id,CL\na,5\na,6\n", (2, "duplicate id `a`"));
    with_parameters("id,CL,clearance\na,5,6\n", (2, "unknown column `clearance`"));
}

#[test]
fn an_invalid_model_or_an_overflowing_sample_is_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let source = std::fs::read_to_string(TINY).unwrap();
    let model = dir.path().join("wide.toml");
    std::fs::write(
        &model,
        source.replace("CL = { cv = 0.3 }", "CL = { omega = 400 }"),
    )
    .unwrap();
    let out = dir.path().join("pop");
    population(model.to_str().unwrap(), &out, &[])
        .code(1)
        .stderr(predicate::str::contains("sampled `CL`"))
        .stderr(predicate::str::contains("wide.toml:"));
    assert!(!out.exists());
    std::fs::write(&model, source.replace("CL = { cv = 0.3 }", "CL2 = { cv = 0.3 }")).unwrap();
    population(model.to_str().unwrap(), &out, &[]).code(1);
    assert!(!out.exists());
}

#[test]
fn a_failing_patient_is_recorded_counted_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("params.csv");
    std::fs::write(&csv, "id,q\na,1\nbad,-3\nc,1\n").unwrap();
    let out = dir.path().join("pop");
    population(TINY, &out, &["--parameters", csv.to_str().unwrap()])
        .code(3)
        .stderr(predicate::str::contains("3 of 9 runs failed"))
        .stderr(predicate::str::contains("patient bad, regimen `none`"));
    let patients = lines(&out.join("patients.csv"));
    let bad: Vec<&String> = patients.iter().filter(|l| l.starts_with("bad,")).collect();
    assert_eq!(bad.len(), 3);
    for row in bad {
        assert!(row.contains(",solver_failure,"), "{row}");
        assert!(row.contains("is NaN"), "{row}");
    }
    let good = patients.iter().filter(|l| l.starts_with("c,short,")).count();
    assert_eq!(good, 1);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let short = &summary["regimens"][1];
    assert_eq!(
        (short["patients"].as_u64(), short["solver_failures"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(short["responders"], 2);
    assert!(summary["seed"].is_null());
    assert_eq!(
        summary["provenance"]["parameters_sha256"].as_str().unwrap().len(),
        64
    );
}

#[test]
fn merge_refuses_shards_that_do_not_belong_together() {
    let dir = tempfile::tempdir().unwrap();
    let shard = |name: &str, spec: &str, seed: &str| {
        let path = dir.path().join(name);
        population(TINY, &path, &["--patients", "6", "--shard", spec, "--seed", seed]).success();
        path
    };
    let (a0, a1, b1) = (
        shard("a0", "0/2", "1"),
        shard("a1", "1/2", "1"),
        shard("b1", "1/2", "2"),
    );
    let merge = |dirs: &[&PathBuf], message: &str| {
        let out = dir.path().join("merged");
        relapse()
            .arg("merge")
            .args(dirs)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
        assert!(!out.exists());
    };
    merge(&[&a0], "1 of 2 shards given; missing shard 1");
    merge(&[&a0, &a0], "are both shard 0/2");
    merge(&[&a0, &b1], "come from different runs");
    merge(&[&a0, &dir.path().to_path_buf()], "is not a shard folder");
    let out = dir.path().join("merged");
    relapse()
        .arg("merge")
        .args([&a0, &a1])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert_eq!(lines(&out.join("patients.csv")).len(), 1 + 6 * 3);
}

#[test]
fn parameter_values_that_make_the_model_invalid_fail_that_patient_only() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("params.csv");
    std::fs::write(&csv, "id,dose_ki\nusual,80\nnegative,-80\n").unwrap();
    let out = dir.path().join("pop");
    let args = ["--parameters", csv.to_str().unwrap(), "--regimen", "targeted"];
    population("models/hibernation_rigi.toml", &out, &args)
        .code(3)
        .stderr(predicate::str::contains("1 of 2 runs failed"));
    let patients = lines(&out.join("patients.csv"));
    assert!(patients[1].starts_with("usual,targeted,80,") && patients[1].contains(",relapsed,"));
    assert!(
        patients[2].contains("solver_failure,")
            && patients[2].contains("make the model invalid: dose `amount` must be a finite number ≥ 0"),
        "{}",
        patients[2]
    );
}

#[test]
fn the_slurm_scripts_shard_and_merge_like_a_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let binary = assert_cmd::cargo::cargo_bin("relapse");
    // The scripts run outside Slurm here with the variables Slurm would set for an array 0..2;
    // tests/slurm.sh runs the same scripts on a real single-node Slurm.
    let script = |name: &str, task: Option<usize>| {
        let mut command = std::process::Command::new("bash");
        command
            .arg(format!("scripts/slurm/{name}"))
            .env("MODEL", TINY)
            .env("PATIENTS", "9")
            .env("SEED", "3")
            .env("SHARDS_DIR", work.join("shards"))
            .env("OUT_DIR", work.join("merged"))
            .env("RELAPSE", &binary)
            .env("RELAPSE_ARGS", "--trajectories")
            .env("SLURM_ARRAY_TASK_COUNT", "3")
            .env("SLURM_ARRAY_TASK_MIN", "0")
            .env("SLURM_ARRAY_TASK_MAX", "2");
        if let Some(k) = task {
            command.env("SLURM_ARRAY_TASK_ID", k.to_string());
        }
        let status = command.status().unwrap();
        assert!(status.success(), "{name} {task:?}");
    };
    for k in 0..3 {
        script("population-array.sbatch", Some(k));
    }
    script("merge.sbatch", None);
    let single = dir.path().join("single");
    population(
        TINY,
        &single,
        &["--patients", "9", "--seed", "3", "--trajectories"],
    )
    .success();
    assert_same_files(&single, &work.join("merged"));
}

#[test]
fn the_population_figure_is_drawn_by_a_run_and_by_a_merge() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pop");
    let png = dir.path().join("pop.png");
    population(TINY, &out, &["--plot", png.to_str().unwrap()]).success();
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    // The figure does not change the data files (it records the grid, but writes no trajectories).
    let plain = dir.path().join("plain");
    population(TINY, &plain, &[]).success();
    assert_same_files(&out, &plain);
    let svg = dir.path().join("merged.svg");
    let shards: Vec<PathBuf> = (0..2).map(|k| dir.path().join(format!("s{k}"))).collect();
    for (k, shard) in shards.iter().enumerate() {
        population(TINY, shard, &["--trajectories", "--shard", &format!("{k}/2")]).success();
    }
    relapse()
        .arg("merge")
        .args(&shards)
        .args([
            "--out",
            dir.path().join("merged").to_str().unwrap(),
            "--plot",
            svg.to_str().unwrap(),
        ])
        .assert()
        .success();
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    // Shards without --trajectories have no grid to draw the relapse curves from.
    let bare: Vec<PathBuf> = (0..2).map(|k| dir.path().join(format!("b{k}"))).collect();
    for (k, shard) in bare.iter().enumerate() {
        population(TINY, shard, &["--shard", &format!("{k}/2")]).success();
    }
    let refused = dir.path().join("refused");
    relapse()
        .arg("merge")
        .args(&bare)
        .args([
            "--out",
            refused.to_str().unwrap(),
            "--plot",
            svg.to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("run the shards with --trajectories"));
    assert!(!refused.exists());
}

#[test]
fn a_cohort_returns_patients_in_order_whatever_the_thread_count() {
    use relapse::population::{Patients, Population};
    use relapse::sim::{Cohort, RunPlan};
    let model = relapse::model::load(&std::fs::read_to_string(TINY).unwrap()).unwrap();
    let typical = model.compile(&[]).unwrap();
    let spec = model.population.as_ref().unwrap();
    let patients = Patients::Sampled {
        population: Population::new(spec, &typical.parameter_values, 11).unwrap(),
        count: 12,
    };
    let mut options = relapse::solve::SolverOptions::new(2);
    options.rtol = 1e-8;
    let plan = RunPlan {
        t_end: 100.0,
        options,
        grid: Some(vec![0.0, 50.0, 100.0]),
        engine: relapse::model::Engine::Bytecode,
    };
    let cohort = Cohort {
        model: &model,
        patients: &patients,
        regimens: &[1, 2],
        plan: &plan,
    };
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let results = pool.install(|| {
            cohort.run(3..12, &|| {
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            })
        });
        assert_eq!(done.into_inner(), 9);
        results
    };
    let (one, three) = (run(1), run(3));
    assert_eq!(one, three);
    assert_eq!(
        one.iter().map(|p| p.index).collect::<Vec<_>>(),
        (3..12).collect::<Vec<_>>()
    );
    // Patient 5 alone is patient 5 of the cohort; each run has 3 grid rows of C, S and S again.
    assert_eq!(cohort.run_one(5), one[2]);
    let run = one[2].runs[0].as_ref().unwrap();
    assert_eq!(run.grid_values.len(), 3 * 3);
    assert_eq!(run.grid_values[1], run.grid_values[2], "the observable is S");
}
