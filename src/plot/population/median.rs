//! The median relapse-free times on the survival panel: a grey dashed line at S = 0.5 out to
//! the latest median, a dashed drop in each arm's colour from there to the time axis, and the
//! time written near the drop's foot where it covers no curve, band or other text (once, in
//! grey, for arms whose medians read the same). A time that finds no such place is given in
//! the legend instead ([`with_median`]).

use plotters::prelude::{BLACK, DrawingBackend, RGBColor};
use plotters::style::{Color, ShapeStyle};

use super::frame::KeyedChart;
use super::scene::Scene;
use super::{PopulationFigure, SurvivalArm};
use crate::plot::draw::colour;
use crate::plot::ticks::short_number;

/// Colour of a label shared by several arms.
const SHARED: RGBColor = RGBColor(60, 60, 60);
/// Dash and gap of the median lines, in pixels.
const DASH: (i32, i32) = (6, 4);

/// A median's label, to be placed: its text and colour, the foot of its drop in backend
/// pixels, and the arms (indices) whose median it gives.
pub(super) struct MedianLabel {
    pub(super) text: String,
    pub(super) colour: RGBColor,
    pub(super) foot: (i32, i32),
    pub(super) arms: Vec<usize>,
}

/// `arm`'s legend label with its median: `label (median 205.3)`, or "not reached".
pub(super) fn with_median(arm: &SurvivalArm) -> String {
    match arm.median.filter(|m| m.is_finite()) {
        Some(m) => format!("{} (median {})", arm.label, short_number(m)),
        None => format!("{} (median not reached)", arm.label),
    }
}

/// Records the median lines of `figure`'s arms in `scene` and returns their labels, in
/// increasing time.
pub(super) fn guides<DB: DrawingBackend>(
    scene: &mut Scene,
    chart: &KeyedChart<'_, DB>,
    figure: &PopulationFigure,
) -> Vec<MedianLabel> {
    let t_end = figure.t_end;
    let mut medians: Vec<(f64, usize)> = figure
        .arms
        .iter()
        .enumerate()
        .filter_map(|(index, arm)| arm.median.map(|m| (m, index)))
        .filter(|(m, _)| m.is_finite() && (0.0..=t_end).contains(m))
        .collect();
    let Some(latest) = medians.iter().map(|m| m.0).reduce(f64::max) else {
        return Vec::new();
    };
    medians.sort_by(|a, b| a.0.total_cmp(&b.0));
    let at = |p: (f64, f64)| chart.backend_coord(&p);
    let grey = ShapeStyle::from(&BLACK.mix(0.45)).stroke_width(1);
    scene.guide(vec![at((0.0, 0.5)), at((latest, 0.5))], grey, DASH);
    let mut labels: Vec<MedianLabel> = Vec::new();
    for (median, index) in medians {
        let c = colour(figure.arms[index].colour);
        let foot = at((median, 0.0));
        scene.guide(
            vec![at((median, 0.5)), foot],
            ShapeStyle::from(&c).stroke_width(1),
            DASH,
        );
        // Arms whose medians read the same share one label, in a neutral colour.
        let text = short_number(median);
        match labels.last_mut() {
            Some(last) if last.text == text => {
                last.colour = SHARED;
                last.arms.push(index);
            }
            _ => labels.push(MedianLabel {
                text,
                colour: c,
                foot,
                arms: vec![index],
            }),
        }
    }
    labels
}
