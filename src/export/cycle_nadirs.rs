//! Per-cycle nadirs of the relapse observable (`compare --cycle-nadirs FILE`): one tidy CSV
//! row per regimen and cycle, `regimen,cycle,start,end,nadir,t_nadir`, times in the shown
//! unit. Regimens without cycles have no rows.

use super::format_float;
use crate::metrics::RegimenMetrics;

/// The header of the per-cycle nadir table.
pub const CYCLE_NADIR_COLUMNS: [&str; 6] = ["regimen", "cycle", "start", "end", "nadir", "t_nadir"];

/// The per-cycle nadirs of `regimens` as CSV (header row first).
pub fn cycle_nadirs_csv(regimens: &[RegimenMetrics]) -> String {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record(CYCLE_NADIR_COLUMNS).expect("in-memory write");
    for m in regimens {
        for c in m.observable.iter().flat_map(|o| &o.cycle_nadirs) {
            writer
                .write_record([
                    m.regimen.clone(),
                    c.cycle.to_string(),
                    format_float(c.start),
                    format_float(c.end),
                    format_float(c.nadir.value),
                    format_float(c.nadir.time),
                ])
                .expect("in-memory write");
        }
    }
    String::from_utf8(writer.into_inner().expect("flush")).expect("utf-8")
}
