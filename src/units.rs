//! Known time units and conversions between them, for showing a model written in one unit
//! (its `[model] time_unit`) in another (`--time-unit`).
//!
//! A month is 30.4375 days: the mean month of the Julian year of 365.25 days (365.25 / 12),
//! the convention of clinical reporting (e.g. months of progression-free survival computed
//! from days). Every unit is a whole or exactly representable number of hours, so the factor
//! between two units is one correctly rounded division, and week ↔ day, month ↔ day and
//! day ↔ hour are exact.

/// A time unit relapse can convert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// One hour.
    Hour,
    /// 24 hours.
    Day,
    /// 7 days.
    Week,
    /// 30.4375 days (365.25 / 12).
    Month,
}

/// Every known unit, smallest first.
pub const KNOWN: [TimeUnit; 4] = [TimeUnit::Hour, TimeUnit::Day, TimeUnit::Week, TimeUnit::Month];

impl TimeUnit {
    /// The unit's length in hours.
    pub fn hours(self) -> f64 {
        match self {
            Self::Hour => 1.0,
            Self::Day => 24.0,
            Self::Week => 168.0,
            Self::Month => 730.5,
        }
    }

    /// The short name shown on axes and in tables: `h`, `day`, `week`, `month`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Hour => "h",
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    /// The unit a `time_unit` text names, if it is known: `h`, `hr`, `hour`, `hours`; `d`,
    /// `day`, `days`; `w`, `wk`, `week`, `weeks`; `mo`, `month`, `months` (case-insensitive,
    /// surrounding spaces ignored).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "h" | "hr" | "hrs" | "hour" | "hours" => Some(Self::Hour),
            "d" | "day" | "days" => Some(Self::Day),
            "w" | "wk" | "week" | "weeks" => Some(Self::Week),
            "mo" | "month" | "months" => Some(Self::Month),
            _ => None,
        }
    }

    /// How many of `to` one `self` is: a time `t` in `self` is `t * self.factor_to(to)` in `to`.
    pub fn factor_to(self, to: Self) -> f64 {
        self.hours() / to.hours()
    }
}

/// The names accepted for each known unit, for messages: "h, day, week, month".
pub fn known_names() -> String {
    KNOWN.map(TimeUnit::name).join(", ")
}

/// Why a model cannot be shown in another time unit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeUnitError {
    /// The model declares no `time_unit`.
    #[error(
        "cannot show the model in {to}: it declares no `time_unit` in [model]; add e.g. \
         `time_unit = \"day\"` (known units: {})",
        known_names()
    )]
    Undeclared {
        /// The unit asked for.
        to: &'static str,
    },
    /// The model's `time_unit` is not one of [`KNOWN`].
    #[error(
        "cannot convert the model's time unit `{from}` to {to}: known units are {} (also \
         hour/hours, d/days, weeks, months)",
        known_names()
    )]
    Unknown {
        /// The model's unit text.
        from: String,
        /// The unit asked for.
        to: &'static str,
    },
}

/// The factor from a model's `time_unit` to `to`, or why there is none.
pub fn conversion(model_unit: Option<&str>, to: TimeUnit) -> Result<f64, TimeUnitError> {
    let text = model_unit.ok_or(TimeUnitError::Undeclared { to: to.name() })?;
    let from = TimeUnit::parse(text).ok_or_else(|| TimeUnitError::Unknown {
        from: text.to_string(),
        to: to.name(),
    })?;
    Ok(from.factor_to(to))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference: the definitions (1 day = 24 h, 1 week = 7 days, 1 month = 365.25/12 days);
    /// each factor below is exactly representable, so equality is the right test.
    #[test]
    #[allow(clippy::float_cmp)]
    fn conversions_are_exact() {
        assert_eq!(TimeUnit::Hour.factor_to(TimeUnit::Day), 1.0 / 24.0);
        assert_eq!(TimeUnit::Day.factor_to(TimeUnit::Hour), 24.0);
        assert_eq!(TimeUnit::Week.factor_to(TimeUnit::Day), 7.0);
        assert_eq!(TimeUnit::Month.factor_to(TimeUnit::Day), 365.25 / 12.0);
        assert_eq!(TimeUnit::Month.factor_to(TimeUnit::Day), 30.4375);
        assert_eq!(TimeUnit::Month.factor_to(TimeUnit::Hour), 730.5);
        assert_eq!(TimeUnit::Day.factor_to(TimeUnit::Day), 1.0);
        // 365.25 days are 12 months: 365.25 / 30.4375 = 12 exactly in binary too.
        assert_eq!(365.25 * TimeUnit::Day.factor_to(TimeUnit::Month), 12.0);
        assert_eq!(336.0 * TimeUnit::Hour.factor_to(TimeUnit::Week), 2.0);
    }

    #[test]
    fn names_and_aliases() {
        for unit in KNOWN {
            assert_eq!(TimeUnit::parse(unit.name()), Some(unit));
        }
        assert_eq!(TimeUnit::parse(" Hours "), Some(TimeUnit::Hour));
        assert_eq!(TimeUnit::parse("days"), Some(TimeUnit::Day));
        assert_eq!(TimeUnit::parse("fortnight"), None);
    }

    #[test]
    fn unknown_or_missing_units_are_refused_with_the_known_ones() {
        let e = conversion(Some("fortnight"), TimeUnit::Day).unwrap_err();
        assert!(e.to_string().contains("`fortnight`"));
        assert!(e.to_string().contains("h, day, week, month"));
        let e = conversion(None, TimeUnit::Week).unwrap_err();
        assert!(e.to_string().contains("no `time_unit`"));
        assert_eq!(conversion(Some("hour"), TimeUnit::Day), Ok(1.0 / 24.0));
    }
}
