//! What both panels of a population figure share: the y-label area width, the time ticks
//! (which are the number-at-risk columns), and building a chart with explicit ticks on both
//! axes, so that plotters never searches for tick values itself.

use plotters::chart::ChartContext;
use plotters::coord::Shift;
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::{ChartBuilder, DrawingArea, DrawingBackend, IntoFont, WHITE};
use plotters::style::Color;

use super::PopulationFigure;
use super::layout::{MAX_MARGIN_RIGHT, X_LABEL_AREA};
use crate::plot::PlotError;
use crate::plot::draw::err;
use crate::plot::layout::MARGIN;
use crate::plot::ticks::{nice_times, thin_labels, tick_labeller};

/// A chart whose axes carry explicit ticks.
pub(super) type KeyedChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Ticked, Ticked>>;

/// A linear f64 axis whose ticks are given, not searched for. (plotters' own `WithKeyPoints`
/// does the same but cannot be given a label formatter for f64.)
pub(super) struct Ticked {
    linear: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ticked {
    fn new(range: std::ops::Range<f64>, ticks: Vec<f64>) -> Self {
        Self {
            linear: range.into(),
            ticks,
        }
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.linear.map(value, limit)
    }

    /// The given ticks carry labels and bold grid lines; there are no light grid lines.
    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.linear.range()
    }
}

/// Font size of tick labels.
pub(super) const TICK_FONT: u32 = 15;
/// Font size of the number-at-risk table.
pub(super) const TABLE_FONT: u32 = 13;
/// Pixels left between neighbouring tick labels or table columns.
const COLUMN_GAP: f64 = 12.0;

/// Makes the label of a tick value.
pub(super) type TickLabel = Box<dyn Fn(&f64) -> String>;

/// A y axis: its range on the drawn scale, ticks, title and tick labels.
pub(super) struct YAxis {
    pub(super) bottom: f64,
    pub(super) top: f64,
    pub(super) ticks: Vec<f64>,
    pub(super) title: String,
    pub(super) label: TickLabel,
}

/// The layout both panels share.
pub(super) struct Frame {
    /// Width of the y-label area, in pixels.
    pub(super) label_area: u32,
    /// Time ticks, increasing, within `[0, t_end]`.
    pub(super) ticks: Vec<f64>,
    /// Number-at-risk columns: (time, index into `at_risk_times` and each arm's `at_risk`);
    /// empty when the ticks were chosen here.
    pub(super) columns: Vec<(f64, usize)>,
    /// Margin right of the plotting area: room for half the widest label of a column at
    /// `t_end`, in pixels.
    pub(super) margin_right: u32,
}

impl Frame {
    /// The ticks are the at-risk times inside the time axis, in increasing order, without
    /// those whose tick label or numbers would overlap their left neighbour's; round times
    /// when there are none.
    pub(super) fn new<DB: DrawingBackend>(
        figure: &PopulationFigure,
        label_area: u32,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<Self, PlotError> {
        let t_end = figure.t_end;
        let plot_width = f64::from(figure.size.0.saturating_sub(2 * MARGIN + label_area));
        let mut candidates: Vec<(f64, usize)> = figure
            .at_risk_times
            .iter()
            .enumerate()
            .filter(|(_, t)| t.is_finite() && (0.0..=t_end).contains(*t))
            .map(|(i, &t)| (t, i))
            .collect();
        candidates.sort_by(|a, b| a.0.total_cmp(&b.0));
        candidates.dedup_by(|a, b| a.0 == b.0);
        if candidates.is_empty() {
            let count = (plot_width / 100.0).clamp(2.0, 10.0) as usize;
            return Ok(Self {
                label_area,
                ticks: nice_times(t_end, count),
                columns: Vec::new(),
                margin_right: MAX_MARGIN_RIGHT,
            });
        }
        // Widths from the width of a digit: every character of a number label is at most
        // about as wide as a digit, and measuring thousands of labels one by one is slow.
        let digit = |size: u32| -> Result<f64, PlotError> {
            let (w, _) = area
                .estimate_text_size("0000000000", &("sans-serif", size).into_font().into())
                .map_err(err)?;
            Ok(f64::from(w) / 10.0)
        };
        let (tick_digit, table_digit) = (digit(TICK_FONT)?, digit(TABLE_FONT)?);
        let times: Vec<f64> = candidates.iter().map(|c| c.0).collect();
        let label = tick_labeller(&times);
        let labels: Vec<(f64, f64)> = candidates
            .iter()
            .map(|&(t, i)| {
                let numbers = figure
                    .arms
                    .iter()
                    .filter_map(|arm| arm.at_risk.get(i))
                    .map(|n| n.to_string().len())
                    .max()
                    .unwrap_or(0);
                let width = (label(&t).chars().count() as f64 * tick_digit).max(numbers as f64 * table_digit);
                (t / t_end * plot_width, width)
            })
            .collect();
        let kept = thin_labels(&labels, COLUMN_GAP);
        // The last label sticks out beyond the plotting area by its right half, less its
        // distance from the end of the axis.
        let overhang = kept
            .last()
            .map_or(0.0, |&k| labels[k].0 + labels[k].1 / 2.0 - plot_width);
        let margin_right = (overhang + 4.0).clamp(f64::from(MARGIN), f64::from(MAX_MARGIN_RIGHT));
        let columns: Vec<(f64, usize)> = kept.into_iter().map(|k| candidates[k]).collect();
        Ok(Self {
            label_area,
            ticks: columns.iter().map(|c| c.0).collect(),
            columns,
            margin_right: margin_right as u32,
        })
    }

    /// A chart on `area` over `0..t_end` × the axis `y`, its mesh not yet drawn ([`Frame::mesh`]):
    /// the layout is planned on it first. `margin_bottom` is the space left under the x-axis
    /// label area.
    pub(super) fn chart<'a, DB: DrawingBackend>(
        &self,
        area: &'a DrawingArea<DB, Shift>,
        t_end: f64,
        y: &YAxis,
        margin_bottom: u32,
    ) -> Result<KeyedChart<'a, DB>, PlotError> {
        ChartBuilder::on(area)
            .margin_top(MARGIN)
            .margin_left(MARGIN)
            .margin_right(self.margin_right)
            .margin_bottom(margin_bottom)
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(self.label_area)
            .build_cartesian_2d(
                Ticked::new(0.0..t_end, self.ticks.clone()),
                Ticked::new(y.bottom..y.top, y.ticks.clone()),
            )
            .map_err(err)
    }

    /// Draws the mesh of `chart`: time ticks below with `x_title`, and `y`'s ticks and title
    /// at the left.
    pub(super) fn mesh<DB: DrawingBackend>(
        &self,
        chart: &mut KeyedChart<'_, DB>,
        x_title: &str,
        y: &YAxis,
    ) -> Result<(), PlotError> {
        let x_label = tick_labeller(&self.ticks);
        chart
            .configure_mesh()
            .x_desc(x_title)
            .x_label_formatter(&x_label)
            .y_desc(y.title.as_str())
            .y_label_formatter(&y.label)
            .axis_desc_style(("sans-serif", 18))
            .label_style(("sans-serif", TICK_FONT))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)
    }
}
