//! The regimen comparison as an aligned text table, Markdown, CSV or JSON.

use serde_json::{Value, json};

use super::RunProvenance;
use super::csv::format_float;
use super::tidy::{tidy_cell, tidy_header};
use crate::metrics::{ExposureMetrics, ExposureWatch, RegimenMetrics, TimedValue, Watchlist};

/// Output formats of `compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsFormat {
    /// Aligned columns for a terminal.
    Table,
    /// A Markdown table.
    Markdown,
    /// Comma-separated values, full precision.
    Csv,
    /// The documented JSON document.
    Json,
}

/// Everything `compare` reports.
pub struct MetricsReport<'a> {
    /// Model name.
    pub model: &'a str,
    /// End time.
    pub t_end: f64,
    /// Name of the baseline regimen.
    pub baseline: &'a str,
    /// Time unit, for headers.
    pub time_unit: Option<&'a str>,
    /// What was watched (names and units).
    pub watchlist: &'a Watchlist,
    /// One entry per regimen, in order.
    pub regimens: &'a [RegimenMetrics],
}

/// Renders `report` in `format`.
pub fn render_metrics(report: &MetricsReport<'_>, format: MetricsFormat) -> String {
    render_metrics_with(report, format, None)
}

/// [`render_metrics`]; the JSON document also gets a `"provenance"` member when one is given.
pub fn render_metrics_with(
    report: &MetricsReport<'_>,
    format: MetricsFormat,
    provenance: Option<&RunProvenance>,
) -> String {
    match format {
        MetricsFormat::Json => {
            let mut document = json_document(report);
            if let Some(p) = provenance {
                merge(&mut document, json!({ "provenance": p }));
            }
            serde_json::to_string_pretty(&document).expect("json") + "\n"
        }
        MetricsFormat::Csv => {
            let (header, rows) = cells(report, format_float);
            let mut writer = ::csv::Writer::from_writer(Vec::new());
            writer
                .write_record(tidy_header(&header))
                .expect("in-memory write");
            for row in rows {
                writer
                    .write_record(row.into_iter().map(tidy_cell))
                    .expect("in-memory write");
            }
            String::from_utf8(writer.into_inner().expect("flush")).expect("utf-8")
        }
        MetricsFormat::Markdown => {
            let (header, rows) = cells(report, readable);
            let line = |cells: &[String]| {
                let escaped: Vec<String> = cells.iter().map(|c| markdown_cell(c)).collect();
                format!("| {} |\n", escaped.join(" | "))
            };
            let mut out = line(&header);
            out += &line(&vec!["---".to_string(); header.len()]);
            rows.iter().for_each(|r| out += &line(r));
            out
        }
        MetricsFormat::Table => aligned(cells(report, readable)),
    }
}

/// A cell that cannot break a Markdown table row: free text (units, the observable's name,
/// the time unit) may hold `|`, backslashes or line breaks.
fn markdown_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A cell of the aligned table on one line (control characters as spaces).
fn single_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Four significant digits, fixed-point in a readable range, else scientific.
fn readable(x: f64) -> String {
    if !x.is_finite() {
        return format_float(x);
    }
    let a = x.abs();
    if a == 0.0 || (1e-3..1e6).contains(&a) {
        let decimals = if a == 0.0 {
            0
        } else {
            (3 - a.log10().floor() as i32).clamp(0, 6) as usize
        };
        let s = format!("{x:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        format!("{x:.3e}")
    }
}

fn with_unit(name: &str, unit: Option<&str>) -> String {
    match unit {
        Some(u) => format!("{name} [{u}]"),
        None => name.to_string(),
    }
}

type Cells = (Vec<String>, Vec<Vec<String>>);

/// The comparison as the terminal table shows it: header cells (with units) and one row of
/// readable cells per regimen (`-` for a missing value).
pub fn metrics_table(report: &MetricsReport<'_>) -> (Vec<String>, Vec<Vec<String>>) {
    cells(report, readable)
}

fn cells(report: &MetricsReport<'_>, number: fn(f64) -> String) -> Cells {
    let time = |name: &str| with_unit(name, report.time_unit);
    let opt = |x: Option<f64>| x.map_or_else(|| "-".to_string(), number);
    let mut header = vec!["regimen".to_string()];
    if let Some(o) = &report.watchlist.observable {
        let unit = o.unit.as_deref();
        header.extend([
            with_unit("nadir", unit),
            time("t_nadir"),
            time("relapse_time"),
            "status".to_string(),
            time("delay_vs_baseline"),
        ]);
        if o.detection_limit.is_some() {
            header.push(time("time_below_detection"));
        }
        header.extend([
            "depth".to_string(),
            "log10_depth".to_string(),
            with_unit("final", unit),
            "auc".to_string(),
        ]);
    }
    for e in &report.watchlist.exposures {
        let unit = e.unit.as_deref();
        header.extend([
            with_unit(&format!("{} cmax", e.name), unit),
            time(&format!("{} tmax", e.name)),
            with_unit(&format!("{} trough_min", e.name), unit),
            with_unit(&format!("{} trough_last", e.name), unit),
            format!("{} auc", e.name),
        ]);
        if e.above_target.is_some() {
            header.push(time(&format!("{} time_above_target", e.name)));
        }
    }
    header.extend(["doses_given".to_string(), "doses_skipped".to_string()]);
    let rows = report
        .regimens
        .iter()
        .map(|m| {
            let mut row = vec![m.regimen.clone()];
            if let Some(o) = &m.observable {
                row.extend([
                    number(o.nadir.value),
                    number(o.nadir.time),
                    opt(o.relapse_time),
                    o.relapse_status.as_str().to_string(),
                    opt(m.delay_vs_baseline),
                ]);
                if let Some(d) = &o.detection {
                    row.push(number(d.time_below));
                }
                row.extend([
                    number(o.depth_of_response),
                    number(o.log10_depth),
                    number(o.final_value),
                    number(o.auc),
                ]);
            }
            for (e, w) in m.exposures.iter().zip(&report.watchlist.exposures) {
                exposure_cells(e, w, (number, "-"), &mut row);
            }
            row.extend([m.dosing.given.to_string(), m.dosing.skipped.to_string()]);
            row
        })
        .collect();
    (header, rows)
}

/// An exposure output's cells: Cmax, tmax, trough_min, trough_last, AUC and, when the output
/// has a target, time above it; `missing` stands for an absent value.
pub(super) fn exposure_cells(
    e: &ExposureMetrics,
    w: &ExposureWatch,
    (number, missing): (fn(f64) -> String, &str),
    cells: &mut Vec<String>,
) {
    let opt = |x: Option<f64>| x.map_or_else(|| missing.to_string(), number);
    cells.extend([
        number(e.cmax.value),
        number(e.cmax.time),
        opt(e.trough_min),
        opt(e.trough_last),
        number(e.auc),
    ]);
    if w.above_target.is_some() {
        cells.push(opt(e.time_above_target));
    }
}

fn aligned((header, rows): Cells) -> String {
    let header: Vec<String> = header.iter().map(|c| single_line(c)).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| single_line(c)).collect())
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            std::iter::once(&header)
                .chain(&rows)
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, &w))| {
                if i == 0 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(&header);
    out += &line(&widths.iter().map(|&w| "-".repeat(w)).collect::<Vec<_>>());
    rows.iter().for_each(|r| out += &line(r));
    out
}

fn num(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

fn opt_num(x: Option<f64>) -> Value {
    x.map_or(Value::Null, num)
}

fn timed(v: TimedValue) -> Value {
    json!({ "value": num(v.value), "time": num(v.time) })
}

fn json_document(report: &MetricsReport<'_>) -> Value {
    let regimens: Vec<Value> = report
        .regimens
        .iter()
        .map(|m| {
            let mut entry = json!({ "name": m.regimen, "delay_vs_baseline": opt_num(m.delay_vs_baseline) });
            if let Some(o) = &m.observable {
                let fields = json!({
                    "nadir": timed(o.nadir),
                    "relapse_time": opt_num(o.relapse_time),
                    "relapse_status": o.relapse_status.as_str(),
                    "detection": o.detection.map_or(Value::Null, |d| json!({
                        "time_below": num(d.time_below),
                        "first_below": opt_num(d.first_below),
                        "last_below": opt_num(d.last_below),
                    })),
                    "depth_of_response": num(o.depth_of_response),
                    "log10_depth": num(o.log10_depth),
                    "final_value": num(o.final_value),
                    "auc": num(o.auc),
                    "cycle_nadirs": o.cycle_nadirs.iter().map(|c| json!({
                        "cycle": c.cycle,
                        "start": num(c.start),
                        "end": num(c.end),
                        "value": num(c.nadir.value),
                        "time": num(c.nadir.time),
                    })).collect::<Vec<Value>>(),
                });
                merge(&mut entry, fields);
            }
            let exposure: serde_json::Map<String, Value> = m
                .exposures
                .iter()
                .map(|e| {
                    let value = json!({
                        "cmax": num(e.cmax.value),
                        "tmax": num(e.cmax.time),
                        "trough_min": opt_num(e.trough_min),
                        "trough_last": opt_num(e.trough_last),
                        "auc": num(e.auc),
                        "time_above_target": opt_num(e.time_above_target),
                    });
                    (e.name.clone(), value)
                })
                .collect();
            merge(&mut entry, json!({ "exposure": exposure }));
            let switch_events: Vec<Value> = m
                .dosing
                .switch_events
                .iter()
                .map(|e| json!({ "time": num(e.time), "switch": e.switch, "value": e.value }))
                .collect();
            merge(
                &mut entry,
                json!({
                    "doses_given": m.dosing.given,
                    "doses_skipped": m.dosing.skipped,
                    "switch_events": switch_events,
                }),
            );
            entry
        })
        .collect();
    let observable = report.watchlist.observable.as_ref().map_or(Value::Null, |o| {
        json!({
            "name": o.name, "unit": o.unit, "threshold": num(o.threshold),
            "detection_limit": opt_num(o.detection_limit), "initial_value": num(o.initial_value),
        })
    });
    json!({
        "model": report.model,
        "t_end": report.t_end,
        "time_unit": report.time_unit,
        "baseline": report.baseline,
        "observable": observable,
        "regimens": regimens,
    })
}

fn merge(target: &mut Value, extra: Value) {
    if let (Value::Object(t), Value::Object(e)) = (target, extra) {
        t.extend(e);
    }
}

#[cfg(test)]
mod tests {
    use super::{markdown_cell, readable, single_line};

    #[test]
    fn free_text_cannot_break_a_table_row() {
        // GitHub-flavoured Markdown: `\|` is a literal pipe inside a cell; a line break ends the row.
        assert_eq!(markdown_cell("cells|x\nper mL\\"), "cells\\|x per mL\\\\");
        assert_eq!(single_line("a\nb\tc"), "a b c");
    }

    #[test]
    fn readable_numbers() {
        assert_eq!(readable(104.6624), "104.7");
        assert_eq!(readable(0.356), "0.356");
        assert_eq!(readable(1e9), "1.000e9");
        assert_eq!(readable(0.0), "0");
        assert_eq!(readable(2.0), "2");
    }
}
