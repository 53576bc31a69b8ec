//! The survival panel: per arm, the Kaplan–Meier relapse-free survival step curve with its
//! shaded 95 % band and censoring ticks, the median relapse-free time marked ([`median`]), and
//! the legend.
//!
//! Input is cleaned before drawing, since it comes from the caller: times outside
//! `[0, t_end]` or NaN are dropped, survival values and limits are clamped to [0, 1], steps are
//! sorted by time, and a curve that does not start at time 0 starts at S = 1.

use std::collections::HashSet;

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend, RGBColor};
use plotters::style::{Color, ShapeStyle};

use super::PopulationFigure;
use super::SurvivalArm;
use super::frame::{Frame, KeyedChart, YAxis};
use super::median;
use super::scene::{Axes, Scene, draw_panel};
use super::shapes::{Band, band, line};
use super::table::Columns;
use crate::plot::PlotError;
use crate::plot::draw::colour;
use crate::plot::legend::{Entry, Swatch};
use crate::plot::panel::PanelLayout;
use crate::plot::ticks::tick_labeller;

/// Top of the survival axis: a little above 1 so that a flat S = 1 curve is not hidden by the
/// frame.
const TOP: f64 = 1.04;
/// Opacity of the 95 % band fill.
const BAND_OPACITY: f64 = 0.15;
/// Half height of a censoring tick, in pixels.
const TICK: i32 = 5;
/// Neutral grey of legend entries that stand for every arm.
const GREY: RGBColor = RGBColor(110, 110, 110);

/// One Kaplan–Meier step as drawn: (time, survival, lower, upper).
type Step = (f64, f64, f64, f64);

/// Draws the panel on `area`; returns its layout and where the time axis's columns are, for
/// the table.
pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    figure: &PopulationFigure,
    (frame, bitmap): (&Frame, bool),
) -> Result<(PanelLayout, Columns), PlotError> {
    let ticks = vec![0.0, 0.25, 0.5, 0.75, 1.0];
    let y = YAxis {
        bottom: 0.0,
        top: TOP,
        label: Box::new(tick_labeller(&ticks)),
        ticks,
        title: "relapse-free fraction".to_string(),
    };
    let t_end = figure.t_end;
    let curves: Vec<Vec<Step>> = figure.arms.iter().map(|arm| clean(arm, t_end)).collect();
    let axes = Axes {
        y: &y,
        x_title: &figure.x_label,
        margin_bottom: 0,
        t_end,
    };
    let drawn = draw_panel(area, (frame, &axes), bitmap, |chart| {
        let mut scene = Scene::new(chart);
        for (arm, steps) in figure.arms.iter().zip(&curves) {
            let fill = colour(arm.colour).mix(BAND_OPACITY).filled();
            for shaded in bands(steps, t_end) {
                band(&mut scene, chart, &shaded, fill);
            }
        }
        let medians = median::guides(&mut scene, chart, figure);
        for (arm, steps) in figure.arms.iter().zip(&curves) {
            let c = colour(arm.colour);
            line(&mut scene, chart, &step_path(steps, t_end), c.stroke_width(2));
            censoring(&mut scene, chart, steps, (&arm.censored, t_end, c));
        }
        let mut texts = scene.texts(entries(figure));
        // The arms come first in the legend; a median without a place on the axis is given
        // there.
        for label in medians {
            if !texts.marker(&label.text, label.colour, label.foot) {
                for index in label.arms {
                    texts.entries[index].label = median::with_median(&figure.arms[index]);
                }
            }
        }
        texts
    })?;
    let columns = Columns {
        plot_left: drawn.layout.plot.x0,
        xs: drawn.columns,
    };
    Ok((drawn.layout, columns))
}

/// The legend: one entry per arm (in arm order), then what the marks mean.
fn entries(figure: &PopulationFigure) -> Vec<Entry> {
    let mut entries: Vec<Entry> = figure
        .arms
        .iter()
        .map(|arm| Entry {
            label: arm.label.clone(),
            swatch: Swatch::Line(colour(arm.colour)),
        })
        .collect();
    entries.extend([
        Entry {
            label: "95 % confidence band".to_string(),
            swatch: Swatch::Band(GREY, 2.0 * BAND_OPACITY),
        },
        Entry {
            label: "censored".to_string(),
            swatch: Swatch::Tick(GREY),
        },
        Entry {
            label: "median relapse-free time".to_string(),
            swatch: Swatch::Dashed(GREY),
        },
    ]);
    entries
}

/// The arm's steps that can be drawn, sorted by time, starting at time 0.
fn clean(arm: &SurvivalArm, t_end: f64) -> Vec<Step> {
    let unit = |v: f64| if v.is_nan() { v } else { v.clamp(0.0, 1.0) };
    let mut steps: Vec<Step> = arm
        .steps
        .iter()
        .filter(|s| s.0.is_finite() && s.0 <= t_end && !s.1.is_nan())
        .map(|&(t, s, lower, upper)| {
            let (lower, upper) = (unit(lower), unit(upper));
            let (lower, upper) = if lower > upper {
                (upper, lower)
            } else {
                (lower, upper)
            };
            (t.max(0.0), s.clamp(0.0, 1.0), lower, upper)
        })
        .collect();
    steps.sort_by(|a, b| a.0.total_cmp(&b.0));
    if steps.first().is_some_and(|s| s.0 > 0.0) {
        steps.insert(0, (0.0, 1.0, 1.0, 1.0));
    }
    steps
}

/// S(t) of the right-continuous step function: the value of the last step at or before `t`,
/// 1 before the first.
fn survival_at(steps: &[Step], t: f64) -> f64 {
    let after = steps.partition_point(|s| s.0 <= t);
    after.checked_sub(1).map_or(1.0, |i| steps[i].1)
}

/// The polyline of the step curve, held to `t_end`.
fn step_path(steps: &[Step], t_end: f64) -> Vec<(f64, f64)> {
    let mut path = Vec::with_capacity(2 * steps.len() + 1);
    for (i, &(t, s, _, _)) in steps.iter().enumerate() {
        if i > 0 {
            path.push((t, steps[i - 1].1));
        }
        path.push((t, s));
    }
    if let Some(last) = steps.last() {
        path.push((t_end, last.1));
    }
    path
}

/// The 95 % band: one [`Band`] per run of steps whose limits are defined, each limit held
/// until the next step's time.
fn bands(steps: &[Step], t_end: f64) -> Vec<Band> {
    let intervals: Vec<(f64, f64, f64, f64)> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.0, steps.get(i + 1).map_or(t_end, |next| next.0), s.2, s.3))
        .collect();
    intervals
        .split(|interval| interval.2.is_nan() || interval.3.is_nan())
        .filter(|run| !run.is_empty())
        .map(|run| Band {
            upper: run.iter().flat_map(|r| [(r.0, r.3), (r.1, r.3)]).collect(),
            lower: run.iter().flat_map(|r| [(r.0, r.2), (r.1, r.2)]).collect(),
        })
        .collect()
}

/// Censoring ticks on the curve, one per pixel position at most.
fn censoring<DB: DrawingBackend>(
    scene: &mut Scene,
    chart: &KeyedChart<'_, DB>,
    steps: &[Step],
    (censored, t_end, c): (&[f64], f64, RGBColor),
) {
    let mut seen = HashSet::new();
    let style = ShapeStyle::from(&c).stroke_width(2);
    for &t in censored
        .iter()
        .filter(|t| t.is_finite() && (0.0..=t_end).contains(*t))
    {
        let (x, y) = chart.backend_coord(&(t, survival_at(steps, t)));
        if seen.insert((x, y)) {
            scene.line(vec![(x, y - TICK), (x, y + TICK)], style);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arm(steps: Vec<Step>) -> SurvivalArm {
        SurvivalArm {
            steps,
            ..SurvivalArm::default()
        }
    }

    #[test]
    fn the_step_path_holds_each_value_until_the_next_time() {
        let steps = clean(&arm(vec![(0.0, 1.0, 1.0, 1.0), (2.0, 0.5, 0.2, 0.8)]), 10.0);
        assert_eq!(
            step_path(&steps, 10.0),
            vec![(0.0, 1.0), (2.0, 1.0), (2.0, 0.5), (10.0, 0.5)]
        );
        assert_eq!(survival_at(&steps, 1.9), 1.0);
        assert_eq!(survival_at(&steps, 2.0), 0.5);
        assert_eq!(survival_at(&steps, -1.0), 1.0);
    }

    #[test]
    fn cleaning_sorts_clamps_and_starts_at_zero() {
        let steps = clean(
            &arm(vec![
                (5.0, 0.4, 0.7, 0.1),
                (f64::NAN, 0.5, 0.5, 0.5),
                (1.0, 2.0, -1.0, f64::NAN),
                (20.0, 0.1, 0.0, 0.2),
            ]),
            10.0,
        );
        assert_eq!(steps.len(), 3);
        assert_eq!(steps[0], (0.0, 1.0, 1.0, 1.0));
        assert_eq!((steps[1].0, steps[1].1, steps[1].2), (1.0, 1.0, 0.0));
        assert!(steps[1].3.is_nan());
        assert_eq!(steps[2], (5.0, 0.4, 0.1, 0.7));
    }

    #[test]
    fn bands_break_where_the_limits_are_undefined() {
        let steps = vec![
            (0.0, 1.0, 1.0, 1.0),
            (1.0, 0.5, 0.3, 0.7),
            (2.0, 0.0, f64::NAN, f64::NAN),
            (3.0, 0.0, 0.0, 0.1),
        ];
        let bands = bands(&steps, 4.0);
        assert_eq!(bands.len(), 2);
        assert_eq!(
            bands[0].upper,
            vec![(0.0, 1.0), (1.0, 1.0), (1.0, 0.7), (2.0, 0.7)]
        );
        assert_eq!(
            bands[0].lower,
            vec![(0.0, 1.0), (1.0, 1.0), (1.0, 0.3), (2.0, 0.3)]
        );
        assert_eq!(bands[1].upper, vec![(3.0, 0.1), (4.0, 0.1)]);
        assert_eq!(bands[1].lower, vec![(3.0, 0.0), (4.0, 0.0)]);
    }
}
