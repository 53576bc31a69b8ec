//! The patients of a population run: sampled from the `[population]` spec, or read from a
//! `--parameters` file. Either way patient `i` has an id and one value per model parameter.

use super::parameters_csv::ParameterTable;
use super::sampling::{Population, SampleError};

/// Where the patients come from.
#[derive(Debug, Clone)]
pub enum Patients {
    /// `count` patients sampled from `population`; ids are the indices 0, 1, 2, ….
    Sampled {
        /// The seeded population.
        population: Population,
        /// Number of patients.
        count: u64,
    },
    /// The rows of a parameters file; ids are its `id` cells, verbatim.
    Table {
        /// The file's patients.
        table: ParameterTable,
        /// Values of the parameters without a column (one per model parameter).
        typical: Vec<f64>,
    },
}

impl Patients {
    /// Number of patients.
    pub fn count(&self) -> u64 {
        match self {
            Self::Sampled { count, .. } => *count,
            Self::Table { table, .. } => table.len() as u64,
        }
    }

    /// The id of patient `index` (< [`Self::count`]).
    pub fn id(&self, index: u64) -> String {
        match self {
            Self::Sampled { .. } => index.to_string(),
            Self::Table { table, .. } => table.id(index as usize).to_string(),
        }
    }

    /// Model parameter indices that differ between patients, as reported per patient: the
    /// varying parameters in eta order, or the file's columns in file order.
    pub fn reported_parameters(&self) -> Vec<usize> {
        match self {
            Self::Sampled { population, .. } => population.varied_parameters().collect(),
            Self::Table { table, .. } => table.columns().to_vec(),
        }
    }

    /// Patient `index`'s parameter vector (one value per model parameter, in model order).
    pub fn values(&self, index: u64) -> Result<Vec<f64>, SampleError> {
        match self {
            Self::Sampled { population, .. } => population.sample_patient(index),
            Self::Table { table, typical } => Ok(table.patient(index as usize, typical)),
        }
    }
}
