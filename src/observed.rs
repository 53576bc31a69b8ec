//! Observed data (`plot --data FILE.csv`): measurements to draw over the simulated curves.
//!
//! Format: a header row with the columns `time` and `value` (required) and `regimen`, `id`,
//! `output`, `lower`, `upper` (optional, any order), then one row per measurement. Times are
//! in the model's time unit and values in the unit of the output they measure. Lines that
//! start with `#` are comments. `lower` and `upper` (both or neither in a row) give an error bar with `lower ≤ value ≤ upper`. Empty
//! optional cells mean "none". Problems are [`Diagnostics`] with spans into the CSV text (line
//! and column of the cell), all rows checked at once, up to [`MAX_REPORTED`] problems.

use csv::StringRecord;

use crate::csv_text::{self, CsvText};
use crate::diagnostic::{Capped, Diagnostic, Diagnostics, Span};

/// Largest data file read, in bytes.
pub const MAX_BYTES: u64 = 16 << 20;
/// Most measurements (data rows) a file may hold; a figure shows far fewer points usefully.
pub const MAX_ROWS: usize = 100_000;
/// Longest line, in bytes.
const MAX_LINE_BYTES: usize = 1 << 16;
/// After this many problems the reader stops and says so.
pub const MAX_REPORTED: usize = 20;

const COLUMNS: [&str; 7] = ["time", "value", "regimen", "id", "output", "lower", "upper"];

/// One measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedRow {
    /// Time (model time unit), finite and ≥ 0.
    pub time: f64,
    /// Measured value, finite.
    pub value: f64,
    /// Error bar `(lower, upper)`, if given.
    pub bounds: Option<(f64, f64)>,
    /// The regimen it was measured under, if given.
    pub regimen: Option<String>,
    /// Subject or sample id, if given.
    pub id: Option<String>,
    /// The output (or series) it measures, if given; otherwise the main panel's quantity.
    pub output: Option<String>,
    /// Spans of the `regimen` and `output` cells, for located errors found later.
    pub regimen_span: Span,
    /// See [`ObservedRow::regimen_span`].
    pub output_span: Span,
}

/// Reads a data file's text; every bad row and cell is reported.
pub fn read_observations(text: &str) -> Result<Vec<ObservedRow>, Diagnostics> {
    let empty = Diagnostic::error(Span::new(0, 0), "the data file is empty")
        .with_hint("expected a header row such as `time,value,regimen`, then one row per measurement");
    let csv_text::Opened {
        file,
        header,
        records,
    } = csv_text::open(text, MAX_LINE_BYTES, true, empty)?;
    let mut sink = Capped::new(MAX_REPORTED);
    let columns = read_header(&header, &mut sink, |f| file.locate(&header, f));
    let Some(columns) = columns.filter(|_| sink.count == 0) else {
        return Err(sink.diagnostics);
    };
    let mut rows = Vec::new();
    for record in records {
        if sink.full() {
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                sink.push(file.error(&e));
                continue;
            }
        };
        if rows.len() == MAX_ROWS {
            sink.push(
                Diagnostic::error(
                    file.locate(&record, 0),
                    format!("more than {MAX_ROWS} measurements"),
                )
                .with_hint("plot a subset or summaries (e.g. means with `lower`/`upper`)"),
            );
            break;
        }
        let row = Row {
            record: &record,
            file,
            columns: &columns,
        };
        if let Some(r) = row.read(&mut sink) {
            rows.push(r);
        }
    }
    if sink.count == 0 && rows.is_empty() {
        sink.push(
            Diagnostic::error(
                file.locate(&header, 0),
                "no measurements: the file has a header row but no data rows",
            )
            .with_hint("add one row per measurement under the header"),
        );
    }
    if sink.count == 0 {
        Ok(rows)
    } else {
        Err(sink.diagnostics)
    }
}

/// Field index of each known column (`COLUMNS` order), if present.
type Columns = [Option<usize>; 7];

fn read_header(header: &StringRecord, sink: &mut Capped, locate: impl Fn(usize) -> Span) -> Option<Columns> {
    let mut columns: Columns = [None; 7];
    for (field, name) in header.iter().enumerate() {
        let span = locate(field);
        match COLUMNS.iter().position(|c| *c == name) {
            Some(k) if columns[k].is_some() => sink.push(
                Diagnostic::error(span, format!("column `{name}` appears twice"))
                    .with_hint("keep one of them"),
            ),
            Some(k) => columns[k] = Some(field),
            None => sink.push(
                Diagnostic::error(span, format!("unknown column `{name}` in the data file"))
                    .with_optional_hint(
                        crate::suggest::closest(name, COLUMNS).map(|s| format!("did you mean `{s}`?")),
                    )
                    .with_hint(format!("columns: {}", COLUMNS.join(", "))),
            ),
        }
    }
    for required in ["time", "value"] {
        let k = COLUMNS.iter().position(|c| *c == required).unwrap_or(0);
        if columns[k].is_none() {
            sink.push(
                Diagnostic::error(locate(0), format!("the data file has no `{required}` column"))
                    .with_hint("the header needs at least `time,value`"),
            );
        }
    }
    if columns[5].is_some() != columns[6].is_some() {
        sink.push(
            Diagnostic::error(locate(0), "`lower` and `upper` come together")
                .with_hint("add the missing column, or remove the other"),
        );
    }
    Some(columns)
}

/// One data row being read.
struct Row<'r, 't> {
    record: &'r StringRecord,
    file: CsvText<'t>,
    columns: &'r Columns,
}

impl Row<'_, '_> {
    /// The cell of column `k` (`COLUMNS` order): its text (empty if absent) and span.
    fn cell(&self, k: usize) -> Option<(&str, Span)> {
        let field = self.columns[k]?;
        Some((
            self.record.get(field).unwrap_or(""),
            self.file.locate(self.record, field),
        ))
    }

    fn text(&self, k: usize) -> (Option<String>, Span) {
        match self.cell(k) {
            Some((t, span)) => ((!t.is_empty()).then(|| t.to_string()), span),
            None => (None, self.file.locate(self.record, 0)),
        }
    }

    /// A number of column `k`: `Err(())` after reporting a bad or missing one.
    fn number(&self, k: usize, required: bool, sink: &mut Capped) -> Result<Option<f64>, ()> {
        let Some((text, span)) = self.cell(k) else {
            return Ok(None);
        };
        let name = COLUMNS[k];
        if text.is_empty() {
            if required {
                sink.push(
                    Diagnostic::error(span, format!("empty `{name}`"))
                        .with_hint(format!("every row needs a `{name}`")),
                );
                return Err(());
            }
            return Ok(None);
        }
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Some(x)),
            _ => {
                sink.push(
                    Diagnostic::error(span, format!("`{name}` must be a finite number, found `{text}`"))
                        .with_hint("write a decimal number such as `12.5` or `3e8`"),
                );
                Err(())
            }
        }
    }

    fn read(&self, sink: &mut Capped) -> Option<ObservedRow> {
        let time = self.number(0, true, sink);
        let value = self.number(1, true, sink);
        let lower = self.number(5, false, sink);
        let upper = self.number(6, false, sink);
        let (Ok(Some(time)), Ok(Some(value)), Ok(lower), Ok(upper)) = (time, value, lower, upper) else {
            return None;
        };
        let at = |k: usize| {
            self.cell(k)
                .map_or_else(|| self.file.locate(self.record, 0), |c| c.1)
        };
        if time < 0.0 {
            sink.push(
                Diagnostic::error(at(0), format!("`time` must be ≥ 0, found {time}"))
                    .with_hint("times are since the start of the simulation"),
            );
            return None;
        }
        let bounds = match (lower, upper) {
            (None, None) => None,
            (Some(lo), Some(hi)) if lo <= value && value <= hi => Some((lo, hi)),
            (Some(lo), Some(hi)) => {
                sink.push(
                    Diagnostic::error(
                        at(5),
                        format!("the error bar {lo} to {hi} does not contain the value {value}"),
                    )
                    .with_hint("`lower` ≤ `value` ≤ `upper`"),
                );
                return None;
            }
            (Some(_), None) | (None, Some(_)) => {
                sink.push(
                    Diagnostic::error(
                        at(if lower.is_none() { 5 } else { 6 }),
                        "only one end of the error bar",
                    )
                    .with_hint("give both `lower` and `upper`, or neither"),
                );
                return None;
            }
        };
        let (regimen, regimen_span) = self.text(2);
        let (id, _) = self.text(3);
        let (output, output_span) = self.text(4);
        Some(ObservedRow {
            time,
            value,
            bounds,
            regimen,
            id,
            output,
            regimen_span,
            output_span,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::line_column;

    /// `(line, column, message)` of every problem found in `text`.
    fn problems(text: &str) -> Vec<(usize, usize, String)> {
        let d = read_observations(text).expect_err("the file has problems");
        d.iter()
            .map(|d| {
                let (line, column) = line_column(text, d.span.map_or(0, |s| s.start));
                (line, column, d.message.clone())
            })
            .collect()
    }

    #[test]
    #[allow(clippy::float_cmp)]
    fn rows_are_read_with_optional_columns_in_any_order() {
        let text = "# made up\nregimen,value,time,lower,upper,id,output\nA,2.5,1,2,3,m1,C\n,4e3,0,,,,\n";
        let rows = read_observations(text).unwrap();
        assert_eq!(rows.len(), 2);
        let r = &rows[0];
        assert_eq!((r.time, r.value, r.bounds), (1.0, 2.5, Some((2.0, 3.0))));
        assert_eq!(
            (r.regimen.as_deref(), r.id.as_deref(), r.output.as_deref()),
            (Some("A"), Some("m1"), Some("C"))
        );
        assert_eq!(&text[r.output_span.range()], "C");
        let r = &rows[1];
        assert_eq!(
            (r.time, r.value, r.bounds, r.regimen.as_deref()),
            (0.0, 4e3, None, None)
        );
    }

    #[test]
    fn every_bad_cell_is_located() {
        let text = "time,value,lower,upper\n-1,2,,\nnan,1,,\n3,inf,,\n4,5,6,7\n5,5,4,\n6,,,\n";
        let found = problems(text);
        let at: Vec<(usize, usize)> = found.iter().map(|p| (p.0, p.1)).collect();
        assert_eq!(at, [(2, 1), (3, 1), (4, 3), (5, 5), (6, 7), (7, 3)], "{found:?}");
        assert!(found[0].2.contains("≥ 0"));
        assert!(found[3].2.contains("does not contain the value 5"));
        assert!(found[4].2.contains("only one end"));
        assert!(found[5].2.contains("empty `value`"));
    }

    #[test]
    fn header_problems_are_named() {
        let found = problems("tme,value,regimen,regimen\n1,2,a,a\n");
        assert!(found[0].2.contains("unknown column `tme`"));
        assert!(found[1].2.contains("`regimen` appears twice"));
        assert!(found[2].2.contains("no `time` column"));
        let found = problems("time,value,lower\n1,2,3\n");
        assert!(found[0].2.contains("`lower` and `upper` come together"));
        assert!(problems("")[0].2.contains("empty"));
        assert!(problems("time,value\n")[0].2.contains("no measurements"));
    }

    /// A file of thousands of bad rows stops at the cap with a note, rather than listing all.
    #[test]
    fn problems_are_capped() {
        let text = format!("time,value\n{}", "x,1\n".repeat(5000));
        let d = read_observations(&text).unwrap_err();
        assert_eq!(d.iter().len(), MAX_REPORTED);
        assert!(
            d.iter()
                .last()
                .unwrap()
                .hints
                .iter()
                .any(|h| h.contains("stopped after"))
        );
    }

    #[test]
    fn rows_are_bounded() {
        let text = format!("time,value\n{}", "1,1\n".repeat(MAX_ROWS + 1));
        let found = problems(&text);
        assert!(found[0].2.contains(&format!("more than {MAX_ROWS}")));
    }
}
