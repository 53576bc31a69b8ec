//! Treatment cycles as protocols write them: `cycle = { length = 21, on = "1-14", count = 6 }`.
//!
//! Cycles of `length` time units start at the dose's `start`; within each one a dose is given at
//! `cycle_start + (k − 1)·interval` for every slot k listed in `on` (1-based: "1-14", "1-2,5").
//! Slots are kept as ranges, never one by one, so `on = "1-1000000000"` stores two numbers.

/// An inclusive range of 1-based slots (`first` ≤ `last`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotRange {
    /// First slot (≥ 1).
    pub first: u32,
    /// Last slot (≥ `first`).
    pub last: u32,
}

impl SlotRange {
    fn len(self) -> u64 {
        u64::from(self.last - self.first) + 1
    }
}

/// A dose's cycle: `count` cycles of `length`, dosing on the slots `on` of each.
#[derive(Debug, Clone, PartialEq)]
pub struct Cycle {
    /// Length of one cycle (time units).
    pub length: f64,
    /// Slots dosed in every cycle: sorted, disjoint ranges (at least one).
    pub on: Vec<SlotRange>,
    /// Number of cycles.
    pub count: u32,
}

impl Cycle {
    /// Administrations in one cycle: the number of slots listed.
    pub fn slots_per_cycle(&self) -> u64 {
        self.on.iter().map(|r| r.len()).sum()
    }

    /// Administrations over all cycles.
    pub fn administrations(&self) -> u64 {
        self.slots_per_cycle() * u64::from(self.count)
    }

    /// The largest slot listed.
    pub fn last_slot(&self) -> u32 {
        self.on.last().map_or(1, |r| r.last)
    }

    /// The 1-based slot of administration `j` (from 0) within a cycle.
    fn slot(&self, mut j: u64) -> u32 {
        for range in &self.on {
            if j < range.len() {
                // j < range.len() ≤ u32::MAX − first + 1, so the sum fits.
                return range.first + j as u32;
            }
            j -= range.len();
        }
        self.last_slot()
    }

    /// Offset of administration `k` (from 0, over all cycles) from the first cycle's start:
    /// `c·length + (slot − 1)·interval` for cycle c (from 0) and the slot it falls on.
    pub fn offset(&self, k: u32, interval: f64) -> f64 {
        let per = self.slots_per_cycle().max(1);
        let (c, j) = (u64::from(k) / per, u64::from(k) % per);
        let slot = self.slot(j);
        c as f64 * self.length + f64::from(slot - 1) * interval
    }
}

impl super::Regimen {
    /// Bounds of the protocol cycles of the regimen's first dose with a `cycle` that start
    /// before `t_end`: each cycle's start (the dose's `start` plus whole cycle lengths, without
    /// its `lag`), then the end of the last one, or `t_end` if that cycle is cut short. Empty
    /// without cycles. At most one bound more than there are administrations before `t_end`
    /// (each cycle holds one at least), so the list is bounded like the schedule.
    pub fn cycle_bounds(&self, t_end: f64) -> Vec<f64> {
        let Some((start, cycle)) = self
            .doses
            .iter()
            .find_map(|d| d.cycle.as_ref().map(|c| (d.start, c)))
        else {
            return Vec::new();
        };
        let count = u64::from(cycle.count).min(super::MAX_ADMINISTRATIONS);
        let mut bounds = Vec::new();
        for c in 0..=count {
            let bound = start + c as f64 * cycle.length;
            if bound >= t_end {
                // The last cycle started is cut short at t_end.
                if !bounds.is_empty() {
                    bounds.push(t_end);
                }
                break;
            }
            bounds.push(bound);
        }
        if bounds.len() < 2 {
            return Vec::new();
        }
        bounds
    }
}

/// Why an `on` list of slots is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlotError {
    /// Nothing listed.
    #[error("the list of slots is empty")]
    Empty,
    /// A part that is neither `N` nor `N-M`.
    #[error("`{0}` is not a slot (`N`) or a range of slots (`N-M`)")]
    Malformed(String),
    /// Slot 0 (slots count from 1, as days on a protocol).
    #[error("slot 0 does not exist: slots count from 1 (day 1 is the cycle's first day)")]
    Zero,
    /// `N-M` with M < N.
    #[error("the range `{first}-{last}` runs backwards")]
    Backwards {
        /// Its first slot.
        first: u32,
        /// Its last slot.
        last: u32,
    },
    /// A slot listed twice (directly or by overlapping ranges).
    #[error("slot {0} is listed more than once")]
    Repeated(u32),
}

/// Parses a list of slots such as `"1-14"` or `"1-2, 5"` into sorted, disjoint ranges.
pub fn parse_slots(text: &str) -> Result<Vec<SlotRange>, SlotError> {
    if text.trim().is_empty() {
        return Err(SlotError::Empty);
    }
    let mut ranges = text
        .split(',')
        .map(|part| parse_range(part.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    ranges.sort_by_key(|r| r.first);
    for pair in ranges.windows(2) {
        if pair[1].first <= pair[0].last {
            return Err(SlotError::Repeated(pair[1].first));
        }
    }
    Ok(ranges)
}

fn parse_range(part: &str) -> Result<SlotRange, SlotError> {
    let number = |s: &str| {
        let s = s.trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SlotError::Malformed(part.to_string()));
        }
        match s.parse::<u32>() {
            Ok(0) => Err(SlotError::Zero),
            Ok(n) => Ok(n),
            Err(_) => Err(SlotError::Malformed(part.to_string())),
        }
    };
    let (first, last) = match part.split_once('-') {
        Some((a, b)) => (number(a)?, number(b)?),
        None => {
            let n = number(part)?;
            (n, n)
        }
    };
    if last < first {
        return Err(SlotError::Backwards { first, last });
    }
    Ok(SlotRange { first, last })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(first: u32, last: u32) -> SlotRange {
        SlotRange { first, last }
    }

    #[test]
    fn lists_and_ranges_parse_sorted() {
        assert_eq!(parse_slots("1-14"), Ok(vec![r(1, 14)]));
        assert_eq!(parse_slots(" 5, 1-2 "), Ok(vec![r(1, 2), r(5, 5)]));
        assert_eq!(parse_slots("1-4294967295").map(|v| v.len()), Ok(1));
    }

    #[test]
    fn bad_lists_say_what_is_wrong() {
        assert_eq!(parse_slots(" "), Err(SlotError::Empty));
        assert_eq!(parse_slots("1,,2"), Err(SlotError::Malformed(String::new())));
        assert_eq!(parse_slots("1-x"), Err(SlotError::Malformed("1-x".into())));
        assert_eq!(parse_slots("-3"), Err(SlotError::Malformed("-3".into())));
        assert_eq!(parse_slots("0-3"), Err(SlotError::Zero));
        assert_eq!(
            parse_slots("5-2"),
            Err(SlotError::Backwards { first: 5, last: 2 })
        );
        assert_eq!(parse_slots("1-5,3"), Err(SlotError::Repeated(3)));
        assert_eq!(
            parse_slots("99999999999"),
            Err(SlotError::Malformed("99999999999".into()))
        );
    }

    #[test]
    fn offsets_walk_the_slots_then_the_cycles() {
        let c = Cycle {
            length: 7.0,
            on: vec![r(1, 2), r(5, 5)],
            count: 2,
        };
        assert_eq!(c.administrations(), 6);
        let offsets: Vec<f64> = (0..6).map(|k| c.offset(k, 1.0)).collect();
        assert_eq!(offsets, [0.0, 1.0, 4.0, 7.0, 8.0, 11.0]);
        assert_eq!(c.offset(2, 0.5), 2.0);
    }
}
