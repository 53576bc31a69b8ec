//! `--parameters FILE.csv`: an existing virtual population (exported from NONMEM, mrgsolve or
//! an earlier run) instead of sampled patients.
//!
//! Format: a header row naming an `id` column and model parameters, in any order, then one row
//! per patient. Ids are kept verbatim as text (`007` stays `007`) and are the patient ids in
//! the outputs; they must be non-empty and unique. Cells and names are trimmed of surrounding
//! spaces; cells are decimal numbers (finite). Parameters without a column keep their typical
//! value for every patient. Problems are [`Diagnostics`] with spans into the CSV text, so they
//! render with line and column like model-file errors.

use std::collections::HashMap;

use csv::StringRecord;

use crate::csv_text::{self, CsvText};
use crate::diagnostic::{Capped, Diagnostic, Diagnostics, Span};

/// Most patients (data rows) a parameters file may hold.
pub const MAX_ROWS: usize = 10_000_000;
/// Longest line a parameters file may have, in bytes.
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// After this many problems the reader stops and says so, rather than listing a million.
const MAX_REPORTED: usize = 50;

/// Patients read from a parameters file.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterTable {
    ids: Vec<String>,
    /// Model parameter index of each value column, in file order.
    columns: Vec<usize>,
    /// Row-major: `values[row * columns.len() + column]`.
    values: Vec<f64>,
}

impl ParameterTable {
    /// Number of patients (≥ 1).
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Always false for a table that was read; here for completeness.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The id of patient `row`, verbatim from the file.
    pub fn id(&self, row: usize) -> &str {
        &self.ids[row]
    }

    /// Model parameter indices of the value columns, in file order.
    pub fn columns(&self) -> &[usize] {
        &self.columns
    }

    /// Patient `row`'s values, in [`Self::columns`] order.
    pub fn row(&self, row: usize) -> &[f64] {
        let width = self.columns.len();
        &self.values[row * width..(row + 1) * width]
    }

    /// Patient `row`'s parameter vector: `typical` (one value per model parameter) with the
    /// file's columns replaced.
    pub fn patient(&self, row: usize, typical: &[f64]) -> Vec<f64> {
        let mut values = typical.to_vec();
        for (&parameter, &value) in self.columns.iter().zip(self.row(row)) {
            values[parameter] = value;
        }
        values
    }
}

/// Reads a parameters file; `parameters` are the model's parameter names, in model order.
pub fn read_parameters_csv(text: &str, parameters: &[&str]) -> Result<ParameterTable, Diagnostics> {
    let empty = Diagnostic::error(Span::new(0, 0), "the parameters file is empty")
        .with_hint("expected a header row such as `id,CL,V`, then one row per patient");
    let csv_text::Opened {
        file,
        header,
        records,
    } = csv_text::open(text, MAX_LINE_BYTES, false, empty)?;
    let mut sink = Capped::new(MAX_REPORTED);
    let Some(layout) = read_header(&header, parameters, &mut sink, |f| file.locate(&header, f)) else {
        return Err(sink.diagnostics);
    };
    let mut rows = Rows {
        file,
        table: ParameterTable {
            ids: Vec::new(),
            columns: layout.parameters.iter().map(|&(_, p)| p).collect(),
            values: Vec::new(),
        },
        layout,
        first_line_of_id: HashMap::new(),
        sink,
    };
    for record in records {
        if !rows.read(record) {
            break;
        }
    }
    let Rows { table, mut sink, .. } = rows;
    if sink.diagnostics.is_empty() && table.ids.is_empty() {
        sink.push(
            Diagnostic::error(
                file.locate(&header, 0),
                "no patients: the file has a header row but no data rows",
            )
            .with_hint("add one row per patient under the header"),
        );
    }
    if sink.diagnostics.is_empty() {
        Ok(table)
    } else {
        Err(sink.diagnostics)
    }
}

/// Column positions: the `id` column and `(column, model parameter)` for the others.
struct Layout {
    id: usize,
    width: usize,
    parameters: Vec<(usize, usize)>,
}

fn read_header(
    header: &StringRecord,
    parameters: &[&str],
    sink: &mut Capped,
    locate: impl Fn(usize) -> Span,
) -> Option<Layout> {
    let before = sink.count;
    let mut id = None;
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut columns = Vec::new();
    for (column, name) in header.iter().enumerate() {
        let span = locate(column);
        if name.is_empty() {
            sink.push(
                Diagnostic::error(span, "empty column name in the header")
                    .with_hint("name every column: `id` or a model parameter"),
            );
            continue;
        }
        if let Some(&first) = seen.get(name) {
            sink.push(
                Diagnostic::error(span, format!("column `{name}` appears twice"))
                    .with_hint(format!("first as column {}; keep one of them", first + 1)),
            );
            continue;
        }
        seen.insert(name, column);
        if name == "id" {
            id = Some(column);
        } else if let Some(p) = parameters.iter().position(|p| *p == name) {
            columns.push((column, p));
        } else {
            sink.push(unknown_column(span, name, parameters));
        }
    }
    if id.is_none() && !seen.keys().any(|k| k.eq_ignore_ascii_case("id")) {
        sink.push(
            Diagnostic::error(locate(0), "the parameters file has no `id` column")
                .with_hint("the header must name an `id` column, e.g. `id,CL,V`"),
        );
    }
    match id {
        Some(id) if sink.count == before => Some(Layout {
            id,
            width: header.len(),
            parameters: columns,
        }),
        _ => None,
    }
}

fn unknown_column(span: Span, name: &str, parameters: &[&str]) -> Diagnostic {
    let candidates = parameters.iter().copied().chain(["id"]);
    let d = Diagnostic::error(span, format!("unknown column `{name}`"));
    match crate::suggest::closest(name, candidates) {
        Some(s) => d.with_hint(format!("did you mean `{s}`?")),
        None => d,
    }
    .with_hint("columns are `id` and names from the model's [parameters]")
}

/// The data rows being read into a table.
struct Rows<'t> {
    file: CsvText<'t>,
    layout: Layout,
    table: ParameterTable,
    first_line_of_id: HashMap<String, usize>,
    sink: Capped,
}

impl Rows<'_> {
    /// Adds one record, or reports what is wrong with it; false when reading should stop.
    fn read(&mut self, record: csv::Result<StringRecord>) -> bool {
        if self.sink.full() {
            return false;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                self.sink.push(self.file.error(&e));
                return false;
            }
        };
        let file = self.file;
        let at = |field| file.locate(&record, field);
        if self.table.ids.len() == MAX_ROWS {
            self.sink.push(
                Diagnostic::error(at(0), format!("more than {MAX_ROWS} patients"))
                    .with_hint("split the population into several files and runs"),
            );
            return false;
        }
        self.read_cells(&record, at);
        true
    }

    /// Adds the cells of one record, or reports what is wrong with them.
    fn read_cells(&mut self, record: &StringRecord, at: impl Fn(usize) -> Span) {
        let line = record.position().map_or(0, |p| p.line() as usize);
        let width = self.layout.width;
        if record.len() != width {
            self.sink.push(
                Diagnostic::error(
                    at(0),
                    format!("row has {} cells, the header has {width}", record.len()),
                )
                .with_hint("every row needs one cell per header column"),
            );
            return;
        }
        let id = &record[self.layout.id];
        let mut ok = true;
        if let Err(mut d) = self.check_id(id, line) {
            d.span = Some(at(self.layout.id));
            self.sink.push(d);
            ok = false;
        }
        let start = self.table.values.len();
        for &(column, _) in &self.layout.parameters {
            match parse_cell(&record[column]) {
                Ok(x) => self.table.values.push(x),
                Err((message, hint)) => {
                    self.sink
                        .push(Diagnostic::error(at(column), message).with_hint(hint));
                    ok = false;
                }
            }
        }
        if ok {
            self.table.ids.push(id.to_string());
        } else {
            self.table.values.truncate(start);
        }
    }

    /// Records `id` as first seen on `line`, or says why it cannot be used (without a span).
    fn check_id(&mut self, id: &str, line: usize) -> Result<(), Diagnostic> {
        if id.is_empty() {
            return Err(Diagnostic::error(None, "empty patient id").with_hint("give every row an id"));
        }
        if let Some(&first) = self.first_line_of_id.get(id) {
            return Err(
                Diagnostic::error(None, format!("duplicate id `{id}` (line {line})"))
                    .with_hint(format!("first used on line {first}; ids must be unique")),
            );
        }
        self.first_line_of_id.insert(id.to_string(), line);
        Ok(())
    }
}

fn parse_cell(cell: &str) -> Result<f64, (String, &'static str)> {
    let hint = "cells hold decimal numbers such as 0.25 or 1.5e-3";
    match cell.parse::<f64>() {
        _ if cell.is_empty() => Err(("empty cell".into(), hint)),
        Ok(x) if x.is_finite() => Ok(x),
        Ok(_) => Err((format!("`{cell}` is not a finite number"), hint)),
        Err(_) => Err((format!("`{cell}` is not a number"), hint)),
    }
}
