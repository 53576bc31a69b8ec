//! `relapse report`: the HTML file opens and renders in a real browser (headless Chromium takes
//! a screenshot, which must not be blank and must show the figure in colour), passes a strict
//! HTML check (`tests/html_check.py`), is self-contained, escapes every piece of user text, and
//! shows the same numbers as `compare`.
//!
//! Chromium is found as `$RELAPSE_CHROMIUM`, else `chromium`, `chromium-browser`,
//! `google-chrome` on the PATH; `.ci/run` installs Debian's `chromium`. Where there is none the
//! browser test prints why it is skipped and passes; the same holds for python3.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::relapse;

const MODEL: &str = "models/hibernation_rigi.toml";

/// A model whose every free text holds markup, quotes and ampersands.
const HOSTILE: &str = r#"
[model]
name = "hostile"
title = "</title><script>alert('t')</script> & \"quotes\""
description = "Line <b>one</b> & more.\n\nSecond paragraph: </p><div>"
time_unit = "day"

[parameters]
k = { value = 0.1, unit = "1/day <i>", description = "<img src=x onerror=alert(1)> & more", source = "Doe & Roe <2020>, doi:10.1/x" }

[states]
x = { initial = 1.0, unit = "mg<br>" }

[equations]
x = "-k * x"

[outputs]
conc = { expr = "x", unit = "mg & <u>", exposure = true }

[solver]
t_end = 10.0

[regimens.r1]
title = "a <i>title</i> & more"
doses = [{ target = "x", amount = 1.0, start = 1.0 }]
"#;

fn report(model: &Path, out: &Path, extra: &[&str]) {
    relapse()
        .arg("report")
        .arg(model)
        .arg("--out")
        .arg(out)
        .args(extra)
        .env("SOURCE_DATE_EPOCH", "0")
        .assert()
        .success();
}

fn python3() -> Option<PathBuf> {
    let ok = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then(|| PathBuf::from("python3"))
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("RELAPSE_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .find_map(|name| on_path(name))
}

/// Runs `tests/html_check.py` on `html`; `None` when python3 is missing.
fn html_problems(html: &Path) -> Option<String> {
    let python = python3()?;
    let out = Command::new(python)
        .arg("tests/html_check.py")
        .arg(html)
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.success(), text.is_empty(), "{text}");
    Some(text)
}

#[test]
fn report_is_strict_self_contained_html_with_all_user_text_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = dir.path().join("hostile.toml");
    std::fs::write(&hostile, HOSTILE).unwrap();
    for (model, name) in [(Path::new(MODEL), "a.html"), (hostile.as_path(), "h.html")] {
        let out = dir.path().join(name);
        report(model, &out, &[]);
        let html = std::fs::read_to_string(&out).unwrap();
        // Self-contained: nothing to fetch (the checker says so too, attribute by attribute).
        for needle in [
            "<script", "<link", "<img", "<iframe", "url(", "@import", "https://",
        ] {
            assert!(!html.contains(needle), "{name} contains `{needle}`");
        }
        let urls: Vec<&str> = html
            .match_indices("http://")
            .map(|(i, _)| &html[i..i + 26])
            .collect();
        assert!(
            urls.iter().all(|u| *u == "http://www.w3.org/2000/svg"),
            "{urls:?}"
        );
        match html_problems(&out) {
            Some(problems) => assert!(problems.is_empty(), "{name}:\n{problems}"),
            None => eprintln!("skipped the HTML check of {name}: python3 not found"),
        }
    }
    let html = std::fs::read_to_string(dir.path().join("h.html")).unwrap();
    for escaped in [
        "<title>&lt;/title&gt;&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;</title>",
        "<p class=\"description\">Line &lt;b&gt;one&lt;/b&gt; &amp; more.</p>",
        "<p class=\"description\">Second paragraph: &lt;/p&gt;&lt;div&gt;</p>",
        "<td>&lt;img src=x onerror=alert(1)&gt; &amp; more</td><td>Doe &amp; Roe &lt;2020&gt;, doi:10.1/x</td>",
        "<dt>a &lt;i&gt;title&lt;/i&gt; &amp; more (<code>r1</code>)</dt>",
        "<li>1 mg&lt;br&gt; into x at day 1</li>",
    ] {
        assert!(html.contains(escaped), "missing {escaped}");
    }
}

#[test]
fn report_shows_the_comparison_regimens_parameters_and_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html");
    report(
        Path::new(MODEL),
        &out,
        &["--baseline", "targeted", "--set", "mu=3e-5"],
    );
    let html = std::fs::read_to_string(&out).unwrap();
    // The comparison holds the cells of `compare`'s own table, row by row.
    let table = relapse()
        .args(["compare", MODEL, "--baseline", "targeted", "--set", "mu=3e-5"])
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    let rows: Vec<&str> = table.lines().skip(2).collect();
    assert_eq!(rows.len(), 6, "{table}");
    for row in rows {
        let cells: Vec<&str> = row.split_whitespace().collect();
        let html_row = html
            .lines()
            .find(|l| l.starts_with(&format!("<tr><td>{}</td>", cells[0])))
            .unwrap_or_else(|| panic!("no row for {}", cells[0]));
        let html_cells: Vec<String> = html_row
            .split("</td>")
            .filter_map(|c| c.rsplit('>').next().map(str::to_string))
            .filter(|c| !c.is_empty())
            .collect();
        assert_eq!(html_cells, cells, "row {}", cells[0]);
    }
    assert!(html.contains("<li>80 mg into Ag every 1 day × 365 from day 0</li>"));
    assert!(html.contains("<td class=\"num\">0.00003 (--set; file: 0.00002)</td>"));
    // The provenance: version and the model file's SHA-256 (computed here with sha2).
    use sha2::Digest;
    let sha: String = sha2::Sha256::digest(std::fs::read(MODEL).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(html.contains(&format!(
        "<th scope=\"row\">model file SHA-256</th><td>{sha}</td>"
    )));
    assert!(html.contains(&format!("<td>{}</td>", env!("CARGO_PKG_VERSION"))));
    assert!(html.contains("<th scope=\"row\">date</th><td>1970-01-01 00:00:00 UTC</td>"));
    assert!(html.contains("--baseline targeted --set mu=3e-5</td>"));
    // The model file's [solver] rtol.
    assert!(html.contains("<th scope=\"row\">rtol</th><td>1e-8</td>"));
    // The figure is inline, carrying the provenance as SVG metadata.
    assert_eq!(html.matches("<svg ").count(), 1);
    assert!(html.contains("<metadata id=\"relapse-provenance\">"));
}

#[test]
fn report_with_a_pinned_date_is_byte_identical_and_bad_arguments_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.html"), dir.path().join("b.html"));
    report(Path::new("models/stein_regrowth.toml"), &a, &[]);
    report(Path::new("models/stein_regrowth.toml"), &b, &[]);
    // The command lines differ only in the output name.
    let text = |p: &Path| std::fs::read_to_string(p).unwrap().replace("b.html", "a.html");
    assert_eq!(text(&a), text(&b));
    relapse()
        .args(["report", MODEL, "--baseline", "nope", "--out"])
        .arg(dir.path().join("x.html"))
        .assert()
        .code(2);
    relapse()
        .args(["report", MODEL, "--out"])
        .arg(dir.path().join("missing").join("x.html"))
        .assert()
        .code(4);
    assert!(!dir.path().join("x.html").exists());
}

/// Runs `command`, killing it after `limit`; whether it succeeded in time.
fn run_within(command: &mut Command, limit: Duration) -> bool {
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.success();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        eprintln!(
            "skipped: no Chromium found (install Debian's `chromium`, or set RELAPSE_CHROMIUM); \
             the report was not rendered in a browser"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("r.html");
    report(Path::new(MODEL), &html, &[]);
    let shot = screenshot(&browser, &html, dir.path());
    if let Err(problem) = judge(&shot) {
        panic!("the report does not render: {problem}");
    }
    // The judgement can fail: a page of text alone is refused.
    let plain = dir.path().join("plain.html");
    std::fs::write(
        &plain,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>t</title></head>\
         <body><h1>A heading</h1><p>Some text.</p></body></html>",
    )
    .unwrap();
    assert!(judge(&screenshot(&browser, &plain, dir.path())).is_err());
}

/// Screenshots `html` (1200×2000) with `browser` into `dir`.
fn screenshot(browser: &Path, html: &Path, dir: &Path) -> PathBuf {
    let shot = dir.join(format!("{}.png", html.file_stem().unwrap().to_string_lossy()));
    let url = format!("file://{}", html.canonicalize().unwrap().display());
    // --no-sandbox: the sandbox cannot start as root (CI containers); the page is our own file.
    let ok = run_within(
        Command::new(browser)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"])
            .arg(format!("--user-data-dir={}", dir.join("profile").display()))
            .arg(format!("--screenshot={}", shot.display()))
            .args(["--window-size=1200,2000", &url]),
        Duration::from_secs(120),
    );
    assert!(ok && shot.exists(), "{} made no screenshot", browser.display());
    shot
}

/// Whether a screenshot shows a rendered report: not blank, and a figure in colour near the top.
fn judge(shot: &Path) -> Result<(), String> {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.width, frame.height), (1200, 2000));
    let channels = frame.color_type.samples();
    assert!(channels >= 3, "{:?}", frame.color_type);
    let (mut inked, mut coloured) = (0usize, Vec::new());
    for (i, px) in pixels[..frame.buffer_size()].chunks(channels).enumerate() {
        let (r, g, b) = (i32::from(px[0]), i32::from(px[1]), i32::from(px[2]));
        if r.min(g).min(b) < 240 {
            inked += 1;
        }
        // Saturated pixels are the palette's curves and dose marks, not text or grid lines.
        if r.max(g).max(b) - r.min(g).min(b) > 80 {
            coloured.push((i as u32 % frame.width, i as u32 / frame.width));
        }
    }
    let total = (frame.width * frame.height) as usize;
    // A blank or error page inks well under 2 %; the report (text, tables, figure) far more.
    if inked <= total / 50 {
        return Err(format!("only {inked} of {total} pixels are not white"));
    }
    // The figure: thousands of coloured pixels spread over a figure-sized box near the top.
    if coloured.len() <= 5000 {
        return Err(format!("{} coloured pixels", coloured.len()));
    }
    let xs = coloured.iter().map(|p| p.0);
    let ys = coloured.iter().map(|p| p.1);
    let (x0, x1) = (xs.clone().min().unwrap(), xs.max().unwrap());
    let (y0, y1) = (ys.clone().min().unwrap(), ys.max().unwrap());
    if x1 - x0 <= 600 || y1 - y0 <= 400 || y0 >= 400 {
        return Err(format!(
            "coloured box {x0}..{x1} × {y0}..{y1}, expected a figure near the top"
        ));
    }
    Ok(())
}

#[test]
fn the_html_checker_finds_the_mistakes_it_promises_to() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>x</title></head><body>\
         <p><div>a & b</div></p><table><td>x</td></table><img src=\"http://x/y.png\">\
         <span/><b id=\"d\"></b><i id=\"d\"></i><em></b></body></html>",
    )
    .unwrap();
    let Some(python) = python3() else {
        eprintln!("skipped: python3 not found");
        return;
    };
    let out = Command::new(python)
        .arg("tests/html_check.py")
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for problem in [
        "<html> has no lang attribute",
        "<div> inside <p>",
        "bare `&` in text",
        "<td> inside <table>",
        "<img> makes the report depend on something outside it",
        "self-closing syntax on non-void element <span/>",
        "duplicate id `d`",
        "</b> closes <em>",
    ] {
        assert!(text.contains(problem), "missing `{problem}` in:\n{text}");
    }
}
