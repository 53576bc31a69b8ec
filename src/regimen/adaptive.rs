//! Adaptive (state-triggered) dosing: named boolean switches, rules that set them when a
//! function of the state crosses zero, and dose lines gated by a switch.

/// Most switches one regimen may declare.
pub const MAX_SWITCHES: usize = 64;
/// Most rules one regimen may declare.
pub const MAX_RULES: usize = 256;

/// `while = "SWITCH"` (`wanted` true) or `while = "!SWITCH"` (`wanted` false).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gate {
    /// Index of the switch.
    pub switch: usize,
    /// The value the switch must have for the dose to be given.
    pub wanted: bool,
}

/// `{ crossing = "A < B", set = { … } }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Index of A − B among the compiled crossing functions of the model.
    pub function: usize,
    /// True for `A > B` (A − B crosses zero upward), false for `A < B` (downward).
    pub rising: bool,
    /// The switches set when the rule fires, with their new values, in file order.
    pub set: Vec<(usize, bool)>,
}

/// The adaptive part of a regimen.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Adaptive {
    /// Switch names in file order.
    pub switches: Vec<String>,
    /// Initial value of each switch.
    pub initial: Vec<bool>,
    /// One entry per dose line of the regimen: its gate, if any.
    pub gates: Vec<Option<Gate>>,
    /// Rules in file order (file order breaks ties between crossings at one time).
    pub rules: Vec<Rule>,
}

/// A switch changed value.
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchEvent {
    /// When (time units): the located crossing time.
    pub time: f64,
    /// The switch's name.
    pub switch: String,
    /// Its new value.
    pub value: bool,
}

/// What the dosing did in one run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DosingRecord {
    /// Administrations given (boluses and infusion starts, up to t_end).
    pub given: u64,
    /// Administrations skipped because their switch was off.
    pub skipped: u64,
    /// The time and dose line of every administration given, in time order.
    pub given_at: Vec<(f64, usize)>,
    /// Every change of a switch, in time order.
    pub switch_events: Vec<SwitchEvent>,
}
