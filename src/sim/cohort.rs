//! A cohort: patients × regimens, run in parallel and returned in patient order.

use std::ops::Range;

use rayon::prelude::{IntoParallelIterator, ParallelIterator};

use super::{RegimenRun, RunFailure, RunPlan, run_patient};
use crate::model::Model;
use crate::population::{Patients, SampleError};

/// Everything needed to run any patient of a population.
#[derive(Debug, Clone, Copy)]
pub struct Cohort<'a> {
    /// The validated model.
    pub model: &'a Model,
    /// Where each patient's parameter values come from.
    pub patients: &'a Patients,
    /// The regimens to run, as indices into the compiled model's regimens.
    pub regimens: &'a [usize],
    /// How each run is made.
    pub plan: &'a RunPlan,
}

/// One patient's runs.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientResult {
    /// Patient index in the population (0-based).
    pub index: u64,
    /// Patient id (the index, or the `--parameters` row's id).
    pub id: String,
    /// The patient's parameter vector (one value per model parameter), if it could be sampled.
    pub values: Result<Vec<f64>, SampleError>,
    /// One result per regimen of the cohort, in cohort order.
    pub runs: Vec<Result<RegimenRun, RunFailure>>,
}

impl Cohort<'_> {
    /// Runs patients `patients` (indices) in parallel in the current rayon thread pool (install
    /// one with `ThreadPool::install` to choose the thread count), calling `done` after each
    /// patient. Results are in patient order, and each patient's are independent of the thread
    /// count: a patient is sampled from its own random stream and solved on its own.
    pub fn run(&self, patients: Range<u64>, done: &(dyn Fn() + Sync)) -> Vec<PatientResult> {
        let count = patients.end.saturating_sub(patients.start) as usize;
        (0..count)
            .into_par_iter()
            .map(|offset| {
                let result = self.run_one(patients.start + offset as u64);
                done();
                result
            })
            .collect()
    }

    /// Runs one patient (all regimens).
    pub fn run_one(&self, index: u64) -> PatientResult {
        let values = self.patients.values(index);
        let runs = match &values {
            Ok(values) => run_patient(self.model, values, self.regimens, self.plan),
            Err(e) => vec![Err(RunFailure::InvalidParameters(e.to_string())); self.regimens.len()],
        };
        PatientResult {
            index,
            id: self.patients.id(index),
            values,
            runs,
        }
    }
}
