//! Dosing regimens with numeric values, and their expansion into a time-ordered event list.
//!
//! Conventions (NONMEM's): bioavailability F scales the amount; for an infusion given by
//! `rate` it scales the duration (amount·F / rate), for one given by `duration` it scales the
//! rate (amount·F / duration). Lag shifts every administration time.

/// How a dose enters its target state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Infusion {
    /// Zero-order input over this duration (time units).
    Duration(f64),
    /// Zero-order input at this rate (amount per time unit).
    Rate(f64),
}

/// One dose line: `count` administrations `interval` apart.
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
    /// Number of administrations.
    pub count: u32,
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
    /// What.
    pub kind: EventKind,
}

impl Regimen {
    /// A regimen without doses.
    pub fn untreated() -> Self {
        Self {
            name: "untreated".to_string(),
            title: None,
            doses: Vec::new(),
        }
    }

    /// All administrations as events sorted by time; events at the same time keep file order.
    pub fn schedule(&self) -> Vec<Event> {
        let mut events = Vec::new();
        let mut next_id = 0;
        for dose in &self.doses {
            for k in 0..dose.count {
                let time = dose.start + f64::from(k) * dose.interval + dose.lag;
                let amount = dose.amount * dose.bioavailability;
                match dose.infusion {
                    None => events.push(Event {
                        time,
                        kind: EventKind::Bolus {
                            target: dose.target,
                            amount,
                        },
                    }),
                    Some(infusion) => {
                        let (rate, duration) = match infusion {
                            Infusion::Duration(d) => (amount / d, d),
                            Infusion::Rate(r) => (r, amount / r),
                        };
                        if amount > 0.0 {
                            events.push(Event {
                                time,
                                kind: EventKind::InfusionStart {
                                    id: next_id,
                                    target: dose.target,
                                    rate,
                                },
                            });
                            events.push(Event {
                                time: time + duration,
                                kind: EventKind::InfusionStop { id: next_id },
                            });
                            next_id += 1;
                        }
                    }
                }
            }
        }
        events.sort_by(|a, b| a.time.total_cmp(&b.time));
        events
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
}
