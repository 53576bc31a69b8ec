//! Locating things in the text of a CSV file: where its records start (after a byte-order
//! mark), the span of one field of a record, and over-long lines. The `csv` crate parses; this
//! turns its byte positions into [`Span`]s for located diagnostics.

use csv::{ReaderBuilder, StringRecord, StringRecordsIntoIter, Trim};

use crate::diagnostic::{Diagnostic, Diagnostics, Span};

/// The records of a CSV text, in order.
pub(crate) type Records<'t> = StringRecordsIntoIter<&'t [u8]>;

/// A CSV file opened for reading: where its records are located, its header row, and the
/// records after the header.
pub(crate) struct Opened<'t> {
    pub(crate) file: CsvText<'t>,
    pub(crate) header: StringRecord,
    pub(crate) records: Records<'t>,
}

/// Opens `text` as a CSV file with a header row: no line may be longer than `line_limit` bytes
/// (a binary or wrong file is refused before parsing), lines starting with `#` are skipped when
/// `comments` is set, and an empty file is the error `empty`.
pub(crate) fn open(
    text: &str,
    line_limit: usize,
    comments: bool,
    empty: Diagnostic,
) -> Result<Opened<'_>, Diagnostics> {
    if let Some(d) = overlong_line(text, line_limit) {
        return Err(d.into());
    }
    let file = CsvText::new(text);
    let mut records = if comments {
        file.records_with_comments()
    } else {
        file.records()
    };
    match records.next() {
        Some(Ok(header)) => Ok(Opened {
            file,
            header,
            records,
        }),
        Some(Err(e)) => Err(file.error(&e).into()),
        None => Err(empty.into()),
    }
}

/// The file's text, and where the CSV starts in it (after a UTF-8 byte-order mark, if any).
#[derive(Clone, Copy)]
pub(crate) struct CsvText<'t> {
    text: &'t str,
    offset: usize,
}

impl<'t> CsvText<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        let offset = if text.starts_with('\u{feff}') { 3 } else { 0 };
        Self { text, offset }
    }

    /// Records with their positions; blank lines are skipped, fields are trimmed and rows may
    /// have any length (checked by the caller, with a located message).
    fn records(self) -> Records<'t> {
        ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(Trim::All)
            .from_reader(&self.text.as_bytes()[self.offset..])
            .into_records()
    }

    /// [`CsvText::records`], skipping lines that start with `#` (comments such as a
    /// provenance header).
    fn records_with_comments(self) -> Records<'t> {
        ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(Trim::All)
            .comment(Some(b'#'))
            .from_reader(&self.text.as_bytes()[self.offset..])
            .into_records()
    }

    /// The span of field `field` of `record` in the text.
    pub(crate) fn locate(self, record: &StringRecord, field: usize) -> Span {
        let start = self.offset + record.position().map_or(0, |p| p.byte() as usize);
        field_span(self.text, start, field)
    }

    pub(crate) fn error(self, e: &csv::Error) -> Diagnostic {
        let start = e
            .position()
            .map_or(0, |p| self.offset + p.byte() as usize)
            .min(self.text.len());
        Diagnostic::error(Span::new(start, start), format!("unreadable CSV: {e}"))
    }
}

/// The first line longer than `limit` bytes, as a diagnostic at its start.
fn overlong_line(text: &str, limit: usize) -> Option<Diagnostic> {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        if line.len() > limit {
            return Some(
                Diagnostic::error(Span::new(start, start), format!("line longer than {limit} bytes"))
                    .with_hint("is this really a CSV file?"),
            );
        }
        start += line.len();
    }
    None
}

/// The span of field `field` of the record starting at byte `start`, found by scanning the raw
/// text (commas inside double quotes do not separate fields). Trailing `\r` is excluded.
fn field_span(text: &str, start: usize, field: usize) -> Span {
    let bytes = text.as_bytes();
    let (mut index, mut field_start, mut quoted) = (0, start, false);
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => quoted = !quoted,
            b',' if !quoted => {
                if index == field {
                    break;
                }
                index += 1;
                field_start = i + 1;
            }
            b'\n' if !quoted => break,
            _ => {}
        }
        i += 1;
    }
    if index < field {
        // Fewer fields than asked for: point at the end of the record.
        return Span::new(i, i);
    }
    let end = if i > field_start && bytes[i - 1] == b'\r' {
        i - 1
    } else {
        i
    };
    Span::new(field_start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_spans_skip_quoted_commas() {
        let text = "id,CL\n\"a,b\",1.5\r\n";
        assert_eq!(&text[field_span(text, 6, 0).range()], "\"a,b\"");
        assert_eq!(&text[field_span(text, 6, 1).range()], "1.5");
        assert_eq!(field_span(text, 0, 5), Span::new(5, 5));
    }
}
