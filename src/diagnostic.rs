//! Diagnostics as plain data: a byte span into a source file, a message and hints.
//!
//! Every layer that reads user input reports problems as [`Diagnostic`]s; only the CLI renders
//! them (as annotated snippets, one-line summaries or JSON). Nothing here knows about terminals.

use std::ops::Range;

/// A half-open byte range `start..end` into a source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte of the span.
    pub start: usize,
    /// One past the last byte of the span.
    pub end: usize,
}

impl Span {
    /// A span covering `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// This span moved right by `offset` bytes (an expression span mapped into file coordinates).
    pub fn shifted(self, offset: usize) -> Self {
        Self::new(self.start + offset, self.end + offset)
    }

    /// The smallest span covering both `self` and `other`.
    pub fn join(self, other: Span) -> Self {
        Self::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// The span as a `Range<usize>`.
    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }
}

impl From<Range<usize>> for Span {
    fn from(r: Range<usize>) -> Self {
        Self::new(r.start, r.end)
    }
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The model cannot be used.
    Error,
    /// The model can be used, but something looks wrong.
    Warning,
}

/// One problem found in a source file.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Where in the file; `None` for problems that have no location (e.g. a missing section).
    pub span: Option<Span>,
    /// What is wrong, lowercase, no trailing full stop: "unknown state `Ac2`".
    pub message: String,
    /// Short label shown under the underlined text.
    pub label: Option<String>,
    /// Suggested fixes: "did you mean `Ac`?".
    pub hints: Vec<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            span: span.into(),
            message: message.into(),
            label: None,
            hints: Vec::new(),
        }
    }

    /// A warning at `span`.
    pub fn warning(span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(span, message)
        }
    }

    /// Adds a hint (a suggested fix).
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// Adds a hint if there is one.
    pub fn with_optional_hint(mut self, hint: Option<String>) -> Self {
        self.hints.extend(hint);
        self
    }

    /// Sets the label printed under the underlined text.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
}

/// All the diagnostics found in one source file, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

/// Diagnostics collected up to `limit`: the last kept one says the list stops there, and
/// [`Capped::count`] goes on counting, so a reader can stop early once [`Capped::full`].
#[derive(Debug)]
pub(crate) struct Capped {
    /// The diagnostics kept (at most `limit`).
    pub(crate) diagnostics: Diagnostics,
    /// Every diagnostic pushed, kept or not.
    pub(crate) count: usize,
    limit: usize,
}

impl Capped {
    /// An empty collection keeping at most `limit` diagnostics.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            diagnostics: Diagnostics::new(),
            count: 0,
            limit,
        }
    }

    /// Counts `d`, and keeps it while under the limit.
    pub(crate) fn push(&mut self, d: Diagnostic) {
        self.count += 1;
        if self.count == self.limit {
            let limit = self.limit;
            self.diagnostics
                .push(d.with_hint(format!("stopped after {limit} problems; fix these and run again")));
        } else if self.count < self.limit {
            self.diagnostics.push(d);
        }
    }

    /// True once the limit is reached.
    pub(crate) fn full(&self) -> bool {
        self.count >= self.limit
    }
}

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Records all diagnostics from `other`.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    /// True if any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// True if there are no diagnostics at all.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The diagnostics sorted by position (unlocated ones first), stable for equal positions.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut items: Vec<&Diagnostic> = self.items.iter().collect();
        items.sort_by_key(|d| d.span.map(|s| (s.start, s.end)));
        items
    }

    /// Iterates in the order found.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Self {
            items: vec![diagnostic],
        }
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// A 1-based line and column (in characters) of a byte offset in `source`.
///
/// Scans `source` once per call: to place many offsets in one file, build a [`LineIndex`].
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(source).line_column(offset)
}

/// Bytes between two char-count checkpoints in a [`LineIndex`].
const CHECKPOINT: usize = 256;

/// Line starts and character counts of one source text, computed once, so that each offset is
/// placed in O(log lines) time plus a scan of at most 256 bytes, whatever the length
/// of its line.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    source: &'a str,
    /// Byte offset of the start of each line: 0, then one past every `\n`.
    line_starts: Vec<usize>,
    /// `chars_before[k]` is the number of characters in `source[..k * CHECKPOINT]` (counted as
    /// bytes that do not continue a UTF-8 sequence, so the checkpoint need not be a char boundary).
    chars_before: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `source` in one pass.
    pub fn new(source: &'a str) -> Self {
        let bytes = source.as_bytes();
        let line_starts = std::iter::once(0).chain(newlines(bytes).map(|i| i + 1)).collect();
        let mut chars_before = Vec::with_capacity(bytes.len() / CHECKPOINT + 1);
        let mut count = 0;
        chars_before.push(0);
        for chunk in bytes.chunks(CHECKPOINT) {
            count += chars_in(chunk);
            chars_before.push(count);
        }
        Self {
            source,
            line_starts,
            chars_before,
        }
    }

    /// The indexed text.
    pub fn source(&self) -> &'a str {
        self.source
    }

    /// The 0-based index of the line holding byte `offset` (clamped to the text).
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.source.len());
        self.line_starts.partition_point(|&start| start <= offset) - 1
    }

    /// The byte offset where 0-based line `line` starts (the text's length past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line).copied().unwrap_or(self.source.len())
    }

    /// The 1-based line and column (in characters) of byte `offset`; an offset inside a
    /// multi-byte character counts as that character's start, one past the end as the end.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.source, offset.min(self.source.len()));
        let line = self.line_of(offset);
        let column = self.chars_up_to(offset) - self.chars_up_to(self.line_starts[line]) + 1;
        (line + 1, column)
    }

    /// Characters in `source[..offset]`, for `offset` on a char boundary.
    fn chars_up_to(&self, offset: usize) -> usize {
        let checkpoint = offset / CHECKPOINT;
        self.chars_before[checkpoint] + chars_in(&self.source.as_bytes()[checkpoint * CHECKPOINT..offset])
    }
}

/// Positions of every `\n` in `bytes`.
fn newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .map(|(i, _)| i)
}

/// Characters in a run of UTF-8 bytes: the bytes that are not continuation bytes (`0b10xx_xxxx`).
fn chars_in(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_from_one() {
        let src = "ab\ncdé\nf";
        assert_eq!(line_column(src, 0), (1, 1));
        assert_eq!(line_column(src, 3), (2, 1));
        assert_eq!(line_column(src, 7), (2, 4));
        assert_eq!(line_column(src, 8), (3, 1));
    }

    /// The index agrees with a direct count (the definition: newlines before the offset, and
    /// characters since the last one) at every offset of texts with multi-byte characters, CRLF,
    /// long lines across checkpoints and a trailing newline.
    #[test]
    fn line_index_agrees_with_a_direct_count_everywhere() {
        let long = "é".repeat(300) + "x" + &"ab\u{1F600}".repeat(200);
        let texts = [
            String::new(),
            "\n".to_string(),
            "ab\ncdé\nf".to_string(),
            "a\r\nb\r\n".to_string(),
            format!("{long}\n{long}\nend\n"),
        ];
        for text in &texts {
            let index = LineIndex::new(text);
            for offset in 0..=text.len() + 2 {
                let boundary = floor_char_boundary(text, offset.min(text.len()));
                let before = &text[..boundary];
                let line = before.matches('\n').count() + 1;
                let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                let column = before[line_start..].chars().count() + 1;
                assert_eq!(index.line_column(offset), (line, column), "{text:?} at {offset}");
                assert_eq!(index.line_start(index.line_of(offset)), line_start);
            }
        }
    }
}
