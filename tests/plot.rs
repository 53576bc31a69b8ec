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

/// `text` as plotters writes it into an SVG document (XML character escapes).
fn svg_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
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
            // The legend names a regimen by its title when it has one.
            let shown = regimen.title.as_ref().unwrap_or(&regimen.name);
            assert!(text.contains(&svg_text(shown)), "{stem}: legend lacks `{shown}`");
        }
        let unit = parsed.time_unit.as_deref().unwrap_or("day");
        assert!(text.contains(&format!("time [{unit}]")), "{stem}: x-axis title");
        if let Some(relapse) = &parsed.relapse {
            assert!(
                text.contains(relapse.threshold_label()),
                "{stem}: threshold label"
            );
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

/// `[relapse] threshold_label` and `detection_label` replace the default words on the figure.
#[test]
fn relapse_labels_come_from_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("anc.toml");
    // Neutrophils fall under a cytotoxic dose D (cleared at rate 1/day) and recover
    // (first-order return to the baseline of 5).
    let source = |labels: &str| {
        format!(
            "[model]\nname = \"anc\"\ntime_unit = \"day\"\n[states]\nN = 5\nD = 0\n\
             [equations]\nN = \"0.3 * (5 - N) - 2 * D * N\"\nD = \"-D\"\n[relapse]\nobservable = \"N\"\n\
             threshold = 4\ndetection_limit = 0.5\n{labels}\n\
             [regimens.chemo]\ntitle = \"one cycle\"\n\
             doses = [ {{ target = \"D\", amount = 1, start = 1 }} ]\n"
        )
    };
    let render = |labels: &str| {
        std::fs::write(&model, source(labels)).unwrap();
        let svg = dir.path().join("anc.svg");
        relapse()
            .arg("plot")
            .arg(&model)
            .args(["--t-end", "20", "--out"])
            .arg(&svg)
            .assert()
            .success();
        std::fs::read_to_string(&svg).unwrap()
    };
    let text = render("threshold_label = \"recovery (4 G/L)\"\ndetection_label = \"grade 4\"");
    assert!(text.contains("recovery (4 G/L)") && text.contains("grade 4"));
    assert!(!text.contains("relapse threshold") && !text.contains("detection limit"));
    assert!(text.contains("one cycle"), "the regimen's title in the legend");
    let text = render("");
    assert!(text.contains("relapse threshold") && text.contains("detection limit"));
}

#[test]
fn outputs_may_name_states_and_derived_values() {
    // Pr is a state and E a derived value of the hibernation model, neither an [outputs]
    // column: the exposure panel shows both (axis title and legend), ticks without rounding
    // noise (Pr and E lie in 0..1, so the linear axis has ticks at multiples of 0.2).
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("pr.svg");
    relapse()
        .args([
            "plot",
            "models/hibernation_rigi.toml",
            "--outputs",
            "Pr,E",
            "--out",
        ])
        .arg(&svg)
        .assert()
        .success();
    let text = std::fs::read_to_string(&svg).unwrap();
    for expected in ["Pr, E", "no treatment: Pr", "no treatment: E", "0.6"] {
        assert!(text.contains(&svg_text(expected)), "{expected} missing");
    }
    assert!(!text.contains("0000000001"), "a tick label with rounding noise");
}
