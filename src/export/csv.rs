//! Trajectory CSV.

/// Shortest round-trip decimal form of `x` (`1e-7`, not `0.0000001`); `NaN`, `inf`, `-inf`.
pub(crate) fn format_float(x: f64) -> String {
    float_text(&mut ryu::Buffer::new(), x).to_string()
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
    let mut writer = TrajectoryWriter::new(Vec::new(), columns)?;
    for table in tables {
        for (t, row) in table.times.iter().zip(&table.rows) {
            writer.row(&table.regimen, *t, row)?;
        }
    }
    writer.finish()
}

/// Writes the trajectory CSV of [`trajectory_csv`] row by row as rows arrive, byte for byte the
/// same, through a buffer and with no allocation per number.
pub struct TrajectoryWriter<W: std::io::Write> {
    writer: csv::Writer<W>,
    number: ryu::Buffer,
}

impl<W: std::io::Write> TrajectoryWriter<W> {
    /// Starts the CSV on `sink` with its header `regimen,time,<columns>`.
    pub fn new(sink: W, columns: &[String]) -> Result<Self, csv::Error> {
        let mut writer = csv::Writer::from_writer(sink);
        let header = ["regimen", "time"]
            .iter()
            .map(|s| s.as_bytes())
            .chain(columns.iter().map(String::as_bytes));
        writer.write_record(header)?;
        Ok(Self {
            writer,
            number: ryu::Buffer::new(),
        })
    }

    /// Writes the row of `regimen` at time `t` with the output `values`.
    pub fn row(&mut self, regimen: &str, t: f64, values: &[f64]) -> Result<(), csv::Error> {
        self.writer.write_field(regimen)?;
        for &x in std::iter::once(&t).chain(values) {
            let text = float_text(&mut self.number, x);
            self.writer.write_field(text)?;
        }
        self.writer.write_record(None::<&[u8]>)
    }

    /// Flushes the buffer and returns the sink.
    pub fn finish(self) -> Result<W, csv::Error> {
        self.writer.into_inner().map_err(|e| e.into_error().into())
    }
}

/// [`format_float`] into `buffer`, without allocating.
fn float_text(buffer: &mut ryu::Buffer, x: f64) -> &str {
    if x.is_nan() {
        "NaN"
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }
    } else {
        let s = buffer.format_finite(x);
        s.strip_suffix(".0").unwrap_or(s)
    }
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
