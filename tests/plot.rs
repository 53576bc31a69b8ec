//! Plots through the real binary: every shipped model renders to PNG (decoded, size checked)
//! and SVG (legend labels, axis titles and the threshold label present as text); values ≤ 0 on
//! a log axis are clipped and the legend says so; bad file names are usage errors.

mod common;

use common::{relapse, shipped_models};

use std::path::Path;

use predicates::prelude::predicate;

fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let reader = decoder.read_info().expect("a valid PNG");
    let info = reader.info();
    (info.width, info.height)
}

#[test]
fn every_shipped_model_renders_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    for model in shipped_models() {
        let stem = model.file_stem().unwrap().to_string_lossy().to_string();
        let png = dir.path().join(format!("{stem}.png"));
        relapse()
            .arg("plot")
            .arg(&model)
            .arg("--out")
            .arg(&png)
            .assert()
            .success();
        let source = std::fs::read_to_string(&model).unwrap();
        let parsed = relapse::model::load(&source).unwrap();
        // 1200×750 unless the model's [plot] section sets a size.
        let plot = parsed.plot.clone().unwrap_or_default();
        let size = (plot.width.unwrap_or(1200), plot.height.unwrap_or(750));
        assert_eq!(png_size(&png), size, "{stem}");
        let svg = dir.path().join(format!("{stem}.svg"));
        relapse()
            .arg("plot")
            .arg(&model)
            .arg("--out")
            .arg(&svg)
            .assert()
            .success();
        let text = std::fs::read_to_string(&svg).unwrap();
        for panel in &plot.panels {
            let title = panel.title.clone().unwrap_or_else(|| panel.series.join(", "));
            assert!(text.contains(&title), "{stem}: panel `{title}`");
        }
        for regimen in &parsed.regimens {
            assert!(
                text.contains(&regimen.name),
                "{stem}: legend lacks `{}`",
                regimen.name
            );
        }
        let unit = parsed.time_unit.as_deref().unwrap_or("day");
        assert!(text.contains(&format!("time [{unit}]")), "{stem}: x-axis title");
        if parsed.relapse.is_some() {
            assert!(text.contains("relapse threshold"), "{stem}: threshold label");
        }
    }
}

#[test]
fn png_size_follows_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("small.png");
    relapse()
        .args([
            "plot",
            "models/stein_regrowth.toml",
            "--width",
            "640",
            "--height",
            "480",
            "--out",
        ])
        .arg(&png)
        .assert()
        .success();
    assert_eq!(png_size(&png), (640, 480));
}

#[test]
fn non_positive_values_on_a_log_axis_are_clipped_and_said_so() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("cured.toml");
    // Zero-order kill: the burden reaches exactly 0 at t = 10 and stays there.
    std::fs::write(
        &model,
        "[model]\nname = \"cured\"\ntime_unit = \"day\"\n[states]\nN = 10\n[equations]\nN = \"-1\"\n\
         [relapse]\nobservable = \"max(N, 0)\"\nthreshold = 5\n[regimens.kill]\ndoses = []\n",
    )
    .unwrap();
    let svg = dir.path().join("cured.svg");
    relapse()
        .arg("plot")
        .arg(&model)
        .args(["--t-end", "20", "--out"])
        .arg(&svg)
        .assert()
        .success();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains("clipped to axis floor"),
        "legend must say values were clipped"
    );
}

#[test]
fn bad_plot_requests_are_usage_errors_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plot.gif");
    relapse()
        .args(["plot", "models/stein_regrowth.toml", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("use a .png or .svg file name"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file left behind"
    );
    relapse()
        .args(["plot", "models/pk_oral_1cpt.toml", "--outputs", "Cx", "--out"])
        .arg(dir.path().join("x.png"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown output `Cx`"));
}

#[test]
fn compare_can_also_write_the_overlay() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("overlay.png");
    relapse()
        .args(["compare", "models/stein_regrowth.toml", "--plot"])
        .arg(&png)
        .assert()
        .success();
    assert_eq!(png_size(&png), (1200, 750));
}
