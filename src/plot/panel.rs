//! One curve panel (the main panel or the exposure panel): the axes, the curves (thinned to at
//! most four points per pixel column, [`decimate`]), the level lines and the markers, and their
//! texts laid out so that none overlaps another ([`placement`]) and the legend covers no data:
//! inside the plotting area where a spot is free, else in a strip of its own above it.
//!
//! Everything is decided in pixels before anything is drawn, and the result is returned as a
//! [`PanelLayout`], so tests check what the renderer draws rather than parsing images.

use plotters::coord::Shift;
use plotters::prelude::{
    BLACK, ChartBuilder, Circle, Cross, DashedLineSeries, DrawingArea, DrawingBackend, EmptyElement,
    IntoFont, LineSeries, PathElement, RGBColor, ShapeStyle, Text, WHITE,
};
use plotters::style::Color;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::decimate::decimate;
use super::draw::{Axis, Chart, Clipped, LINEAR_LIMIT, clip_to_time, colour, decade_label, err};
use super::key;
use super::layout::MARGIN;
use super::legend::{Entry, Swatch};
use super::placement::{
    Avoid, Occupancy, Painter, Rect, free_spot, least_covered, place_label, place_level_label,
};
use super::strokes::bitmap_pieces;
use super::ticks::span_labeller;
use super::{Marker, Panel, PlotError};

/// Font size of marker labels (also the population figure's).
pub(super) const MARKER_FONT: u32 = 14;
/// Font size of level labels (also the population figure's).
pub(super) const LEVEL_FONT: u32 = 15;
/// Margin between the legend and the plotting area's edge.
pub(super) const LEGEND_PAD: i32 = 8;
/// Grey of the level lines' legend swatch.
pub(super) const LEVEL_GREY: RGBColor = RGBColor(100, 100, 100);
/// Radius of an observation's point (with its white ring), as an obstacle.
const OBSERVATION_RADIUS: i32 = 6;
/// Radius of a marker's symbol, as an obstacle.
const MARKER_RADIUS: i32 = 8;

/// A text as laid out: what it says and its box, in backend pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextBox {
    /// The text.
    pub text: String,
    /// Its box.
    pub rect: Rect,
}

/// A curve panel as drawn, in backend pixels (from the canvas's top-left corner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelLayout {
    /// The plotting area (inside the axes).
    pub plot: Rect,
    /// The legend box, if there is a legend.
    pub legend: Option<Rect>,
    /// The legend's entries, in order (labels that found no place beside the data among them).
    pub entries: Vec<String>,
    /// Level and marker labels.
    pub labels: Vec<TextBox>,
    /// Leader lines from markers to labels moved away from them.
    pub leaders: Vec<[(i32, i32); 2]>,
    /// The curves as drawn: polylines of pixels.
    pub curves: Vec<Vec<(i32, i32)>>,
    /// Shaded areas as drawn (the bands of a population figure): closed outlines of pixels.
    pub areas: Vec<Vec<(i32, i32)>>,
}

/// What to draw a panel with.
pub(super) struct PanelSpec<'a> {
    pub(super) panel: &'a Panel,
    pub(super) t_end: f64,
    pub(super) label_area: u32,
    pub(super) x_label_area: u32,
    pub(super) x_label: &'a str,
    /// Whether the panel has a legend (not when the same curves are explained above).
    pub(super) legend: bool,
    /// Whether the backend is a bitmap ([`bitmap_pieces`]).
    pub(super) bitmap: bool,
}

/// One curve on the axis scale, cut to the time axis, before it is thinned for the pixels.
struct Prepared {
    colour: usize,
    pieces: Vec<Vec<(f64, f64)>>,
}

/// A curve as drawn: its pieces thinned (in data space, for a vector backend) and in pixels.
struct DrawnCurve {
    colour: usize,
    thinned: Vec<Vec<(f64, f64)>>,
    pixels: Vec<Vec<(i32, i32)>>,
}

/// A placed label with what it belongs to.
struct Label {
    text: String,
    rect: Rect,
    colour: Option<usize>,
    leader: Option<[(i32, i32); 2]>,
}

/// The panel's geometry once the chart's pixels are known.
struct Plan {
    plot: Rect,
    curves: Vec<DrawnCurve>,
    labels: Vec<Label>,
    entries: Vec<Entry>,
    legend: Option<Rect>,
    drawn: Occupancy,
}

/// Draws `spec` on `area` and returns its layout.
pub(super) fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &PanelSpec<'_>,
) -> Result<PanelLayout, PlotError> {
    let axis = Axis::of(spec.panel);
    let mut clipped_any = Vec::new();
    let prepared: Vec<Prepared> = spec
        .panel
        .curves
        .iter()
        .map(|curve| {
            let (points, clipped) = axis.transform(&curve.points);
            clipped_any.push(clipped);
            Prepared {
                colour: curve.colour,
                pieces: clip_to_time(&points, 0.0, spec.t_end),
            }
        })
        .collect();
    let entries = if spec.legend {
        entries(spec.panel, &clipped_any, axis.log)
    } else {
        // The curves are explained above; only what was clipped needs saying here.
        notes(&clipped_any, axis.log)
    };
    let chart = build(area, spec, &axis)?;
    let plan = plan(&chart, spec, (&axis, &prepared), entries.clone());
    if plan.legend.is_some() || plan.entries.is_empty() {
        return finish(chart, spec, &axis, (plan, 1), None);
    }
    // No free spot inside: the legend takes a strip above the plotting area, if the panel
    // keeps enough height; else it goes where it covers the least.
    // The strip spans the panel's whole width (the y-axis title's column included).
    let below = 2 * MARGIN + spec.x_label_area;
    let Some((columns, strip)) = key::strip(&plan.entries, area.dim_in_pixel(), below) else {
        let mut plan = plan;
        let size = key::size(&plan.entries, 1);
        plan.legend = Some(least_covered(size, plan.plot, LEGEND_PAD, &plan.drawn));
        return finish(chart, spec, &axis, (plan, 1), None);
    };
    let (top, rest) = area.split_vertically(u32::try_from(strip).unwrap_or(0));
    let chart = build(&rest, spec, &axis)?;
    let mut plan = plan_without_legend(&chart, spec, (&axis, &prepared), entries);
    plan.legend = Some(key::strip_box(&plan.entries, columns, top.get_base_pixel()));
    finish(chart, spec, &axis, (plan, columns), Some(&top))
}

fn build<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    spec: &PanelSpec<'_>,
    axis: &Axis,
) -> Result<Chart<'a, DB>, PlotError> {
    ChartBuilder::on(area)
        .margin(MARGIN)
        .x_label_area_size(spec.x_label_area)
        .y_label_area_size(spec.label_area)
        .build_cartesian_2d(0.0..spec.t_end, axis.bottom..axis.top)
        .map_err(err)
}

/// The legend entries: one per curve, saying when values were clipped to the axis.
fn entries(panel: &Panel, clipped: &[Clipped], log: bool) -> Vec<Entry> {
    panel
        .curves
        .iter()
        .zip(clipped)
        .map(|(curve, c)| Entry {
            label: match (c.floor, c.beyond) {
                (false, false) => curve.label.clone(),
                (true, false) => format!("{} (values ≤ 0 clipped to axis floor)", curve.label),
                (false, true) if log => format!("{} (infinite values clipped to axis top)", curve.label),
                (false, true) => format!("{} (values beyond ±{LINEAR_LIMIT:e} clipped)", curve.label),
                (true, true) => format!("{} (values ≤ 0 and infinite values clipped)", curve.label),
            },
            swatch: Swatch::Line(colour(curve.colour)),
        })
        .collect()
}

/// Notes on values clipped to the axis, for a panel whose curves are explained above.
fn notes(clipped: &[Clipped], log: bool) -> Vec<Entry> {
    let note = |label: &str| Entry {
        label: label.to_string(),
        swatch: Swatch::Blank,
    };
    let mut notes = Vec::new();
    if clipped.iter().any(|c| c.floor) {
        notes.push(note("values ≤ 0 clipped to the axis floor"));
    }
    if clipped.iter().any(|c| c.beyond) {
        notes.push(note(if log {
            "infinite values clipped to the axis top"
        } else {
            "values beyond ±1e300 clipped to the axis edge"
        }));
    }
    notes
}

fn plan<DB: DrawingBackend>(
    chart: &Chart<'_, DB>,
    spec: &PanelSpec<'_>,
    curves: (&Axis, &[Prepared]),
    entries: Vec<Entry>,
) -> Plan {
    let mut plan = plan_without_legend(chart, spec, curves, entries);
    if !plan.entries.is_empty() {
        let taken: Vec<Rect> = plan.labels.iter().map(|l| l.rect).collect();
        let size = key::size(&plan.entries, 1);
        plan.legend = free_spot(size, plan.plot, LEGEND_PAD, &plan.drawn, &taken);
    }
    plan
}

fn plan_without_legend<DB: DrawingBackend>(
    chart: &Chart<'_, DB>,
    spec: &PanelSpec<'_>,
    (axis, prepared): (&Axis, &[Prepared]),
    entries: Vec<Entry>,
) -> Plan {
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    let plot = Rect {
        x0: xs.start,
        y0: ys.start,
        x1: xs.end - 1,
        y1: ys.end - 1,
    };
    let curves = in_pixels(chart, prepared);
    let mut lines = Painter::new(plot);
    let mut drawn = Painter::new(plot);
    for piece in curves.iter().flat_map(|c| &c.pixels) {
        lines.stroke(piece, 1, 1);
        drawn.stroke(piece, 2, 1);
    }
    // Level lines: labels keep off them where they can, the legend always.
    let level_ends: Vec<(i32, i32)> = spec
        .panel
        .levels
        .iter()
        .map(|level| {
            let y = axis.place(level.value).0;
            let (start, end) = (
                chart.backend_coord(&(0.0, y)),
                chart.backend_coord(&(spec.t_end, y)),
            );
            drawn.stroke(&[start, end], 1, 1);
            lines.stroke(&[start, end], 0, 1);
            end
        })
        .collect();
    let markers: Vec<(usize, (i32, i32))> = spec
        .panel
        .markers
        .iter()
        .enumerate()
        // A marker off the time axis is not drawn (its pixel position could overflow).
        .filter(|(_, m)| (0.0..=spec.t_end).contains(&m.at.0))
        .map(|(i, m)| (i, chart.backend_coord(&(m.at.0, axis.place(m.at.1).0))))
        .collect();
    let mut symbols = Painter::new(plot);
    for (_, at) in &markers {
        symbols.marker(*at, MARKER_RADIUS, 1);
        drawn.marker(*at, MARKER_RADIUS, 1);
    }
    // Observed data: points (and error bars) are data too; labels and the legend keep off them.
    let observed = spec
        .panel
        .observations
        .iter()
        .filter_map(|o| super::observed::placed(o, axis, spec.t_end));
    for (t, y, bar) in observed {
        let at = chart.backend_coord(&(t, y));
        symbols.marker(at, OBSERVATION_RADIUS, 1);
        drawn.marker(at, OBSERVATION_RADIUS, 1);
        if let Some((low, high)) = bar {
            let bar = [chart.backend_coord(&(t, low)), chart.backend_coord(&(t, high))];
            symbols.stroke(&bar, 1, 1);
            drawn.stroke(&bar, 1, 1);
        }
    }
    let mut labeller = Labeller {
        plot,
        lines: lines.finish(),
        symbols: symbols.finish(),
        labels: Vec::new(),
        entries,
    };
    for (level, end) in spec.panel.levels.iter().zip(level_ends) {
        labeller.level(&level.label, end);
    }
    for (index, at) in markers {
        labeller.marker(spec.panel, &spec.panel.markers[index], at);
    }
    Plan {
        plot,
        curves,
        labels: labeller.labels,
        entries: labeller.entries,
        legend: None,
        drawn: drawn.finish(),
    }
}

/// Each curve thinned to at most four points per pixel column, and in pixels.
fn in_pixels<DB: DrawingBackend>(chart: &Chart<'_, DB>, prepared: &[Prepared]) -> Vec<DrawnCurve> {
    let column = |t: f64| chart.backend_coord(&(t, 0.0)).0;
    prepared
        .iter()
        .map(|curve| {
            let thinned: Vec<Vec<(f64, f64)>> = curve.pieces.iter().map(|p| decimate(p, column)).collect();
            let pixels = thinned
                .iter()
                .map(|p| p.iter().map(|q| chart.backend_coord(q)).collect())
                .collect();
            DrawnCurve {
                colour: curve.colour,
                thinned,
                pixels,
            }
        })
        .collect()
}

/// Places labels one after the other, each avoiding those before it.
struct Labeller {
    plot: Rect,
    lines: Occupancy,
    symbols: Occupancy,
    labels: Vec<Label>,
    entries: Vec<Entry>,
}

impl Labeller {
    fn placed(&self) -> Vec<Rect> {
        self.labels.iter().map(|l| l.rect).collect()
    }

    /// A level's label near the right end `end` of its line, else in the legend.
    fn level(&mut self, text: &str, end: (i32, i32)) {
        let taken = self.placed();
        let avoid = Avoid {
            area: self.plot,
            taken: &taken,
            curves: &self.lines,
            markers: &self.symbols,
        };
        match place_level_label(key::text_size(text, LEVEL_FONT), end, &avoid) {
            Some(rect) => self.labels.push(Label {
                text: text.to_string(),
                rect,
                colour: None,
                leader: None,
            }),
            None => self.entries.push(Entry {
                label: text.to_string(),
                swatch: Swatch::Dashed(LEVEL_GREY),
            }),
        }
    }

    /// A marker's label near the marker at `at`, else in the legend.
    fn marker(&mut self, panel: &Panel, marker: &Marker, at: (i32, i32)) {
        let text = marker.label.trim();
        let taken = self.placed();
        let avoid = Avoid {
            area: self.plot,
            taken: &taken,
            curves: &self.lines,
            markers: &self.symbols,
        };
        match place_label(key::text_size(text, MARKER_FONT), at, &avoid) {
            Some(placed) => self.labels.push(Label {
                text: text.to_string(),
                rect: placed.rect,
                colour: Some(marker.colour),
                leader: placed.leader.then(|| [at, placed.rect.nearest(at)]),
            }),
            // Nowhere free near its marker: the label goes into the legend.
            None => self.entries.push(Entry {
                label: format!("{} {text}", owner(panel, marker.colour)),
                swatch: Swatch::Line(colour(marker.colour)),
            }),
        }
    }
}

/// The label of the curve of colour `colour`, for a marker whose label moved to the legend.
fn owner(panel: &Panel, colour: usize) -> String {
    panel
        .curves
        .iter()
        .find(|c| c.colour == colour)
        .map_or_else(String::new, |c| format!("{} —", c.label))
}

/// Draws the planned panel.
fn finish<DB: DrawingBackend>(
    mut chart: Chart<'_, DB>,
    spec: &PanelSpec<'_>,
    axis: &Axis,
    (plan, columns): (Plan, usize),
    strip: Option<&DrawingArea<DB, Shift>>,
) -> Result<PanelLayout, PlotError> {
    draw_mesh(&mut chart, spec, axis)?;
    let plot_area = chart.plotting_area().strip_coord_spec();
    let base = plot_area.get_base_pixel();
    let local = |(x, y): (i32, i32)| (x - base.0, y - base.1);
    for curve in &plan.curves {
        let style = colour(curve.colour).stroke_width(2);
        if spec.bitmap {
            for piece in curve.pixels.iter().flat_map(|p| bitmap_pieces(p)) {
                let piece: Vec<(i32, i32)> = piece.into_iter().map(local).collect();
                plot_area.draw(&PathElement::new(piece, style)).map_err(err)?;
            }
        } else {
            for piece in &curve.thinned {
                chart
                    .draw_series(LineSeries::new(piece.iter().copied(), style))
                    .map_err(err)?;
            }
        }
    }
    let level_style = ShapeStyle::from(&BLACK.mix(0.6)).stroke_width(1);
    for level in &spec.panel.levels {
        let y = axis.place(level.value).0;
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, y), (spec.t_end, y)],
                8,
                5,
                level_style,
            ))
            .map_err(err)?;
    }
    super::observed::draw(&mut chart, &spec.panel.observations, axis, spec.t_end)?;
    for marker in &spec.panel.markers {
        if !(0.0..=spec.t_end).contains(&marker.at.0) {
            continue;
        }
        let c = colour(marker.colour);
        let element = EmptyElement::at((marker.at.0, axis.place(marker.at.1).0))
            + Circle::new((0, 0), 5, c.filled())
            + Cross::new((0, 0), 8, c.stroke_width(2));
        chart.draw_series(std::iter::once(element)).map_err(err)?;
    }
    for label in &plan.labels {
        let (c, size) = match label.colour {
            Some(c) => (colour(c).to_rgba(), MARKER_FONT),
            None => (BLACK.mix(0.8), LEVEL_FONT),
        };
        if let Some([from, to]) = label.leader {
            plot_area
                .draw(&PathElement::new(vec![local(from), local(to)], c.stroke_width(1)))
                .map_err(err)?;
        }
        let font = ("sans-serif", size)
            .into_font()
            .color(&c)
            .pos(Pos::new(HPos::Left, VPos::Top));
        plot_area
            .draw(&Text::new(
                label.text.clone(),
                local((label.rect.x0, label.rect.y0)),
                font,
            ))
            .map_err(err)?;
    }
    if let Some(rect) = plan.legend {
        match strip {
            Some(strip) => key::draw(strip, &plan.entries, (rect, columns), strip.get_base_pixel())?,
            None => key::draw(&plot_area, &plan.entries, (rect, columns), base)?,
        }
    }
    Ok(PanelLayout {
        plot: plan.plot,
        legend: plan.legend,
        entries: if plan.legend.is_some() {
            plan.entries.iter().map(|e| e.label.clone()).collect()
        } else {
            Vec::new()
        },
        leaders: plan.labels.iter().filter_map(|l| l.leader).collect(),
        labels: plan
            .labels
            .into_iter()
            .map(|l| TextBox {
                text: l.text,
                rect: l.rect,
            })
            .collect(),
        curves: plan.curves.into_iter().flat_map(|c| c.pixels).collect(),
        areas: Vec::new(),
    })
}

fn draw_mesh<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    spec: &PanelSpec<'_>,
    axis: &Axis,
) -> Result<(), PlotError> {
    let log_y = axis.log;
    // plotters picks the linear ticks (at most this many labels); they are sums of a step, so
    // they are labelled with the decimals the step needs, not as computed (0.6000000000000001).
    const LINEAR_Y_LABELS: usize = 6;
    const X_LABELS: usize = 10;
    let linear = span_labeller(axis.bottom, axis.top, LINEAR_Y_LABELS);
    let y_format = move |v: &f64| if log_y { decade_label(*v) } else { linear(v) };
    let x_format = span_labeller(0.0, spec.t_end, X_LABELS);
    chart
        .configure_mesh()
        .x_desc(spec.x_label)
        .x_labels(X_LABELS)
        .x_label_formatter(&x_format)
        .y_desc(spec.panel.y_label.as_str())
        .y_labels(if log_y {
            ((axis.top - axis.bottom) as usize + 1).clamp(2, 12)
        } else {
            LINEAR_Y_LABELS
        })
        .y_label_formatter(&y_format)
        .axis_desc_style(("sans-serif", 18))
        .label_style(("sans-serif", 15))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)
}
