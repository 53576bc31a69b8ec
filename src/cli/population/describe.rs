//! The [`RunDescription`] of a population run, from its checked inputs: what the summary files,
//! the shard manifest and the figure report about the run, provenance included.

use std::collections::BTreeMap;

use relapse::export::{EVENT_DEFINITION, Provenance};
use relapse::model::{CompiledModel, Model};
use relapse::population::Patients;

use super::manifest::{ObservableLabel, RegimenLabel, RunDescription};
use crate::cli::provenance::solver_provenance;
use crate::cli::settings::RunSettings;

/// What a run is made of.
pub(crate) struct Sources<'a> {
    pub(crate) model: &'a Model,
    pub(crate) compiled: &'a CompiledModel,
    pub(crate) settings: &'a RunSettings,
    /// The model file's text.
    pub(crate) source: &'a str,
    pub(crate) patients: &'a Patients,
}

/// What the command line chose.
pub(crate) struct Choices<'a> {
    /// Indices of the regimens run, among the compiled model's.
    pub(crate) regimens: &'a [usize],
    /// Index of the baseline among `regimens`.
    pub(crate) baseline: usize,
    pub(crate) landmarks: Vec<f64>,
    pub(crate) grid: Option<Vec<f64>>,
    pub(crate) trajectories: bool,
    pub(crate) parameters_sha256: Option<String>,
}

pub(crate) use crate::cli::provenance::sha256_hex;

/// The description of the run (for a model with a `[relapse]` observable, checked before).
pub(crate) fn describe(sources: &Sources<'_>, choices: Choices<'_>) -> RunDescription {
    let Sources {
        model,
        compiled,
        settings,
        patients,
        ..
    } = sources;
    let observable = compiled
        .monitor
        .watchlist
        .observable
        .as_ref()
        .expect("a population run's model has a [relapse] observable");
    let seed = match patients {
        Patients::Sampled { population, .. } => Some(population.seed()),
        Patients::Table { .. } => None,
    };
    RunDescription {
        model: model.name.clone(),
        title: model.title.clone(),
        time_unit: model.time_unit.clone(),
        t_end: settings.t_end,
        patients: patients.count(),
        baseline: choices.baseline,
        regimens: choices
            .regimens
            .iter()
            .map(|&r| RegimenLabel {
                name: compiled.regimens[r].name.clone(),
                title: compiled.regimens[r].title.clone(),
            })
            .collect(),
        landmarks: choices.landmarks,
        observable: ObservableLabel {
            name: observable.name.clone(),
            unit: observable.unit.clone(),
            threshold: observable.threshold,
            detection_limit: observable.detection_limit,
            threshold_label: model.relapse.as_ref().and_then(|r| r.threshold_label.clone()),
            detection_label: model.relapse.as_ref().and_then(|r| r.detection_label.clone()),
        },
        parameters: patients
            .reported_parameters()
            .iter()
            .map(|&p| model.parameters[p].name.clone())
            .collect(),
        outputs: compiled.output_names.clone(),
        trajectories: choices.trajectories,
        grid: choices.grid,
        provenance: provenance(sources, choices.parameters_sha256, seed),
    }
}

fn provenance(sources: &Sources<'_>, parameters_sha256: Option<String>, seed: Option<u64>) -> Provenance {
    Provenance {
        relapse_version: env!("CARGO_PKG_VERSION").to_string(),
        model_sha256: sha256_hex(sources.source.as_bytes()),
        parameters_sha256,
        seed,
        overrides: sources
            .settings
            .overrides
            .iter()
            .map(|o| (o.name.clone(), o.value))
            .collect::<BTreeMap<_, _>>(),
        solver: solver_provenance(sources.settings, sources.compiled),
        event_definition: EVENT_DEFINITION.to_string(),
    }
}
