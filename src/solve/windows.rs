//! Minima of one watched function within consecutive time windows [b₀, b₁), [b₁, b₂), … (e.g.
//! the cycles of a protocol: a nadir per cycle). The [`super::EventLocator`] feeds every value
//! it evaluates (step samples, located roots, values after jumps) and the values at the window
//! bounds, so a window's minimum is as exact as the run's overall one.
//!
//! A window is half-open: a value after a jump at bᵢ belongs to window i; the left limit at bᵢ
//! (the end of a step that stops there) belongs to window i − 1, since the infimum over
//! [bᵢ₋₁, bᵢ) includes it.

use super::events::Extremum;

/// Per-window minima of function `function`.
#[derive(Debug, Clone)]
pub(crate) struct WindowMinima {
    function: usize,
    bounds: Vec<f64>,
    minima: Vec<Extremum>,
}

/// Which side of a time a value is taken from (they differ only at a jump).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// The left limit (the end of a step).
    Left,
    /// The value from the right (the start of a step, after a jump).
    Right,
}

impl WindowMinima {
    /// Windows between the sorted, distinct `bounds` (one fewer windows than bounds).
    pub(crate) fn new(function: usize, bounds: Vec<f64>) -> Self {
        let none = Extremum {
            value: f64::NAN,
            time: f64::NAN,
        };
        let windows = bounds.len().saturating_sub(1);
        Self {
            function,
            bounds,
            minima: vec![none; windows],
        }
    }

    /// The window bounds.
    pub(crate) fn bounds(&self) -> &[f64] {
        &self.bounds
    }

    /// The minimum found in each window (NaN value if the run never reached it).
    pub(crate) fn minima(&self) -> &[Extremum] {
        &self.minima
    }

    /// Indices of the bounds strictly inside (t0, t1), where the caller must evaluate the
    /// function.
    pub(crate) fn bounds_inside(&self, t0: f64, t1: f64) -> std::ops::Range<usize> {
        let from = self.bounds.partition_point(|&b| b <= t0);
        let to = self.bounds.partition_point(|&b| b < t1);
        from..to.max(from)
    }

    /// Records the value `g[function]` at `t`, taken from `side`.
    pub(crate) fn track(&mut self, t: f64, g: &[f64], side: Side) {
        let Some(&v) = g.get(self.function) else {
            return;
        };
        if v.is_nan() {
            return;
        }
        let window = match side {
            // Window i holds (bᵢ, bᵢ₊₁] for a left limit …
            Side::Left => self.bounds.partition_point(|&b| b < t).checked_sub(1),
            // … and [bᵢ, bᵢ₊₁) for a value from the right.
            Side::Right => self.bounds.partition_point(|&b| b <= t).checked_sub(1),
        };
        if let Some(low) = window.and_then(|w| self.minima.get_mut(w))
            && (low.value.is_nan() || v < low.value)
        {
            *low = Extremum { value: v, time: t };
        }
    }

    /// Records a value at a bound inside a step (continuous there): the end of one window and
    /// the start of the next.
    pub(crate) fn track_both(&mut self, t: f64, g: &[f64]) {
        self.track(t, g, Side::Left);
        self.track(t, g, Side::Right);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_go_to_their_half_open_windows() {
        let mut w = WindowMinima::new(0, vec![0.0, 10.0, 20.0]);
        w.track(0.0, &[5.0], Side::Right);
        w.track(10.0, &[1.0], Side::Left); // left limit at 10: the end of window 0
        w.track(10.0, &[3.0], Side::Right); // after a jump at 10: window 1
        w.track(15.0, &[4.0], Side::Left);
        w.track(25.0, &[-1.0], Side::Left); // after the last bound: no window
        let m = w.minima();
        assert_eq!((m[0].value, m[0].time), (1.0, 10.0));
        assert_eq!((m[1].value, m[1].time), (3.0, 10.0));
        assert_eq!(w.bounds_inside(5.0, 20.0), 1..2);
        assert!(w.bounds_inside(10.0, 20.0).is_empty());
        assert_eq!(w.bounds_inside(-1.0, 0.5), 0..1);
    }
}
