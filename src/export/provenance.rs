//! The provenance of a `compare`, `plot` or `report` run: what determines its numbers, and
//! nothing that differs between identical runs (no date, no command line), so repeated runs
//! write identical bytes. Population runs have their own [`super::Provenance`] (with the
//! parameters file and the event definition).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::SolverProvenance;

/// Where a deterministic run's results came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunProvenance {
    /// `relapse` version that computed the results.
    pub relapse_version: String,
    /// SHA-256 of the model file's bytes, lowercase hex.
    pub model_sha256: String,
    /// The random seed, when the run uses one (`null` for a deterministic model run).
    pub seed: Option<u64>,
    /// `--set` values, by parameter name.
    pub overrides: BTreeMap<String, f64>,
    /// End time of the runs (model time units).
    pub t_end: f64,
    /// The integrator settings.
    pub solver: SolverProvenance,
}

impl RunProvenance {
    /// The provenance as compact JSON (for image metadata).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("provenance serialises")
    }
}

/// The PNG/SVG metadata keyword under which a figure's provenance JSON is stored.
pub const PROVENANCE_KEYWORD: &str = "relapse provenance";
