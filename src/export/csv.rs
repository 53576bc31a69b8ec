//! Trajectory CSV.

/// Shortest round-trip decimal form of `x` (`1e-7`, not `0.0000001`); `NaN`, `inf`, `-inf`.
pub(crate) fn format_float(x: f64) -> String {
    if x.is_nan() {
        "NaN".to_string()
    } else if x.is_infinite() {
        if x > 0.0 {
            "inf".to_string()
        } else {
            "-inf".to_string()
        }
    } else {
        let mut buffer = ryu::Buffer::new();
        let s = buffer.format_finite(x);
        s.strip_suffix(".0").unwrap_or(s).to_string()
    }
}

/// One regimen's simulated outputs, ready for export.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputTable {
    /// Regimen name.
    pub regimen: String,
    /// Output times.
    pub times: Vec<f64>,
    /// One row of output values per time.
    pub rows: Vec<Vec<f64>>,
}

/// CSV with header `regimen,time,<columns>` and one row per regimen and output time.
pub fn trajectory_csv(columns: &[String], tables: &[OutputTable]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = ["regimen", "time"]
        .into_iter()
        .map(str::to_string)
        .chain(columns.iter().cloned());
    writer.write_record(header)?;
    for table in tables {
        for (t, row) in table.times.iter().zip(&table.rows) {
            let fields = [table.regimen.clone(), format_float(*t)]
                .into_iter()
                .chain(row.iter().map(|&v| format_float(v)));
            writer.write_record(fields)?;
        }
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_shortest_round_trip() {
        assert_eq!(format_float(1e-7), "1e-7");
        assert_eq!(format_float(2.0), "2");
        assert_eq!(format_float(0.25), "0.25");
        assert_eq!(format_float(-0.0), "-0");
        assert_eq!(format_float(1.0 / 3.0), "0.3333333333333333");
        assert_eq!(format_float(f64::NAN), "NaN");
    }
}
