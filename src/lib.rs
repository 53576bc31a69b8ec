//! relapse: ODE pharmacodynamics of relapse after targeted therapy.
//!
//! ```text
//! model file (TOML) ──model::load──▶ Model ──Model::compile──▶ CompiledModel
//!                                                      │ (expr: bytecode programs,
//!                                                      │  regimen: dose schedules)
//!                                                      ▼
//!                              solve::simulate (Dormand–Prince 5(4) / DOP853, dose events)
//!                                                      ▼
//!                                  Trajectory ──export──▶ CSV bytes
//!
//! population: Patients (sampled or a CSV) ──sim::Cohort──▶ per patient: Model::compile_values,
//!   then per regimen CompiledModel::measure_recording (metrics, optional grid) ──▶ Outcome
//!   ──sim::summarize (survival: Kaplan–Meier, log-rank, …)──▶ RegimenSummary ──export──▶ CSV/JSON
//! ```
//! The library never prints; the `relapse` binary (module `cli`) is the only place that does.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod atomic;
pub(crate) mod csv_text;
pub mod diagnostic;
pub mod export;
pub mod expr;
pub mod metrics;
pub mod model;
pub mod observed;
pub mod plot;
pub mod population;
pub mod regimen;
pub mod report;
pub mod sim;
pub mod solve;
pub mod suggest;
pub mod survival;
pub mod units;
