//! Dosing regimens with numeric values, and their expansion into a time-ordered event list.
//!
//! Conventions (NONMEM's): bioavailability F scales the amount; for an infusion given by
//! `rate` it scales the duration (amount·F / rate), for one given by `duration` it scales the
//! rate (amount·F / duration). Lag shifts every administration time.

pub mod adaptive;
mod cycle;

pub use cycle::{Cycle, SlotError, SlotRange, parse_slots};

/// How a dose enters its target state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Infusion {
    /// Zero-order input over this duration (time units).
    Duration(f64),
    /// Zero-order input at this rate (amount per time unit).
    Rate(f64),
}

/// One dose line: `count` administrations `interval` apart, or on the slots of its cycles.
#[derive(Debug, Clone, PartialEq)]
pub struct Dose {
    /// Index of the state that receives the dose.
    pub target: usize,
    /// Amount per administration, before bioavailability.
    pub amount: f64,
    /// Time of the first administration, before lag.
    pub start: f64,
    /// Time between administrations (ignored when `count` is 1).
    pub interval: f64,
    /// Number of administrations (with a cycle: cycles × slots per cycle).
    pub count: u32,
    /// Cycles the administrations follow (`None`: every `interval`).
    pub cycle: Option<Cycle>,
    /// `ss = true`: the run starts from the periodic steady state of these states under this
    /// dose given every `interval` forever (state indices); `None` for an ordinary dose.
    pub steady_state: Option<Vec<usize>>,
    /// Delay added to every administration time.
    pub lag: f64,
    /// Fraction of the amount that arrives.
    pub bioavailability: f64,
    /// `None` for a bolus.
    pub infusion: Option<Infusion>,
}

/// A named regimen.
#[derive(Debug, Clone, PartialEq)]
pub struct Regimen {
    /// Name, as in the model file.
    pub name: String,
    /// Human-readable title.
    pub title: Option<String>,
    /// Doses in file order.
    pub doses: Vec<Dose>,
    /// Switches, rules and dose gates of an adaptive regimen.
    pub adaptive: Option<adaptive::Adaptive>,
}

/// What happens at an event time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EventKind {
    /// Instantaneous addition of `amount` to state `target`.
    Bolus {
        /// State index.
        target: usize,
        /// Amount added.
        amount: f64,
    },
    /// Infusion number `id` starts adding `rate` per time unit to `target`.
    InfusionStart {
        /// Identifies the matching stop.
        id: usize,
        /// State index.
        target: usize,
        /// Amount per time unit.
        rate: f64,
    },
    /// Infusion number `id` stops.
    InfusionStop {
        /// The infusion's id.
        id: usize,
    },
}

/// One event of an expanded schedule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// When (time units).
    pub time: f64,
    /// Index of the dose line (in [`Regimen::doses`]) this event comes from.
    pub dose: usize,
    /// What.
    pub kind: EventKind,
}

/// Relative resolution of event times: two times that differ by at most this fraction of the
/// larger one are the same time (16·ε ≈ 3.6e-15: 16 to 32 ulps). Events that close are merged
/// onto the earliest of them (and onto `t_end` when that close to it), and an infusion no longer
/// than this is given as a bolus: no integration segment is ever shorter than what `t` resolves.
pub const TIME_RESOLUTION: f64 = 16.0 * f64::EPSILON;

/// The most administrations one regimen run may schedule inside [0, t_end] (each is stored,
/// and each needs at least one solver step).
pub const MAX_ADMINISTRATIONS: u64 = 1_000_000;

/// True if `a` and `b` are the same time at [`TIME_RESOLUTION`] (relative to the larger).
pub fn same_time(a: f64, b: f64) -> bool {
    (a - b).abs() <= TIME_RESOLUTION * a.abs().max(b.abs())
}

/// Why a regimen cannot be scheduled for a run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    /// More administrations fall inside [0, t_end] than [`MAX_ADMINISTRATIONS`].
    #[error(
        "{count} administrations fall inside [0, t_end = {t_end}], more than the {limit} one run can schedule; shorten t_end, lengthen `interval` or lower `count`"
    )]
    TooManyAdministrations {
        /// Administrations inside [0, t_end].
        count: u64,
        /// The limit.
        limit: u64,
        /// End of the run.
        t_end: f64,
    },
}

impl Dose {
    /// Time of administration `k` (from 0): `start + k·interval + lag`, or with a cycle
    /// `start + c·length + (slot − 1)·interval + lag` (cycle c from 0, slot from 1).
    pub fn time(&self, k: u32) -> f64 {
        match &self.cycle {
            None => self.start + f64::from(k) * self.interval + self.lag,
            Some(cycle) => self.start + cycle.offset(k, self.interval) + self.lag,
        }
    }

    /// Time of the last administration.
    pub fn last_time(&self) -> f64 {
        self.time(self.count.saturating_sub(1))
    }

    /// Amount that arrives per administration: `amount · bioavailability`.
    pub fn delivered(&self) -> f64 {
        self.amount * self.bioavailability
    }

    /// Length of each infusion (`None` for a bolus): the duration given, or delivered / rate.
    pub fn duration(&self) -> Option<f64> {
        self.infusion.map(|infusion| match infusion {
            Infusion::Duration(d) => d,
            Infusion::Rate(r) => self.delivered() / r,
        })
    }

    /// Number of administrations at or before `limit` (computed, not counted one by one).
    pub fn count_until(&self, limit: f64) -> u32 {
        let within = |t: f64| t <= limit;
        if self.count == 0 || !within(self.time(0)) {
            return 0;
        }
        if self.count == 1 || self.interval.is_nan() || self.interval <= 0.0 {
            return 1;
        }
        if self.cycle.is_some() {
            return self.count_until_by_bisection(limit);
        }
        let last = self.count - 1;
        let guess = ((limit - self.time(0)) / self.interval).floor();
        // The guess is off by at most a rounding step either way: correct it on the real times.
        let mut k = if guess >= f64::from(last) {
            last
        } else {
            guess.max(0.0) as u32
        };
        while k < last && self.time(k + 1) <= limit {
            k += 1;
        }
        while k > 0 && !within(self.time(k)) {
            k -= 1;
        }
        k + 1
    }

    /// [`Dose::count_until`] for times that only grow with k (cycles): the first k whose time is
    /// past `limit`, found in at most 32 bisections; time(0) ≤ limit is known.
    fn count_until_by_bisection(&self, limit: f64) -> u32 {
        let (mut inside, mut outside) = (0_u32, self.count);
        while outside - inside > 1 {
            let mid = inside + (outside - inside) / 2;
            if self.time(mid) <= limit {
                inside = mid;
            } else {
                outside = mid;
            }
        }
        outside
    }

    /// Administrations at or before `t_end` (with the merging rule of
    /// [`Regimen::schedule_until`]).
    pub fn count_until_end(&self, t_end: f64) -> u32 {
        self.count_until(t_end / (1.0 - TIME_RESOLUTION))
    }
}

impl Regimen {
    /// A regimen without doses.
    pub fn untreated() -> Self {
        Self {
            name: "untreated".to_string(),
            title: None,
            doses: Vec::new(),
            adaptive: None,
        }
    }

    /// All administrations as events sorted by time; events at the same time keep file order.
    /// Times closer than [`TIME_RESOLUTION`] are merged and degenerate infusions become boluses
    /// (see [`Regimen::schedule_until`]). Stores every administration, however many: a run
    /// should use [`Regimen::schedule_until`].
    pub fn schedule(&self) -> Vec<Event> {
        self.expand(f64::INFINITY, None)
    }

    /// The events a run to `t_end` needs: every administration at or before `t_end` (and the
    /// stop of every infusion started by then, even if later), sorted by time, events at one
    /// time in file order. Rules, all about what floating-point time can resolve:
    /// - event times within [`TIME_RESOLUTION`] of each other are merged onto the earliest, and
    ///   onto `t_end` when that close to it (so `0 + 3·0.1` and `0.3` are one time);
    /// - an infusion's rate is `amount·F / (stop − start)` with the stop time as rounded, so it
    ///   delivers exactly its amount;
    /// - an infusion no longer than [`TIME_RESOLUTION`] of its stop time, or whose rate
    ///   overflows, is given as a bolus of the same amount at its start.
    ///
    /// Fails if more than [`MAX_ADMINISTRATIONS`] fall inside [0, t_end]; nothing is stored then.
    pub fn schedule_until(&self, t_end: f64) -> Result<Vec<Event>, ScheduleError> {
        let limit = t_end / (1.0 - TIME_RESOLUTION);
        let count = self.administrations_until(t_end);
        if count > MAX_ADMINISTRATIONS {
            return Err(ScheduleError::TooManyAdministrations {
                count,
                limit: MAX_ADMINISTRATIONS,
                t_end,
            });
        }
        Ok(self.expand(limit, Some(t_end)))
    }

    /// Number of administrations a run to `t_end` schedules (all dose lines), computed without
    /// expanding them.
    pub fn administrations_until(&self, t_end: f64) -> u64 {
        self.doses
            .iter()
            .map(|d| u64::from(d.count_until_end(t_end)))
            .sum()
    }

    fn expand(&self, limit: f64, t_end: Option<f64>) -> Vec<Event> {
        let mut events = Vec::new();
        let mut next_id = 0;
        for (line, dose) in self.doses.iter().enumerate() {
            let amount = dose.delivered();
            for k in 0..dose.count_until(limit) {
                let time = dose.time(k);
                let bolus = Event {
                    time,
                    dose: line,
                    kind: EventKind::Bolus {
                        target: dose.target,
                        amount,
                    },
                };
                let Some(duration) = dose.duration() else {
                    events.push(bolus);
                    continue;
                };
                if amount.is_nan() || amount <= 0.0 {
                    continue;
                }
                let stop = time + duration;
                if same_time(time, stop) || !(amount / (stop - time)).is_finite() {
                    events.push(bolus);
                    continue;
                }
                // The rate is set once the times are final (`exact_rates`); until then it holds
                // the amount.
                events.push(Event {
                    time,
                    dose: line,
                    kind: EventKind::InfusionStart {
                        id: next_id,
                        target: dose.target,
                        rate: amount,
                    },
                });
                events.push(Event {
                    time: stop,
                    dose: line,
                    kind: EventKind::InfusionStop { id: next_id },
                });
                next_id += 1;
            }
        }
        // Sorted by time, then merged, then ordered again with merged times in file order.
        let mut numbered: Vec<(usize, Event)> = events.into_iter().enumerate().collect();
        numbered.sort_by(|(_, a), (_, b)| a.time.total_cmp(&b.time));
        merge_close_times(numbered.iter_mut().map(|(_, e)| e), t_end);
        numbered.sort_by(|(i, a), (j, b)| a.time.total_cmp(&b.time).then(i.cmp(j)));
        let mut events: Vec<Event> = numbered.into_iter().map(|(_, e)| e).collect();
        exact_rates(&mut events, next_id);
        events
    }
}

/// Replaces the amount held in each infusion start by `amount / (stop − start)` on the final
/// (rounded, merged) times, so the integrated input is the amount itself.
fn exact_rates(events: &mut [Event], infusions: usize) {
    let mut start = vec![f64::NAN; infusions];
    let mut stop = vec![f64::NAN; infusions];
    for e in events.iter() {
        match e.kind {
            EventKind::InfusionStart { id, .. } => start[id] = e.time,
            EventKind::InfusionStop { id } => stop[id] = e.time,
            EventKind::Bolus { .. } => {}
        }
    }
    for e in events.iter_mut() {
        if let EventKind::InfusionStart { id, rate, .. } = &mut e.kind {
            *rate /= stop[*id] - start[*id];
        }
    }
}

/// Moves event times within [`TIME_RESOLUTION`] of `t_end` onto it, then every time within
/// that of an earlier cluster's first time onto that time. Order is preserved, and an
/// infusion's stop never joins its start (such an infusion was made a bolus).
fn merge_close_times<'a>(events: impl Iterator<Item = &'a mut Event>, t_end: Option<f64>) {
    let mut cluster = f64::NAN;
    for e in events {
        if let Some(t_end) = t_end
            && same_time(e.time, t_end)
        {
            e.time = t_end;
        }
        if same_time(cluster, e.time) {
            e.time = cluster;
        } else {
            cluster = e.time;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dose(infusion: Option<Infusion>) -> Dose {
        Dose {
            target: 0,
            amount: 100.0,
            start: 1.0,
            interval: 12.0,
            count: 2,
            cycle: None,
            steady_state: None,
            lag: 0.5,
            bioavailability: 0.8,
            infusion,
        }
    }

    #[test]
    fn bolus_times_include_lag_and_amount_includes_bioavailability() {
        let r = Regimen {
            name: "r".into(),
            title: None,
            doses: vec![dose(None)],
            adaptive: None,
        };
        let ev = r.schedule();
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].time, 1.5);
        assert_eq!(ev[1].time, 13.5);
        assert_eq!(
            ev[0].kind,
            EventKind::Bolus {
                target: 0,
                amount: 80.0
            }
        );
    }

    #[test]
    fn bioavailability_scales_rate_or_duration() {
        let by_duration = Regimen {
            name: "d".into(),
            title: None,
            doses: vec![dose(Some(Infusion::Duration(2.0)))],
            adaptive: None,
        };
        let ev = by_duration.schedule();
        assert_eq!(
            ev[0].kind,
            EventKind::InfusionStart {
                id: 0,
                target: 0,
                rate: 40.0
            }
        );
        assert_eq!(ev[1].time, 3.5);
        let by_rate = Regimen {
            name: "r".into(),
            title: None,
            doses: vec![dose(Some(Infusion::Rate(40.0)))],
            adaptive: None,
        };
        let ev = by_rate.schedule();
        assert_eq!(
            ev[0].kind,
            EventKind::InfusionStart {
                id: 0,
                target: 0,
                rate: 40.0
            }
        );
        assert_eq!(ev[1].time, 1.5 + 2.0);
    }

    fn regimen(doses: Vec<Dose>) -> Regimen {
        Regimen {
            name: "r".into(),
            title: None,
            doses,
            adaptive: None,
        }
    }

    fn every(start: f64, interval: f64, count: u32) -> Dose {
        Dose {
            start,
            interval,
            count,
            lag: 0.0,
            bioavailability: 1.0,
            ..dose(None)
        }
    }

    #[test]
    fn count_until_is_exact_on_the_rounded_times() {
        let d = every(0.0, 0.1, 10);
        // 0.1·3 = 0.30000000000000004 > 0.3: two administrations before it... plus the one at 0.
        assert_eq!(d.count_until(0.3), 3);
        assert_eq!(d.count_until(0.30000000000000004), 4);
        assert_eq!(d.count_until(-1.0), 0);
        assert_eq!(d.count_until(f64::INFINITY), 10);
        assert_eq!(every(0.0, 1.0, 1_000_000_000).count_until(999.5), 1000);
    }

    #[test]
    fn only_administrations_up_to_t_end_are_stored_and_too_many_are_refused() {
        let r = regimen(vec![every(0.0, 1.0, 1_000_000_000)]);
        assert_eq!(r.schedule_until(1000.0).unwrap().len(), 1001);
        let e = r.schedule_until(1e9).unwrap_err();
        assert_eq!(
            e,
            ScheduleError::TooManyAdministrations {
                count: 1_000_000_000,
                limit: MAX_ADMINISTRATIONS,
                t_end: 1e9
            }
        );
    }

    #[test]
    fn times_within_the_resolution_merge_onto_the_earliest_and_onto_t_end() {
        // 0 + 3·0.1 = 0.30000000000000004 and 0.3 are one time (1 ulp apart); t_end = 0.7 takes
        // 0.1·7 = 0.7000000000000001.
        let second = Dose {
            amount: 5.0,
            ..every(0.3, 1.0, 1)
        };
        let r = regimen(vec![every(0.0, 0.1, 10), second]);
        let ev = r.schedule_until(0.7).unwrap();
        let times: Vec<f64> = ev.iter().map(|e| e.time).collect();
        assert_eq!(
            times,
            [0.0, 0.1, 0.2, 0.3, 0.3, 0.4, 0.5, 0.6000000000000001, 0.7]
        );
        // Merged events keep file order: the first line's dose (amount 100) comes first.
        let amounts: Vec<f64> = ev[3..5]
            .iter()
            .map(|e| match e.kind {
                EventKind::Bolus { amount, .. } => amount,
                _ => f64::NAN,
            })
            .collect();
        assert_eq!(amounts, [100.0, 5.0]);
        assert_eq!(0.1 * 3.0, 0.30000000000000004, "the premise: the times differ");
        // Further apart than the resolution: kept apart.
        assert!(!same_time(1.0, 1.0 + 1e-14));
        assert!(same_time(1.0, 1.0 + 2.0 * f64::EPSILON));
        assert!(same_time(0.0, 0.0) && !same_time(0.0, 1e-300));
    }

    #[test]
    fn degenerate_infusions_become_boluses_of_the_same_amount() {
        // At t = 1e6 an ulp is 1.2e-10: amount 80 at rate 1e20 lasts 8e-19 (stop == start), and
        // a 1e-10 duration is under the resolution 16·ε·1e6 ≈ 3.6e-9.
        for infusion in [Infusion::Rate(1e20), Infusion::Duration(1e-10)] {
            let d = Dose {
                start: 1e6,
                lag: 0.0,
                count: 1,
                ..dose(Some(infusion))
            };
            assert_eq!(
                regimen(vec![d]).schedule(),
                [Event {
                    time: 1e6,
                    dose: 0,
                    kind: EventKind::Bolus {
                        target: 0,
                        amount: 80.0
                    }
                }]
            );
        }
    }

    #[test]
    fn infusion_rates_deliver_the_amount_over_the_rounded_interval() {
        // 1e6 + 1e-8 is rounded to a multiple of 2^-33: rate × (stop − start) must be the amount.
        let d = Dose {
            start: 1e6,
            lag: 0.0,
            count: 1,
            ..dose(Some(Infusion::Duration(1e-8)))
        };
        let ev = regimen(vec![d]).schedule();
        let EventKind::InfusionStart { rate, .. } = ev[0].kind else {
            panic!("{ev:?}")
        };
        assert_ne!(
            ev[1].time - ev[0].time,
            1e-8,
            "the premise: the interval is rounded"
        );
        assert_eq!(rate * (ev[1].time - ev[0].time), 80.0);
    }
}
