//! Rendering diagnostics for people (annotated snippets), CI logs (one line each) and editors
//! (JSON). The only place where diagnostics become text.

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use serde::Serialize;

use relapse::diagnostic::{Diagnostic, Diagnostics, Severity, line_column};

/// A source file with its diagnostics.
pub(crate) struct FileReport<'a> {
    pub(crate) path: &'a str,
    pub(crate) source: &'a str,
    pub(crate) diagnostics: &'a Diagnostics,
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    }
}

/// Annotated snippets, one block per diagnostic, sorted by position.
pub(crate) fn human(report: &FileReport<'_>, styled: bool) -> String {
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in report.diagnostics.sorted() {
        out.push_str(&renderer.render(&[group(report, d)]));
        out.push_str("\n\n");
    }
    out
}

fn group<'a>(report: &FileReport<'a>, d: &'a Diagnostic) -> Group<'a> {
    let title = level(d.severity).primary_title(d.message.as_str());
    let mut group = match d.span {
        Some(span) => {
            let mut annotation = AnnotationKind::Primary.span(span.range());
            if let Some(label) = &d.label {
                annotation = annotation.label(label.as_str());
            }
            title.element(
                Snippet::source(report.source)
                    .path(report.path)
                    .annotation(annotation),
            )
        }
        None => title.element(Origin::path(report.path)),
    };
    for hint in &d.hints {
        group = group.element(Level::HELP.message(hint.as_str()));
    }
    group
}

/// `path:line:col: error: message (hint)` per diagnostic.
pub(crate) fn short(report: &FileReport<'_>) -> String {
    let mut out = String::new();
    for d in report.diagnostics.sorted() {
        let (line, column) = d.span.map_or((1, 1), |s| line_column(report.source, s.start));
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!(
            "{}:{line}:{column}: {severity}: {}",
            report.path, d.message
        ));
        for hint in &d.hints {
            out.push_str(&format!(" (help: {hint})"));
        }
        out.push('\n');
    }
    out
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: &'static str,
    message: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    start_byte: Option<usize>,
    end_byte: Option<usize>,
    hints: &'a [String],
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    valid: bool,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

/// The JSON value describing one file (see the README for the schema).
pub(crate) fn json_file(report: &FileReport<'_>) -> serde_json::Value {
    let diagnostics = report
        .diagnostics
        .sorted()
        .into_iter()
        .map(|d| {
            let start = d.span.map(|s| line_column(report.source, s.start));
            let end = d.span.map(|s| line_column(report.source, s.end));
            JsonDiagnostic {
                severity: match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                message: &d.message,
                line: start.map(|p| p.0),
                column: start.map(|p| p.1),
                end_line: end.map(|p| p.0),
                end_column: end.map(|p| p.1),
                start_byte: d.span.map(|s| s.start),
                end_byte: d.span.map(|s| s.end),
                hints: &d.hints,
            }
        })
        .collect();
    serde_json::to_value(JsonFile {
        path: report.path,
        valid: !report.diagnostics.has_errors(),
        diagnostics,
    })
    .expect("diagnostics serialise")
}
