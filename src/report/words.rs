//! Regimens in words for the report: "80 mg into Ag every 1 day × 180 from day 0".

use crate::export::format_float;
use crate::regimen::{Dose, Infusion};

/// Time units that read as words ("from day 0", "every 7 days"); others are written as
/// "from t = 0 h".
const WORD_UNITS: [&str; 6] = ["minute", "hour", "day", "week", "month", "year"];

/// Names and units a dose is described with.
#[derive(Debug, Clone, Copy)]
pub struct DoseContext<'a> {
    /// The target state's name.
    pub target: &'a str,
    /// The target state's unit (the unit of the amount), if declared.
    pub amount_unit: Option<&'a str>,
    /// The model's time unit, if declared.
    pub time_unit: Option<&'a str>,
}

/// One dose line in words: amount, target, infusion, repetition, start, lag and
/// bioavailability (the last two only when they differ from 0 and 1).
pub fn dose_in_words(dose: &Dose, context: DoseContext<'_>) -> String {
    let amount = with_unit(dose.amount, context.amount_unit);
    let mut text = format!("{amount} into {}", context.target);
    match dose.infusion {
        Some(Infusion::Duration(d)) => {
            text += &format!(" infused over {}", duration(d, context.time_unit));
        }
        Some(Infusion::Rate(r)) => {
            let unit = match (context.amount_unit, context.time_unit) {
                (Some(a), Some(t)) => Some(format!("{a}/{t}")),
                (None, Some(t)) => Some(format!("per {t}")),
                _ => None,
            };
            text += &format!(" infused at {}", with_unit(r, unit.as_deref()));
        }
        None => {}
    }
    if dose.count > 1 {
        text += &format!(
            " every {} × {}",
            duration(dose.interval, context.time_unit),
            dose.count
        );
        text += &format!(" from {}", instant(dose.start, context.time_unit));
    } else {
        text += &format!(" at {}", instant(dose.start, context.time_unit));
    }
    if dose.lag != 0.0 {
        text += &format!(", lag {}", duration(dose.lag, context.time_unit));
    }
    if dose.bioavailability != 1.0 {
        text += &format!(", bioavailability {}", format_float(dose.bioavailability));
    }
    text
}

fn with_unit(x: f64, unit: Option<&str>) -> String {
    match unit {
        Some(u) => format!("{} {u}", format_float(x)),
        None => format_float(x),
    }
}

fn is_word_unit(unit: &str) -> bool {
    let singular = unit.strip_suffix('s').unwrap_or(unit);
    WORD_UNITS.contains(&singular)
}

/// "7 days", "1 day", "24 h", "3".
fn duration(x: f64, unit: Option<&str>) -> String {
    match unit {
        Some(u) if is_word_unit(u) => {
            let singular = u.strip_suffix('s').unwrap_or(u);
            let plural = if x == 1.0 { "" } else { "s" };
            format!("{} {singular}{plural}", format_float(x))
        }
        other => with_unit(x, other),
    }
}

/// "day 0", "t = 0 h", "t = 0".
fn instant(t: f64, unit: Option<&str>) -> String {
    match unit {
        Some(u) if is_word_unit(u) => {
            format!("{} {}", u.strip_suffix('s').unwrap_or(u), format_float(t))
        }
        other => format!("t = {}", with_unit(t, other)),
    }
}

#[cfg(test)]
mod tests {
    use super::{DoseContext, dose_in_words};
    use crate::regimen::{Dose, Infusion};

    fn dose() -> Dose {
        Dose {
            target: 0,
            amount: 80.0,
            start: 0.0,
            interval: 1.0,
            count: 180,
            lag: 0.0,
            bioavailability: 1.0,
            infusion: None,
        }
    }

    const AG: DoseContext<'static> = DoseContext {
        target: "Ag",
        amount_unit: Some("mg"),
        time_unit: Some("day"),
    };

    #[test]
    fn daily_oral_dose() {
        assert_eq!(
            dose_in_words(&dose(), AG),
            "80 mg into Ag every 1 day × 180 from day 0"
        );
    }

    #[test]
    fn single_infusion_with_lag_and_bioavailability() {
        let d = Dose {
            count: 1,
            start: 7.0,
            lag: 0.5,
            bioavailability: 0.6,
            infusion: Some(Infusion::Duration(2.0)),
            ..dose()
        };
        assert_eq!(
            dose_in_words(&d, AG),
            "80 mg into Ag infused over 2 days at day 7, lag 0.5 days, bioavailability 0.6"
        );
    }

    #[test]
    fn abbreviated_and_missing_units() {
        let d = Dose {
            interval: 24.0,
            count: 3,
            infusion: Some(Infusion::Rate(10.0)),
            ..dose()
        };
        let hours = DoseContext {
            time_unit: Some("h"),
            ..AG
        };
        assert_eq!(
            dose_in_words(&d, hours),
            "80 mg into Ag infused at 10 mg/h every 24 h × 3 from t = 0 h"
        );
        let bare = DoseContext {
            target: "A",
            amount_unit: None,
            time_unit: None,
        };
        assert_eq!(dose_in_words(&dose(), bare), "80 into A every 1 × 180 from t = 0");
    }
}
