//! What a population run is, as data: the description every shard of one run shares (written
//! into `shard.json`), from which the summary files of a single run or of a merge are made.

use std::path::Path;

use relapse::export::Provenance;
use serde::{Deserialize, Serialize};

use crate::cli::CliError;

/// The name of a shard folder's manifest.
pub(crate) const MANIFEST: &str = "shard.json";
/// `format` of a shard manifest.
const FORMAT: &str = "relapse-population-shard";
/// Version of the shard layout; a merge refuses another.
const VERSION: u32 = 1;

/// A regimen's name and title.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RegimenLabel {
    pub(crate) name: String,
    pub(crate) title: Option<String>,
}

/// The relapse observable's labels and levels (for the figure).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ObservableLabel {
    pub(crate) name: String,
    pub(crate) unit: Option<String>,
    pub(crate) threshold: f64,
    pub(crate) detection_limit: Option<f64>,
    /// `[relapse] threshold_label` (absent from shards written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) threshold_label: Option<String>,
    /// `[relapse] detection_label`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) detection_label: Option<String>,
}

/// Everything that determines a population run's results: identical in every shard of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RunDescription {
    pub(crate) model: String,
    pub(crate) title: Option<String>,
    pub(crate) time_unit: Option<String>,
    pub(crate) t_end: f64,
    pub(crate) patients: u64,
    pub(crate) baseline: usize,
    pub(crate) regimens: Vec<RegimenLabel>,
    pub(crate) landmarks: Vec<f64>,
    pub(crate) observable: ObservableLabel,
    /// Names of the parameters reported per patient (columns of patients.csv).
    pub(crate) parameters: Vec<String>,
    /// Output column names (trajectories.csv).
    pub(crate) outputs: Vec<String>,
    /// Whether trajectories.csv and bands.csv are written.
    pub(crate) trajectories: bool,
    /// The output grid the observable is recorded on (with --trajectories or --plot).
    pub(crate) grid: Option<Vec<f64>>,
    pub(crate) provenance: Provenance,
}

impl RunDescription {
    /// Bytes of observable values per patient in `observables.bin`.
    pub(crate) fn observable_bytes_per_patient(&self) -> u64 {
        let times = self.grid.as_ref().map_or(0, Vec::len) as u64;
        times * self.regimens.len() as u64 * 8
    }
}

/// `shard.json`: which patients a shard folder holds, and the run they belong to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ShardManifest {
    pub(crate) format: String,
    pub(crate) version: u32,
    pub(crate) shard: u64,
    pub(crate) shards: u64,
    pub(crate) first_patient: u64,
    pub(crate) patient_count: u64,
    pub(crate) run: RunDescription,
}

impl ShardManifest {
    pub(crate) fn new(shard: Shard, run: RunDescription) -> Self {
        let range = shard.patients(run.patients);
        Self {
            format: FORMAT.to_string(),
            version: VERSION,
            shard: shard.index,
            shards: shard.count,
            first_patient: range.start,
            patient_count: range.end - range.start,
            run,
        }
    }

    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the manifest serialises") + "\n"
    }

    /// Reads `DIR/shard.json`.
    pub(crate) fn read(dir: &Path) -> Result<Self, CliError> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => CliError::Usage(format!(
                "`{}` is not a shard folder: it has no {MANIFEST} (write shards with `relapse population --shard K/N --out DIR`)",
                dir.display()
            )),
            _ => CliError::Io(format!("cannot read `{}`: {e}", path.display())),
        })?;
        let manifest: Self = serde_json::from_str(&text)
            .map_err(|e| CliError::Usage(format!("`{}` is not a shard manifest: {e}", path.display())))?;
        if manifest.format != FORMAT || manifest.version != VERSION {
            return Err(CliError::Usage(format!(
                "`{}` is a {} version {} manifest; this relapse reads {FORMAT} version {VERSION}",
                path.display(),
                manifest.format,
                manifest.version
            )));
        }
        Ok(manifest)
    }
}

/// Shard K of N: patients are split into N contiguous blocks by index, block K holding
/// ⌊K·P/N⌋ ≤ i < ⌊(K+1)·P/N⌋, so the shards' files concatenate in shard order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shard {
    pub(crate) index: u64,
    pub(crate) count: u64,
}

impl Shard {
    /// The whole population as one shard.
    pub(crate) const WHOLE: Self = Self { index: 0, count: 1 };

    /// Parses `K/N`.
    pub(crate) fn parse(text: &str) -> Result<Self, CliError> {
        let invalid = |why: String| {
            CliError::Usage(format!(
                "`--shard {text}`: {why}; expected K/N with 0 ≤ K < N, e.g. `--shard 0/4` … `--shard 3/4`"
            ))
        };
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| invalid("no `/`".to_string()))?;
        let number = |s: &str, what: &str| {
            s.trim()
                .parse::<u64>()
                .map_err(|_| invalid(format!("{what} `{}` is not a whole number ≥ 0", s.trim())))
        };
        let (index, count) = (number(k, "K")?, number(n, "N")?);
        if count == 0 {
            return Err(invalid("N must be ≥ 1".to_string()));
        }
        if index >= count {
            return Err(invalid(format!(
                "K must be below N (shards are numbered 0 to {})",
                count - 1
            )));
        }
        Ok(Self { index, count })
    }

    /// The patient indices of this shard among `patients`.
    pub(crate) fn patients(self, patients: u64) -> std::ops::Range<u64> {
        let bound = |k: u64| (u128::from(k) * u128::from(patients) / u128::from(self.count)) as u64;
        bound(self.index)..bound(self.index + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::Shard;

    #[test]
    fn shards_parse_and_split_contiguously() {
        assert_eq!(Shard::parse("3/4").unwrap(), Shard { index: 3, count: 4 });
        for bad in ["4/4", "1/0", "x", "1", "-1/4", "1/x", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        let ranges: Vec<_> = (0..4)
            .map(|k| Shard { index: k, count: 4 }.patients(10))
            .collect();
        assert_eq!(ranges, [0..2, 2..5, 5..7, 7..10]);
        // More shards than patients: some are empty, all together cover everyone once.
        let tiny: Vec<_> = (0..3).map(|k| Shard { index: k, count: 3 }.patients(2)).collect();
        assert_eq!(tiny, [0..0, 0..1, 1..2]);
        let huge = Shard {
            index: 99,
            count: 100,
        }
        .patients(u64::MAX);
        assert_eq!(huge.end, u64::MAX);
    }
}
