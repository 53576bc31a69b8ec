//! The HTML report of a model: one self-contained file (no scripts, no network, no external
//! fonts or images) with the model's title and description, its figures as inline SVG, the
//! regimen comparison, the regimens in words, the parameters, the solver settings and the
//! provenance. A [`Report`] is plain data filled by the CLI; [`render_html`] is pure.

mod html;
mod words;

use std::fmt::Write;

pub use words::{DoseContext, dose_in_words};

use html::{escape, key_values, paragraphs, table};

/// One row of the parameters table.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterRow {
    /// Parameter name.
    pub name: String,
    /// The value used (after `--set`).
    pub value: f64,
    /// The file's value when `--set` changed it.
    pub file_value: Option<f64>,
    /// Unit, if declared.
    pub unit: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Where the value comes from, if the model file says (`source = "…"`).
    pub source: Option<String>,
}

/// A regimen in words.
#[derive(Debug, Clone, PartialEq)]
pub struct RegimenText {
    /// Name, as in the model file.
    pub name: String,
    /// Title, if any.
    pub title: Option<String>,
    /// One sentence per dose line.
    pub doses: Vec<String>,
}

/// The comparison table (the cells of `relapse compare`'s terminal table).
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonTable {
    /// The baseline regimen's name.
    pub baseline: String,
    /// Header cells, with units.
    pub header: Vec<String>,
    /// One row per regimen.
    pub rows: Vec<Vec<String>>,
}

/// A figure: an SVG document and a caption.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFigure {
    /// The SVG document (from `plot::render_svg_string`); drawn inline.
    pub svg: String,
    /// Caption below it.
    pub caption: String,
}

/// Everything the report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Heading and page title.
    pub title: String,
    /// The model's `name`.
    pub model_name: String,
    /// `[model] description`.
    pub description: Option<String>,
    /// The figures.
    pub figures: Vec<ReportFigure>,
    /// The comparison, for models with something to compare.
    pub comparison: Option<ComparisonTable>,
    /// The regimens run.
    pub regimens: Vec<RegimenText>,
    /// The parameters, in file order.
    pub parameters: Vec<ParameterRow>,
    /// Solver settings as (name, value) rows.
    pub solver: Vec<(String, String)>,
    /// Provenance as (name, value) rows.
    pub provenance: Vec<(String, String)>,
}

/// Layout and typography: system fonts only, nothing loaded from anywhere.
const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1a1a1a;background:#fff}\
main{max-width:1240px;margin:0 auto;padding:1.5rem}\
h1{font-size:1.8rem;margin:0 0 .3rem}h2{font-size:1.3rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}\
.model-name{color:#555;margin-top:0}\
figure{margin:1rem 0}figure svg{max-width:100%;height:auto;display:block;border:1px solid #ddd}\
figcaption{color:#555;font-size:.9rem;margin-top:.3rem}\
table{border-collapse:collapse;margin:.5rem 0;font-size:.92rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}\
thead th{background:#f2f2f2}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.num{white-space:nowrap}\
table.kv th{background:#f7f7f7;font-weight:600}\
.scroll{overflow-x:auto}dt{font-weight:600;margin-top:.6rem}code{font-size:.95em}";

/// The report as one HTML5 document.
pub fn render_html(report: &Report) -> String {
    let mut out =
        String::with_capacity(64 * 1024 + report.figures.iter().map(|f| f.svg.len()).sum::<usize>());
    head(&mut out, report);
    figures(&mut out, &report.figures);
    if let Some(comparison) = &report.comparison {
        comparison_section(&mut out, comparison);
    }
    regimens(&mut out, &report.regimens);
    parameters(&mut out, &report.parameters);
    out.push_str("<section id=\"solver\">\n<h2>Solver settings</h2>\n");
    key_values(&mut out, &report.solver);
    out.push_str("</section>\n<section id=\"provenance\">\n<h2>Provenance</h2>\n");
    key_values(&mut out, &report.provenance);
    out.push_str("</section>\n</main>\n</body>\n</html>\n");
    out
}

fn head(out: &mut String, report: &Report) {
    let title = escape(&report.title);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"relapse {}\">\n<title>{title}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n\
         <p class=\"model-name\">Model <code>{}</code></p>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&report.model_name)
    );
    if let Some(description) = &report.description {
        paragraphs(out, description, "description");
    }
}

fn figures(out: &mut String, figures: &[ReportFigure]) {
    if figures.is_empty() {
        return;
    }
    out.push_str("<section id=\"figures\">\n<h2>Figures</h2>\n");
    for figure in figures {
        // Inline SVG in HTML takes no XML declaration: keep the document from `<svg` on.
        let svg = figure.svg.find("<svg").map_or("", |i| &figure.svg[i..]);
        let _ = write!(
            out,
            "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
            svg.trim_end(),
            escape(&figure.caption)
        );
    }
    out.push_str("</section>\n");
}

fn comparison_section(out: &mut String, comparison: &ComparisonTable) {
    let _ = write!(
        out,
        "<section id=\"comparison\">\n<h2>Comparison</h2>\n<p>Delays are relative to the baseline \
         regimen <code>{}</code>; <code>-</code> marks a value that does not exist (no relapse by \
         the end time, no trough).</p>\n<div class=\"scroll\">\n",
        escape(&comparison.baseline)
    );
    let numeric: Vec<bool> = (0..comparison.header.len())
        .map(|c| {
            c > 0
                && comparison
                    .rows
                    .iter()
                    .all(|r| r.get(c).is_some_and(|v| is_number(v)))
        })
        .collect();
    table(out, &comparison.header, &comparison.rows, &numeric);
    out.push_str("</div>\n</section>\n");
}

fn is_number(cell: &str) -> bool {
    cell == "-" || cell.parse::<f64>().is_ok()
}

fn regimens(out: &mut String, regimens: &[RegimenText]) {
    out.push_str("<section id=\"regimens\">\n<h2>Regimens</h2>\n<dl>\n");
    for regimen in regimens {
        let name = escape(&regimen.name);
        match &regimen.title {
            Some(title) => {
                let _ = writeln!(out, "<dt>{} (<code>{name}</code>)</dt>", escape(title));
            }
            None => {
                let _ = writeln!(out, "<dt><code>{name}</code></dt>");
            }
        }
        if regimen.doses.is_empty() {
            out.push_str("<dd>no doses</dd>\n");
            continue;
        }
        out.push_str("<dd><ul>\n");
        for dose in &regimen.doses {
            let _ = writeln!(out, "<li>{}</li>", escape(dose));
        }
        out.push_str("</ul></dd>\n");
    }
    out.push_str("</dl>\n</section>\n");
}

fn parameters(out: &mut String, parameters: &[ParameterRow]) {
    out.push_str("<section id=\"parameters\">\n<h2>Parameters</h2>\n<div class=\"scroll\">\n");
    let header = ["name", "value", "unit", "description", "source"].map(String::from);
    let rows: Vec<Vec<String>> = parameters
        .iter()
        .map(|p| {
            let value = match p.file_value {
                Some(file) => format!(
                    "{} (--set; file: {})",
                    crate::export::format_float(p.value),
                    crate::export::format_float(file)
                ),
                None => crate::export::format_float(p.value),
            };
            vec![
                p.name.clone(),
                value,
                p.unit.clone().unwrap_or_default(),
                p.description.clone().unwrap_or_default(),
                p.source.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(out, &header, &rows, &[false, true, false, false, false]);
    out.push_str("</div>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::{ParameterRow, RegimenText, Report, ReportFigure, render_html};

    fn report() -> Report {
        Report {
            title: "A <b>bold</b> & \"quoted\" model".to_string(),
            model_name: "m".to_string(),
            description: Some("First.\n\nSecond <i>".to_string()),
            figures: vec![ReportFigure {
                svg: "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>\n"
                    .to_string(),
                caption: "caption <x>".to_string(),
            }],
            comparison: None,
            regimens: vec![RegimenText {
                name: "a".to_string(),
                title: Some("A & B".to_string()),
                doses: vec!["1 mg into X at day 0".to_string()],
            }],
            parameters: vec![ParameterRow {
                name: "k".to_string(),
                value: 2.0,
                file_value: Some(1.0),
                unit: Some("1/day".to_string()),
                description: Some("<script>alert(1)</script>".to_string()),
                source: Some("doi:10.1/x&y".to_string()),
            }],
            solver: vec![("rtol".to_string(), "1e-6".to_string())],
            provenance: vec![("model SHA-256".to_string(), "ab".to_string())],
        }
    }

    #[test]
    fn user_text_is_escaped_and_svg_is_inline() {
        let html = render_html(&report());
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(html.contains("<title>A &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; model</title>"));
        assert!(html.contains("<p class=\"description\">Second &lt;i&gt;</p>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("<?xml"));
        assert!(html.contains("<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>\n<figcaption>caption &lt;x&gt;</figcaption>"));
        assert!(html.contains("<dt>A &amp; B (<code>a</code>)</dt>"));
        assert!(html.contains("<td class=\"num\">2 (--set; file: 1)</td>"));
        assert!(html.contains("<td>doi:10.1/x&amp;y</td></tr>"));
    }
}
