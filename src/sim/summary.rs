//! Relapse-free survival per regimen of a cohort, through [`crate::survival`]: counts, the
//! Kaplan–Meier median with its Brookmeyer–Crowley interval (log–log), landmark survival with
//! Greenwood log–log intervals, the restricted mean to t_end, the log-rank test against the
//! baseline regimen, and the paired delay against the baseline over patients who relapsed in
//! both (the same patient is used in every regimen).

use super::outcome::{Outcome, RunStatus};
use crate::survival::{
    IntervalKind, KaplanMeier, LogRankTest, MedianEstimate, Quartiles, SortedSample, SurvivalError,
    SurvivalEstimate, SurvivalSample, log_rank,
};

/// What the summary is computed for.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryPlan {
    /// End of follow-up (time units): `none_by_t_end` is censored here, and the restricted mean
    /// is taken up to here.
    pub t_end: f64,
    /// Times (time units) at which the relapse-free fraction is reported.
    pub landmarks: Vec<f64>,
    /// Index of the baseline regimen among the summarised ones.
    pub baseline: usize,
}

/// Paired relapse-time differences (regimen − baseline) over the patients who relapsed in both.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedDelay {
    /// Number of such patients.
    pub n: usize,
    /// Median and quartiles of the differences (time units); `None` when `n` is 0.
    pub quartiles: Option<Quartiles>,
}

/// One regimen's relapse-free survival summary.
#[derive(Debug, Clone, PartialEq)]
pub struct RegimenSummary {
    /// Patients run (failures included).
    pub patients: usize,
    /// Patients whose observable fell below the threshold.
    pub responders: usize,
    /// Patients whose observable never fell below the threshold (events at time 0).
    pub non_responders: usize,
    /// Responders who relapsed by t_end.
    pub relapsed: usize,
    /// Responders still below the threshold at t_end (censored there).
    pub relapse_free_at_end: usize,
    /// Runs that failed; left out of the survival statistics.
    pub solver_failures: usize,
    /// The Kaplan–Meier curve of the runs that did not fail.
    pub curve: KaplanMeier,
    /// Median relapse-free time with its Brookmeyer–Crowley 95 % interval (log–log).
    pub median: MedianEstimate,
    /// Relapse-free fraction at each landmark, with its Greenwood log–log 95 % interval.
    pub landmarks: Vec<SurvivalEstimate>,
    /// Restricted mean relapse-free time up to t_end (time units).
    pub rmst: f64,
    /// Log-rank test against the baseline; `None` for the baseline itself.
    pub logrank: Option<LogRankTest>,
    /// Paired delay against the baseline; `None` for the baseline itself.
    pub paired_delay: Option<PairedDelay>,
}

/// Summarises `outcomes`: one vector per regimen, each with one outcome per patient in the same
/// patient order. Errors on a relapse time or landmark that is not a usable time.
pub fn summarize(
    outcomes: &[Vec<Outcome>],
    plan: &SummaryPlan,
) -> Result<Vec<RegimenSummary>, SurvivalError> {
    let samples: Vec<SurvivalSample> = outcomes
        .iter()
        .map(|arm| SurvivalSample::new(arm.iter().filter_map(|o| o.observation(plan.t_end))))
        .collect::<Result<_, _>>()?;
    outcomes
        .iter()
        .zip(&samples)
        .enumerate()
        .map(|(r, (arm, sample))| {
            let curve = KaplanMeier::estimate(sample);
            let landmarks = plan
                .landmarks
                .iter()
                .map(|&t| curve.survival_at(t, IntervalKind::LogLog))
                .collect::<Result<_, _>>()?;
            let count = |status| arm.iter().filter(|o| o.status == status).count();
            let (relapsed, free) = (count(RunStatus::Relapsed), count(RunStatus::NoneByTEnd));
            let versus_baseline = r != plan.baseline;
            Ok(RegimenSummary {
                patients: arm.len(),
                responders: relapsed + free,
                non_responders: count(RunStatus::NoResponse),
                relapsed,
                relapse_free_at_end: free,
                solver_failures: count(RunStatus::SolverFailure),
                median: curve.median(IntervalKind::LogLog),
                landmarks,
                rmst: curve.restricted_mean(plan.t_end)?,
                logrank: versus_baseline.then(|| log_rank(sample, &samples[plan.baseline])),
                paired_delay: match versus_baseline {
                    true => Some(paired_delay(arm, &outcomes[plan.baseline])?),
                    false => None,
                },
                curve,
            })
        })
        .collect()
}

fn paired_delay(arm: &[Outcome], baseline: &[Outcome]) -> Result<PairedDelay, SurvivalError> {
    let relapse = |o: &Outcome| match o.status {
        RunStatus::Relapsed => o.relapse_time,
        _ => None,
    };
    let delays = arm
        .iter()
        .zip(baseline)
        .filter_map(|(a, b)| Some(relapse(a)? - relapse(b)?));
    let sample = SortedSample::new(delays)?;
    Ok(PairedDelay {
        n: sample.len(),
        quartiles: Quartiles::of(&sample),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relapsed(t: f64) -> Outcome {
        Outcome {
            status: RunStatus::Relapsed,
            relapse_time: Some(t),
        }
    }

    fn outcome(status: RunStatus) -> Outcome {
        Outcome {
            status,
            relapse_time: None,
        }
    }

    #[test]
    fn counts_exclusions_and_paired_delays() {
        let baseline = vec![
            relapsed(10.0),
            relapsed(20.0),
            outcome(RunStatus::NoResponse),
            relapsed(30.0),
        ];
        let treated = vec![
            relapsed(15.0),
            outcome(RunStatus::NoneByTEnd),
            relapsed(40.0),
            Outcome::FAILED,
        ];
        let plan = SummaryPlan {
            t_end: 100.0,
            landmarks: vec![50.0],
            baseline: 0,
        };
        let all = summarize(&[baseline, treated], &plan).unwrap();
        let (b, t) = (&all[0], &all[1]);
        assert_eq!(
            (b.patients, b.responders, b.non_responders, b.relapsed),
            (4, 3, 1, 3)
        );
        assert_eq!((b.logrank, b.paired_delay), (None, None));
        assert_eq!(
            (
                t.patients,
                t.responders,
                t.relapsed,
                t.relapse_free_at_end,
                t.solver_failures
            ),
            (4, 3, 2, 1, 1)
        );
        // Failed patient left out: 3 subjects, events at 15 and 40, one censored at 100, so
        // S(50) = (2/3)·(1/2).
        assert_eq!(t.curve.subjects(), 3);
        assert!((t.landmarks[0].survival - 1.0 / 3.0).abs() < 1e-15);
        // Only patient 0 relapsed in both: 15 − 10.
        let delay = t.paired_delay.unwrap();
        assert_eq!((delay.n, delay.quartiles.unwrap().median), (1, 5.0));
        // Non-responders are events at 0: the baseline drops to 3/4 at once.
        assert!((b.curve.survival_at(0.0, IntervalKind::LogLog).unwrap().survival - 0.75).abs() < 1e-15);
        assert!(t.logrank.is_some());
    }
}
