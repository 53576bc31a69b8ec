//! Resolution of solver settings: command-line flag, else the model's [solver] value, else default.

use relapse::model::{Engine, Model, OutputGrid, ParameterOverride};
use relapse::solve::SolverOptions;

use super::CliError;
use super::args::SolverArgs;

/// Everything needed to run one model's regimens.
pub(crate) struct RunSettings {
    pub(crate) options: SolverOptions,
    /// How the model's programs are evaluated.
    pub(crate) engine: Engine,
    pub(crate) t_end: f64,
    pub(crate) overrides: Vec<ParameterOverride>,
    /// The output grid (explicit times already validated), built only by `simulate`.
    output: OutputGrid,
    max_rows: u64,
}

impl RunSettings {
    /// The output times of `simulate`; fails if there would be more than the row limit or the
    /// step does not advance `t`.
    pub(crate) fn output_times(&self) -> Result<Vec<f64>, CliError> {
        match &self.output {
            OutputGrid::Step(step) => step_grid(*step, self.t_end, self.max_rows),
            OutputGrid::Times(times) if times.len() as u64 > self.max_rows => Err(too_many_rows(
                times.len() as f64,
                self.max_rows,
                "the output times",
            )),
            OutputGrid::Times(times) => Ok(times.clone()),
        }
    }

    /// The output times of `simulate` as a lazy sequence (same times and checks as
    /// [`output_times`](Self::output_times)), so a fine grid takes no memory per row.
    pub(crate) fn output_grid(&self) -> Result<Grid<'_>, CliError> {
        match &self.output {
            OutputGrid::Step(step) => Ok(Grid::Step(StepGrid::checked(*step, self.t_end, self.max_rows)?)),
            OutputGrid::Times(times) if times.len() as u64 > self.max_rows => Err(too_many_rows(
                times.len() as f64,
                self.max_rows,
                "the output times",
            )),
            OutputGrid::Times(times) => Ok(Grid::Times(times.iter().copied())),
        }
    }
}

/// Output times: a regular grid computed on the fly, or the listed times.
#[derive(Clone, Debug)]
pub(crate) enum Grid<'a> {
    Step(StepGrid),
    Times(std::iter::Copied<std::slice::Iter<'a, f64>>),
}

impl Iterator for Grid<'_> {
    type Item = f64;

    fn next(&mut self) -> Option<f64> {
        match self {
            Self::Step(grid) => grid.next(),
            Self::Times(times) => times.next(),
        }
    }
}

/// Default number of output intervals when neither the file nor the flags set a grid.
const DEFAULT_OUTPUT_INTERVALS: f64 = 100.0;
/// Default limit on output rows per regimen (`--max-rows`, `[solver] max_output_rows`): with a
/// few columns, about a gigabyte of CSV.
pub(crate) const DEFAULT_MAX_OUTPUT_ROWS: u64 = 10_000_000;

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
    if args.max_rows == Some(0) {
        return Err(CliError::Usage("`--max-rows` must be ≥ 1".to_string()));
    }
    let max_rows = args
        .max_rows
        .or(file.max_output_rows)
        .unwrap_or(DEFAULT_MAX_OUTPUT_ROWS);
    let output = output_grid(args, file.output.as_ref(), t_end)?;
    let overrides = parse_overrides(model, &args.set)?;
    Ok(RunSettings {
        options,
        engine: args.engine.map(Into::into).unwrap_or_default(),
        t_end,
        overrides,
        output,
        max_rows,
    })
}

/// The grid asked for; explicit times are checked here, a step grid when it is built.
fn output_grid(args: &SolverArgs, file: Option<&OutputGrid>, t_end: f64) -> Result<OutputGrid, CliError> {
    let grid = match (&args.times, positive("--output-step", args.output_step)?) {
        (Some(times), _) => OutputGrid::Times(times.clone()),
        (None, Some(step)) => OutputGrid::Step(step),
        (None, None) => match file {
            Some(grid) => grid.clone(),
            None => {
                let step = t_end / DEFAULT_OUTPUT_INTERVALS;
                OutputGrid::Step(step)
            }
        },
    };
    match grid {
        OutputGrid::Step(step) => Ok(OutputGrid::Step(step)),
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
            Ok(OutputGrid::Times(times))
        }
    }
}

fn too_many_rows(rows: f64, max_rows: u64, source: &str) -> CliError {
    CliError::Usage(format!(
        "{source}: {rows} output rows per regimen, more than the limit of {max_rows}; use a larger `--output-step` or fewer `--times`, or raise the limit with `--max-rows N` or `[solver] max_output_rows`"
    ))
}

/// `i * step` for i = 0, 1, … up to t_end, plus t_end itself (unless within rounding of the last).
/// The row count is computed first and refused beyond `max_rows`; a step too small to advance
/// `t` is refused too.
pub(crate) fn step_grid(step: f64, t_end: f64, max_rows: u64) -> Result<Vec<f64>, CliError> {
    Ok(StepGrid::checked(step, t_end, max_rows)?.collect())
}

/// The times of [`step_grid`] produced one by one, so that a long grid takes no memory.
#[derive(Clone, Debug)]
pub(crate) struct StepGrid {
    step: f64,
    t_end: f64,
    i: u64,
    last: Option<f64>,
    done: bool,
}

impl StepGrid {
    /// The grid, after one pass that checks the row limit and that every step advances `t`.
    pub(crate) fn checked(step: f64, t_end: f64, max_rows: u64) -> Result<Self, CliError> {
        if step.is_nan() || step <= 0.0 {
            // Only the default step t_end/100 can get here: flags and the file require > 0.
            return Err(CliError::Usage(format!(
                "the output step t_end/100 underflows to 0 for t_end = {t_end:e}; give `--times 0,{t_end:e}` or `--output-step`"
            )));
        }
        let source = || format!("output step {step:e} over t_end = {t_end:e}");
        // One row per whole step and one for t = 0 (t_end may add one more, checked at the end).
        let rows = (t_end / step).floor() + 1.0;
        if rows.is_nan() || rows > max_rows as f64 {
            return Err(too_many_rows(rows, max_rows, &source()));
        }
        let grid = Self {
            step,
            t_end,
            i: 0,
            last: None,
            done: false,
        };
        let mut count = 0u64;
        let mut last: Option<f64> = None;
        for t in grid.clone() {
            if last.is_some_and(|l| t <= l) {
                return Err(CliError::Usage(format!(
                    "output step {step:e} does not advance time at t = {t:e}; use a larger `--output-step`"
                )));
            }
            last = Some(t);
            count += 1;
        }
        if count > max_rows {
            return Err(too_many_rows(count as f64, max_rows, &source()));
        }
        Ok(grid)
    }
}

impl Iterator for StepGrid {
    type Item = f64;

    fn next(&mut self) -> Option<f64> {
        if self.done {
            return None;
        }
        let t = self.i as f64 * self.step;
        let next = if t > self.t_end * (1.0 + 1e-12) {
            self.done = true;
            // t_end itself closes the grid unless the last time is within rounding of it.
            self.last
                .filter(|&last| (self.t_end - last) > 1e-12 * self.t_end)
                .map(|_| self.t_end)
        } else {
            self.i += 1;
            Some(t.min(self.t_end))
        };
        if next.is_some() {
            self.last = next;
        }
        next
    }
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
            if let Some(why) = model.not_settable(name) {
                return Err(CliError::Usage(format!("`--set {name}`: {why}")));
            }
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

    fn grid(step: f64, t_end: f64) -> Vec<f64> {
        step_grid(step, t_end, 1000).expect("a small grid")
    }

    #[test]
    fn grid_ends_at_t_end() {
        assert_eq!(grid(0.25, 1.0), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(grid(0.4, 1.0), vec![0.0, 0.4, 0.8, 1.0]);
        assert_eq!(grid(0.1, 0.3).len(), 4);
    }

    #[test]
    fn grids_beyond_the_row_limit_or_not_advancing_are_refused_before_allocation() {
        // 1e12 / 1e-6 + 1 ≈ 1e18 rows: refused from the count alone (nothing is allocated).
        let e = step_grid(1e-6, 1e12, 10_000_000).unwrap_err().to_string();
        assert!(
            e.contains("1000000000000000000 output rows") && e.contains("--max-rows"),
            "{e}"
        );
        // 0, 0.4, 0.8 and t_end = 1: four rows, found only after the grid is built.
        assert!(step_grid(0.4, 1.0, 3).is_err());
        // t_end / 5e-324 overflows to inf rows.
        assert!(step_grid(5e-324, 1.0, 10_000_000).is_err());
        // The limit is inclusive: 0, 0.25, …, 1 is 5 rows.
        assert_eq!(step_grid(0.25, 1.0, 5).map(|g| g.len()).ok(), Some(5));
        assert!(step_grid(0.25, 1.0, 4).is_err());
        // A subnormal t_end with its own step still advances: 0 and t_end.
        assert_eq!(step_grid(5e-324, 5e-324, 10).ok(), Some(vec![0.0, 5e-324]));
    }
}
