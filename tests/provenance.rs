//! Provenance in every JSON output and every figure: `compare --format json` has a
//! `"provenance"` object, SVG figures a `<metadata id="relapse-provenance">` element and PNG
//! figures an `iTXt` chunk with the same JSON (read back here with the `png` crate, an
//! independent decoder). It holds no date or command line, so repeated runs are byte-identical.

mod common;

use std::path::Path;

use common::relapse;
use serde_json::{Value, json};
use sha2::Digest;

const MODEL: &str = "models/stein_regrowth.toml";
const FLAGS: [&str; 6] = ["--rtol", "1e-7", "--set", "d=0.03", "--t-end", "400"];

fn sha256(path: &str) -> String {
    sha2::Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn compare_json() -> Vec<u8> {
    let out = relapse()
        .args(["compare", MODEL, "--format", "json"])
        .args(FLAGS)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn plot(out: &Path) -> Vec<u8> {
    relapse()
        .args(["plot", MODEL, "--out"])
        .arg(out)
        .args(FLAGS)
        .assert()
        .success();
    std::fs::read(out).unwrap()
}

/// The provenance the flags above must produce.
fn expected() -> Value {
    json!({
        "relapse_version": env!("CARGO_PKG_VERSION"),
        "model_sha256": sha256(MODEL),
        "seed": null,
        "overrides": { "d": 0.03 },
        "t_end": 400.0,
        "solver": {
            "method": "dopri5",
            "rtol": 1e-7,
            "atol": { "G": 1e-9, "R": 1e-9 },
            "max_steps": 1_000_000
        }
    })
}

fn xml_unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn compare_json_carries_the_provenance_and_repeats_byte_for_byte() {
    let first = compare_json();
    assert_eq!(first, compare_json());
    let doc: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(doc["provenance"], expected());
}

#[test]
fn svg_figures_carry_the_provenance_as_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let svg = plot(&dir.path().join("a.svg"));
    assert_eq!(svg, plot(&dir.path().join("b.svg")));
    let svg = String::from_utf8(svg).unwrap();
    let open = "<metadata id=\"relapse-provenance\">";
    let start = svg.find(open).expect("provenance metadata") + open.len();
    let end = start + svg[start..].find("</metadata>").unwrap();
    let provenance: Value = serde_json::from_str(&xml_unescape(&svg[start..end])).unwrap();
    assert_eq!(provenance, expected());
    assert!(svg.contains(&format!(
        "<metadata id=\"Software\">relapse {}</metadata>",
        env!("CARGO_PKG_VERSION")
    )));
}

#[test]
fn png_figures_carry_the_provenance_in_text_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = plot(&dir.path().join("a.png"));
    assert_eq!(bytes, plot(&dir.path().join("b.png")));
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    // The whole image still decodes (the chunks' CRCs and order are right).
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.width, frame.height), (1200, 750));
    let texts: Vec<(String, String)> = reader
        .info()
        .utf8_text
        .iter()
        .map(|chunk| (chunk.keyword.clone(), chunk.get_text().unwrap()))
        .collect();
    let find = |key: &str| texts.iter().find(|(k, _)| k == key).map(|(_, t)| t.clone());
    let provenance: Value = serde_json::from_str(&find("relapse provenance").expect("chunk")).unwrap();
    assert_eq!(provenance, expected());
    assert_eq!(
        find("Software").unwrap(),
        format!("relapse {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn population_figures_carry_the_runs_provenance_with_its_seed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pop");
    let figure = dir.path().join("pop.svg");
    relapse()
        .args([
            "population",
            "tests/fixtures/population_tiny.toml",
            "--patients",
            "8",
        ])
        .args(["--seed", "7", "--trajectories", "--out"])
        .arg(&out)
        .arg("--plot")
        .arg(&figure)
        .assert()
        .success();
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["provenance"]["seed"], 7);
    let svg = std::fs::read_to_string(&figure).unwrap();
    let open = "<metadata id=\"relapse-provenance\">";
    let start = svg.find(open).expect("provenance metadata") + open.len();
    let end = start + svg[start..].find("</metadata>").unwrap();
    let provenance: Value = serde_json::from_str(&xml_unescape(&svg[start..end])).unwrap();
    assert_eq!(provenance, summary["provenance"]);
}
