//! One panel of a population figure, decided in pixels before anything is drawn, with the
//! placement machinery of `plot`'s curve panels ([`crate::plot::placement`], [`key`]): what is
//! drawn is recorded in a [`Scene`] (bands and curves are data, level and median lines are
//! guides); labels are placed where they cover no data and no other text (guides only cost),
//! else their words go into the legend; the legend goes to a spot inside the plotting area
//! that covers nothing drawn, else to a strip of its own above it, as in `plot`.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::{BLACK, DrawingArea, DrawingBackend, IntoFont, PathElement, Polygon, RGBColor, Text};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBAColor, ShapeStyle};

use super::frame::{Frame, KeyedChart, YAxis};
use super::layout::X_LABEL_AREA;
use crate::plot::PlotError;
use crate::plot::draw::err;
use crate::plot::key;
use crate::plot::layout::MARGIN;
use crate::plot::legend::{Entry, Swatch};
use crate::plot::panel::{LEGEND_PAD, LEVEL_FONT, LEVEL_GREY, MARKER_FONT, PanelLayout, TextBox};
use crate::plot::placement::{
    Avoid, Occupancy, Painter, Rect, free_spot, least_covered, place_label, place_level_label,
};
use crate::plot::strokes::bitmap_pieces;

/// Pixels around a drawn line or band edge that labels and the legend keep clear of (lines
/// are stroked 2 px wide).
const DATA_RADIUS: i32 = 2;

/// Something drawn, in backend pixels.
enum Shape {
    Fill(Vec<(i32, i32)>, ShapeStyle),
    Line(Vec<(i32, i32)>, ShapeStyle),
    Dashed(Vec<(i32, i32)>, ShapeStyle, (i32, i32)),
}

/// What a panel draws, in backend pixels, collected before its texts are placed.
pub(super) struct Scene {
    plot: Rect,
    shapes: Vec<Shape>,
    /// Bands, curves and ticks: no text may cover them.
    data: Painter,
    /// Level and median lines: texts keep off them where they can.
    guides: Painter,
    /// Everything: the legend covers none of it.
    all: Painter,
    curves: Vec<Vec<(i32, i32)>>,
    areas: Vec<Vec<(i32, i32)>>,
}

impl Scene {
    /// An empty scene over the plotting area of `chart`.
    pub(super) fn new<DB: DrawingBackend>(chart: &KeyedChart<'_, DB>) -> Self {
        let (xs, ys) = chart.plotting_area().get_pixel_range();
        let plot = Rect {
            x0: xs.start,
            y0: ys.start,
            x1: xs.end - 1,
            y1: ys.end - 1,
        };
        Self {
            plot,
            shapes: Vec::new(),
            data: Painter::new(plot),
            guides: Painter::new(plot),
            all: Painter::new(plot),
            curves: Vec::new(),
            areas: Vec::new(),
        }
    }

    /// A band between two edges (pixel polylines in increasing x), filled with `fill`.
    pub(super) fn band(&mut self, upper: Vec<(i32, i32)>, lower: Vec<(i32, i32)>, fill: ShapeStyle) {
        self.data.area((&upper, &lower), DATA_RADIUS, 1);
        self.all.area((&upper, &lower), DATA_RADIUS, 1);
        let outline: Vec<(i32, i32)> = upper.into_iter().chain(lower.into_iter().rev()).collect();
        self.areas.push(outline.clone());
        self.shapes.push(Shape::Fill(outline, fill));
    }

    /// A curve (or a censoring tick): data.
    pub(super) fn line(&mut self, pixels: Vec<(i32, i32)>, style: ShapeStyle) {
        self.data.stroke(&pixels, DATA_RADIUS, 1);
        self.all.stroke(&pixels, DATA_RADIUS, 1);
        self.curves.push(pixels.clone());
        self.shapes.push(Shape::Line(pixels, style));
    }

    /// A dashed guide line (a level, a median's drop), dashes and gaps `dash` pixels long.
    pub(super) fn guide(&mut self, pixels: Vec<(i32, i32)>, style: ShapeStyle, dash: (i32, i32)) {
        self.guides.stroke(&pixels, 1, 1);
        self.all.stroke(&pixels, 1, 1);
        self.shapes.push(Shape::Dashed(pixels, style, dash));
    }

    /// The scene with its occupancy summed, ready for texts; `entries` start the legend.
    pub(super) fn texts(self, entries: Vec<Entry>) -> Texts {
        Texts {
            plot: self.plot,
            shapes: self.shapes,
            data: self.data.finish(),
            guides: self.guides.finish(),
            all: self.all.finish(),
            curves: self.curves,
            areas: self.areas,
            labels: Vec::new(),
            entries,
        }
    }
}

/// A placed label.
struct Label {
    text: String,
    rect: Rect,
    colour: RGBAColor,
    font: u32,
    leader: Option<[(i32, i32); 2]>,
}

/// A scene whose labels are being placed, one after the other.
pub(super) struct Texts {
    plot: Rect,
    shapes: Vec<Shape>,
    data: Occupancy,
    guides: Occupancy,
    all: Occupancy,
    curves: Vec<Vec<(i32, i32)>>,
    areas: Vec<Vec<(i32, i32)>>,
    labels: Vec<Label>,
    /// The legend's entries: the panel's own, then labels that found no place.
    pub(super) entries: Vec<Entry>,
}

impl Texts {
    fn taken(&self) -> Vec<Rect> {
        self.labels.iter().map(|l| l.rect).collect()
    }

    /// The label of a level line whose right end is `end`: near that end, else in the legend.
    pub(super) fn level(&mut self, text: &str, end: (i32, i32)) {
        let taken = self.taken();
        let avoid = Avoid {
            area: self.plot,
            taken: &taken,
            curves: &self.guides,
            markers: &self.data,
        };
        match place_level_label(key::text_size(text, LEVEL_FONT), end, &avoid) {
            Some(rect) => self.labels.push(Label {
                text: text.to_string(),
                rect,
                colour: BLACK.mix(0.8),
                font: LEVEL_FONT,
                leader: None,
            }),
            None => self.entries.push(Entry {
                label: text.to_string(),
                swatch: Swatch::Dashed(LEVEL_GREY),
            }),
        }
    }

    /// The label of a point at `at` in `colour`, near it (with a leader line when it had to
    /// move away); whether it found a place.
    pub(super) fn marker(&mut self, text: &str, colour: RGBColor, at: (i32, i32)) -> bool {
        let taken = self.taken();
        let avoid = Avoid {
            area: self.plot,
            taken: &taken,
            curves: &self.guides,
            markers: &self.data,
        };
        let Some(placed) = place_label(key::text_size(text, MARKER_FONT), at, &avoid) else {
            return false;
        };
        self.labels.push(Label {
            text: text.to_string(),
            rect: placed.rect,
            colour: colour.to_rgba(),
            font: MARKER_FONT,
            leader: placed.leader.then(|| [at, placed.rect.nearest(at)]),
        });
        true
    }

    /// A spot inside the plotting area for the legend in one column, covering nothing drawn
    /// and no label.
    fn legend_inside(&self) -> Option<Rect> {
        free_spot(
            key::size(&self.entries, 1),
            self.plot,
            LEGEND_PAD,
            &self.all,
            &self.taken(),
        )
    }
}

/// The axes of a panel: the y axis and the time-axis title, and the space under the time
/// axis's label area.
pub(super) struct Axes<'a> {
    pub(super) y: &'a YAxis,
    pub(super) x_title: &'a str,
    pub(super) margin_bottom: u32,
    pub(super) t_end: f64,
}

/// A panel as drawn: its layout, and the x of each of [`Frame::columns`] in backend pixels.
pub(super) struct Drawn {
    pub(super) layout: PanelLayout,
    pub(super) columns: Vec<i32>,
}

/// Lays out the panel that `plan` describes on `area` (planning again on a smaller plotting
/// area when the legend needs a strip of its own) and draws it.
pub(super) fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (frame, axes): (&Frame, &Axes<'_>),
    bitmap: bool,
    plan: impl Fn(&KeyedChart<'_, DB>) -> Texts,
) -> Result<Drawn, PlotError> {
    let chart = frame.chart(area, axes.t_end, axes.y, axes.margin_bottom)?;
    let texts = plan(&chart);
    if texts.entries.is_empty() {
        return finish(chart, (frame, axes), (texts, None), bitmap);
    }
    if let Some(rect) = texts.legend_inside() {
        return finish(chart, (frame, axes), (texts, Some((rect, 1, None))), bitmap);
    }
    // No free spot inside: a strip above the plotting area across the panel's width, if the
    // panel keeps enough height; else where the legend covers the least.
    let below = MARGIN + X_LABEL_AREA + axes.margin_bottom;
    let Some((columns, strip)) = key::strip(&texts.entries, area.dim_in_pixel(), below) else {
        let rect = least_covered(key::size(&texts.entries, 1), texts.plot, LEGEND_PAD, &texts.all);
        return finish(chart, (frame, axes), (texts, Some((rect, 1, None))), bitmap);
    };
    let (top, rest) = area.split_vertically(u32::try_from(strip).unwrap_or(0));
    let chart = frame.chart(&rest, axes.t_end, axes.y, axes.margin_bottom)?;
    let texts = plan(&chart);
    let rect = key::strip_box(&texts.entries, columns, top.get_base_pixel());
    finish(
        chart,
        (frame, axes),
        (texts, Some((rect, columns, Some(&top)))),
        bitmap,
    )
}

/// Where the legend goes: its box, its columns, and the strip it is drawn on (else the
/// plotting area).
type LegendPlace<'s, DB> = Option<(Rect, usize, Option<&'s DrawingArea<DB, Shift>>)>;

fn finish<DB: DrawingBackend>(
    mut chart: KeyedChart<'_, DB>,
    (frame, axes): (&Frame, &Axes<'_>),
    (texts, legend): (Texts, LegendPlace<'_, DB>),
    bitmap: bool,
) -> Result<Drawn, PlotError> {
    frame.mesh(&mut chart, axes.x_title, axes.y)?;
    let plot = chart.plotting_area().strip_coord_spec();
    let base = plot.get_base_pixel();
    let local = |pixels: &[(i32, i32)]| -> Vec<(i32, i32)> {
        pixels.iter().map(|&(x, y)| (x - base.0, y - base.1)).collect()
    };
    for shape in &texts.shapes {
        match shape {
            Shape::Fill(outline, fill) => plot.draw(&Polygon::new(local(outline), *fill)),
            Shape::Line(pixels, style) if bitmap => bitmap_pieces(pixels)
                .iter()
                .try_for_each(|piece| plot.draw(&PathElement::new(local(piece), *style))),
            Shape::Line(pixels, style) => plot.draw(&PathElement::new(local(pixels), *style)),
            Shape::Dashed(pixels, style, (dash, gap)) => {
                plot.draw(&DashedPathElement::new(local(pixels), *dash, *gap, *style))
            }
        }
        .map_err(err)?;
    }
    for label in &texts.labels {
        if let Some(leader) = label.leader {
            let style = ShapeStyle::from(&label.colour).stroke_width(1);
            plot.draw(&PathElement::new(local(&leader), style)).map_err(err)?;
        }
        let font = ("sans-serif", label.font)
            .into_font()
            .color(&label.colour)
            .pos(Pos::new(HPos::Left, VPos::Top));
        let at = local(&[(label.rect.x0, label.rect.y0)])[0];
        plot.draw(&Text::new(label.text.clone(), at, font)).map_err(err)?;
    }
    if let Some((rect, columns, strip)) = legend {
        match strip {
            Some(strip) => key::draw(strip, &texts.entries, (rect, columns), strip.get_base_pixel())?,
            None => key::draw(&plot, &texts.entries, (rect, columns), base)?,
        }
    }
    let columns = frame
        .columns
        .iter()
        .map(|&(t, _)| chart.backend_coord(&(t, 0.0)).0)
        .collect();
    Ok(Drawn {
        layout: PanelLayout {
            plot: texts.plot,
            legend: legend.map(|l| l.0),
            entries: if legend.is_some() {
                texts.entries.iter().map(|e| e.label.clone()).collect()
            } else {
                Vec::new()
            },
            leaders: texts.labels.iter().filter_map(|l| l.leader).collect(),
            labels: texts
                .labels
                .into_iter()
                .map(|l| TextBox {
                    text: l.text,
                    rect: l.rect,
                })
                .collect(),
            curves: texts.curves,
            areas: texts.areas,
        },
        columns,
    })
}
