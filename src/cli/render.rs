//! Rendering diagnostics for people (annotated snippets), CI logs (one line each) and editors
//! (JSON). The only place where diagnostics become text.

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use serde::Serialize;

use relapse::diagnostic::{Diagnostic, Diagnostics, LineIndex, Severity, Span};

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
    let index = LineIndex::new(report.source);
    let mut out = String::new();
    for d in report.diagnostics.sorted() {
        out.push_str(&renderer.render(&[group(report.path, &index, d)]));
        out.push_str("\n\n");
    }
    out
}

/// The lines of the text that hold `span` (from the start of its first line to the end of its
/// last, terminator included), and the 1-based number of the first. The renderer maps its whole
/// source to lines for every diagnostic, so giving it the whole file made rendering quadratic.
fn window<'a>(index: &LineIndex<'a>, span: Span) -> (&'a str, usize, usize) {
    // The renderer has no empty line after a final newline: an offset at the very end belongs
    // to the last line it knows.
    let line_of = |offset: usize| {
        let line = index.line_of(offset);
        if line > 0 && index.line_start(line) == index.source().len() {
            line - 1
        } else {
            line
        }
    };
    let first = line_of(span.start);
    let last = line_of(span.end.max(span.start));
    let start = index.line_start(first);
    let end = index.line_start(last + 1);
    (&index.source()[start..end], start, first + 1)
}

fn group<'a>(path: &'a str, index: &LineIndex<'a>, d: &'a Diagnostic) -> Group<'a> {
    let title = level(d.severity).primary_title(d.message.as_str());
    let mut group = match d.span {
        Some(span) => {
            let (lines, offset, line_start) = window(index, span);
            let range =
                span.start.min(offset + lines.len()) - offset..span.end.min(offset + lines.len()) - offset;
            let mut annotation = AnnotationKind::Primary.span(range);
            if let Some(label) = &d.label {
                annotation = annotation.label(label.as_str());
            }
            title.element(
                Snippet::source(lines)
                    .line_start(line_start)
                    .path(path)
                    .annotation(annotation),
            )
        }
        None => title.element(Origin::path(path)),
    };
    for hint in &d.hints {
        group = group.element(Level::HELP.message(hint.as_str()));
    }
    group
}

/// `path:line:col: error: message (hint)` per diagnostic.
pub(crate) fn short(report: &FileReport<'_>) -> String {
    let index = LineIndex::new(report.source);
    let mut out = String::new();
    for d in report.diagnostics.sorted() {
        let (line, column) = d.span.map_or((1, 1), |s| index.line_column(s.start));
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
    let index = LineIndex::new(report.source);
    let diagnostics = report
        .diagnostics
        .sorted()
        .into_iter()
        .map(|d| {
            let start = d.span.map(|s| index.line_column(s.start));
            let end = d.span.map(|s| index.line_column(s.end));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What `group` rendered before windowing: the whole file as the snippet's source.
    fn whole_file(path: &str, source: &str, d: &Diagnostic) -> String {
        let span = d.span.expect("located");
        let annotation = AnnotationKind::Primary.span(span.range()).label("here");
        let group = level(d.severity)
            .primary_title(d.message.as_str())
            .element(Snippet::source(source).path(path).annotation(annotation));
        Renderer::plain().render(&[group])
    }

    /// Rendering only the lines that hold a span gives the same text as rendering with the whole
    /// file, for every span on char boundaries of texts with multi-byte characters, CRLF, blank
    /// lines, a missing or present final newline and spans over several lines or at the end.
    #[test]
    fn a_window_of_lines_renders_like_the_whole_file() {
        let texts = [
            "a = 1\nbé = \"x\"\n\nc = [1,\n  2]\n",
            "x = 1\r\ny = 2\r\n",
            "k = 1\nlast",
            "",
        ];
        for text in texts {
            let index = LineIndex::new(text);
            let boundaries: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            for (i, &start) in boundaries.iter().enumerate() {
                for &end in &boundaries[i..] {
                    let d = Diagnostic::error(Span::new(start, end), "bad").with_label("here");
                    let windowed = Renderer::plain().render(&[group("m.toml", &index, &d)]);
                    assert_eq!(
                        windowed,
                        whole_file("m.toml", text, &d),
                        "{text:?} at {start}..{end}"
                    );
                }
            }
        }
    }
}
