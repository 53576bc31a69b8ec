//! Resolution of solver settings: command-line flag, else the model's [solver] value, else default.

use relapse::model::{Model, OutputGrid, ParameterOverride};
use relapse::solve::SolverOptions;

use super::CliError;
use super::args::SolverArgs;

/// Everything needed to run one model's regimens.
pub(crate) struct RunSettings {
    pub(crate) options: SolverOptions,
    pub(crate) t_end: f64,
    pub(crate) output_times: Vec<f64>,
    pub(crate) overrides: Vec<ParameterOverride>,
}

/// Default number of output intervals when neither the file nor the flags set a grid.
const DEFAULT_OUTPUT_INTERVALS: f64 = 100.0;

fn positive(flag: &str, value: Option<f64>) -> Result<Option<f64>, CliError> {
    match value {
        Some(x) if !(x > 0.0 && x.is_finite()) => Err(CliError::Usage(format!(
            "`{flag}` must be a finite number > 0, found {x}"
        ))),
        other => Ok(other),
    }
}

pub(crate) fn resolve(model: &Model, args: &SolverArgs) -> Result<RunSettings, CliError> {
    let file = &model.solver;
    let n = model.states.len();
    let t_end = positive("--t-end", args.t_end)?.or(file.t_end).ok_or_else(|| {
        CliError::Usage("no end time: give `--t-end T` or set `t_end` in [solver]".to_string())
    })?;
    let mut options = SolverOptions::new(n);
    options.method = args.method.map(Into::into).or(file.method).unwrap_or_default();
    options.rtol = positive("--rtol", args.rtol)?
        .or(file.rtol)
        .unwrap_or(options.rtol);
    options.atol = match (positive("--atol", args.atol)?, &file.atol) {
        (Some(a), _) => vec![a; n],
        (None, Some(table)) => table.to_vec(n),
        (None, None) => options.atol,
    };
    if args.max_steps == Some(0) {
        return Err(CliError::Usage("`--max-steps` must be ≥ 1".to_string()));
    }
    options.max_steps = args.max_steps.or(file.max_steps).unwrap_or(options.max_steps);
    let output_times = output_times(args, file.output.as_ref(), t_end)?;
    let overrides = parse_overrides(model, &args.set)?;
    Ok(RunSettings {
        options,
        t_end,
        output_times,
        overrides,
    })
}

fn output_times(args: &SolverArgs, file: Option<&OutputGrid>, t_end: f64) -> Result<Vec<f64>, CliError> {
    let grid = match (&args.times, positive("--output-step", args.output_step)?) {
        (Some(times), _) => OutputGrid::Times(times.clone()),
        (None, Some(step)) => OutputGrid::Step(step),
        (None, None) => file
            .cloned()
            .unwrap_or(OutputGrid::Step(t_end / DEFAULT_OUTPUT_INTERVALS)),
    };
    match grid {
        OutputGrid::Step(step) => Ok(step_grid(step, t_end)),
        OutputGrid::Times(times) => {
            if let Some(bad) = times.iter().find(|&&t| !(0.0..=t_end).contains(&t)) {
                return Err(CliError::Usage(format!(
                    "output time {bad} is outside [0, t_end = {t_end}]"
                )));
            }
            if times.windows(2).any(|w| w[1] <= w[0]) {
                return Err(CliError::Usage(
                    "output times must be strictly increasing".to_string(),
                ));
            }
            Ok(times)
        }
    }
}

/// `i * step` for i = 0, 1, … up to t_end, plus t_end itself (unless within rounding of the last).
pub(crate) fn step_grid(step: f64, t_end: f64) -> Vec<f64> {
    let mut times = Vec::new();
    let mut i = 0u64;
    loop {
        let t = i as f64 * step;
        if t > t_end * (1.0 + 1e-12) {
            break;
        }
        times.push(t.min(t_end));
        i += 1;
    }
    if times.last().is_some_and(|&last| (t_end - last) > 1e-12 * t_end) {
        times.push(t_end);
    }
    times
}

fn parse_overrides(model: &Model, set: &[String]) -> Result<Vec<ParameterOverride>, CliError> {
    set.iter()
        .map(|item| {
            let (name, value) = item.split_once('=').ok_or_else(|| {
                CliError::Usage(format!(
                    "`--set {item}`: expected NAME=VALUE, e.g. `--set CL=350`"
                ))
            })?;
            let name = name.trim();
            let value: f64 = value
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| {
                    CliError::Usage(format!(
                        "`--set {item}`: `{}` is not a finite number",
                        value.trim()
                    ))
                })?;
            if model.parameter_index(name).is_none() {
                let hint = relapse::suggest::closest(name, model.parameters.iter().map(|p| p.name.as_str()))
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                return Err(CliError::Usage(format!(
                    "`--set`: unknown parameter `{name}`{hint}"
                )));
            }
            Ok(ParameterOverride {
                name: name.to_string(),
                value,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::step_grid;

    #[test]
    fn grid_ends_at_t_end() {
        assert_eq!(step_grid(0.25, 1.0), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(step_grid(0.4, 1.0), vec![0.0, 0.4, 0.8, 1.0]);
        assert_eq!(step_grid(0.1, 0.3).len(), 4);
    }
}
