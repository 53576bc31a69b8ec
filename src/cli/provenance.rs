//! The provenance of a run from its inputs (model text, resolved settings), for the JSON
//! outputs, the figures' metadata and the HTML report.

use relapse::export::{PROVENANCE_KEYWORD, RunProvenance, SolverProvenance};
use relapse::model::CompiledModel;
use relapse::plot::ImageMetadata;
use sha2::{Digest, Sha256};

use super::settings::RunSettings;

/// Lowercase hexadecimal SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The integrator settings of `settings`, tolerances by state name.
pub(crate) fn solver_provenance(settings: &RunSettings, compiled: &CompiledModel) -> SolverProvenance {
    let options = &settings.options;
    SolverProvenance {
        method: options.method.name().to_string(),
        rtol: options.rtol,
        atol: compiled
            .state_names
            .iter()
            .cloned()
            .zip(options.atol.iter().copied())
            .collect(),
        max_steps: options.max_steps,
    }
}

/// The provenance of a deterministic run of the model whose file text is `source`.
pub(crate) fn run_provenance(
    source: &str,
    settings: &RunSettings,
    compiled: &CompiledModel,
) -> RunProvenance {
    RunProvenance {
        relapse_version: env!("CARGO_PKG_VERSION").to_string(),
        model_sha256: sha256_hex(source.as_bytes()),
        seed: None,
        overrides: settings
            .overrides
            .iter()
            .map(|o| (o.name.clone(), o.value))
            .collect(),
        t_end: settings.t_end,
        solver: solver_provenance(settings, compiled),
    }
}

/// Image metadata carrying `provenance_json` (and the program that drew the image).
pub(crate) fn image_metadata(provenance_json: String) -> ImageMetadata {
    ImageMetadata::default()
        .with("Software", format!("relapse {}", env!("CARGO_PKG_VERSION")))
        .with(PROVENANCE_KEYWORD, provenance_json)
}
