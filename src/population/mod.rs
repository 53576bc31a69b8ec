//! Virtual populations: the `[population]` spec, seeded sampling of patients (one random stream
//! per patient, so a patient is the same in every run, shard and regimen), and reading an
//! existing population from a `--parameters` CSV file.

mod parameters_csv;
mod patients;
mod sampling;
mod spec;

pub use parameters_csv::{MAX_LINE_BYTES, MAX_ROWS, ParameterTable, read_parameters_csv};
pub use patients::Patients;
pub use sampling::{Population, PopulationError, SampleError};
pub use spec::{
    Correlation, Distribution, MAX_PATIENTS, MIN_CORRELATION_EIGENVALUE, NotPositiveDefinite, PopulationSpec,
    Variability, omega_from_cv,
};
