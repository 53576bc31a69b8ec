//! Every shipped example's figure, built as `relapse plot MODEL --out FILE` builds it (the
//! command of `plots/regenerate.sh`, with the model's `[plot]` panels and size), laid out by the plot layer ([`relapse::plot::layout`],
//! the function the renderer uses): no two texts (level labels, marker labels, the legend box)
//! share a pixel, every label stays inside its plotting area, and no drawn curve segment
//! crosses a legend box.

use std::path::{Path, PathBuf};

use clap::Parser;
use relapse::plot::{Figure, Rect, layout};

use super::{Context, build_figure};
use crate::cli::args::{Cli, Command};
use crate::cli::{Prepared, prepare_with_provenance};

/// The figure `relapse plot MODEL` draws, with default flags.
fn shipped_figure(model: &Path) -> Figure {
    let cli = Cli::try_parse_from([
        "relapse".as_ref(),
        "plot".as_ref(),
        model.as_os_str(),
        "--out".as_ref(),
        "unused.png".as_ref(),
    ])
    .expect("valid arguments");
    let Command::Plot(args) = cli.command else {
        unreachable!("parsed as plot")
    };
    let (
        Prepared {
            model,
            settings,
            compiled,
            regimens,
        },
        provenance,
    ) = prepare_with_provenance(&args.model, &args.solver, &[]).expect("a shipped model loads");
    let context = Context {
        model: &model,
        compiled: &compiled,
        settings: &settings,
        regimens: &regimens,
        provenance: &provenance,
    };
    let metrics: Vec<_> = if compiled.monitor.watchlist.observable.is_some() {
        regimens
            .iter()
            .map(|r| {
                compiled
                    .measure(r, settings.t_end, &settings.options)
                    .expect("solves")
                    .metrics
            })
            .collect()
    } else {
        Vec::new()
    };
    build_figure(&context, &args.figure, &metrics).expect("a figure")
}

fn shipped_models() -> Vec<PathBuf> {
    let mut models: Vec<PathBuf> = std::fs::read_dir("models")
        .expect("models/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    models.sort();
    models
}

/// Whether the segment from `a` to `b` passes through `rect` (Liang–Barsky clipping).
fn crosses((a, b): ((i32, i32), (i32, i32)), rect: &Rect) -> bool {
    let (x0, y0) = (f64::from(a.0), f64::from(a.1));
    let (dx, dy) = (f64::from(b.0) - x0, f64::from(b.1) - y0);
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    for (p, q) in [
        (-dx, x0 - f64::from(rect.x0)),
        (dx, f64::from(rect.x1) - x0),
        (-dy, y0 - f64::from(rect.y0)),
        (dy, f64::from(rect.y1) - y0),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    t0 <= t1
}

#[test]
fn segments_crossing_boxes_are_found() {
    let rect = Rect::at((10, 10), (20, 10));
    assert!(crosses(((0, 15), (40, 15)), &rect));
    assert!(
        crosses(((15, 0), (15, 100)), &rect),
        "a vertical peak through the box"
    );
    assert!(!crosses(((0, 0), (40, 5)), &rect));
    assert!(!crosses(((31, 0), (31, 40)), &rect));
}

#[test]
fn shipped_figures_have_no_overlapping_text_and_no_legend_over_a_curve() {
    let models = shipped_models();
    assert!(models.len() >= 8, "the shipped examples");
    for model in models {
        let figure = shipped_figure(&model);
        let panels = layout(&figure).expect("laid out");
        let name = model.display();
        for (index, panel) in panels.iter().enumerate() {
            let texts: Vec<(&str, Rect)> = panel
                .labels
                .iter()
                .map(|t| (t.text.as_str(), t.rect))
                .chain(panel.legend.map(|r| ("legend", r)))
                .collect();
            for (i, a) in texts.iter().enumerate() {
                for b in &texts[i + 1..] {
                    assert!(
                        !a.1.intersects(&b.1),
                        "{name}, panel {index}: `{}` {:?} overlaps `{}` {:?}",
                        a.0,
                        a.1,
                        b.0,
                        b.1
                    );
                }
            }
            for label in &panel.labels {
                assert!(
                    panel.plot.contains(&label.rect),
                    "{name}: `{}` outside",
                    label.text
                );
            }
            let Some(legend) = panel.legend else { continue };
            // Curves are stroked 2 px wide: one pixel beyond their centre line.
            let grown = legend.grown(1);
            for curve in &panel.curves {
                for pair in curve.windows(2) {
                    assert!(
                        !crosses((pair[0], pair[1]), &grown),
                        "{name}, panel {index}: the legend {legend:?} covers the curve segment {pair:?}"
                    );
                }
            }
        }
        // The main panel of a model with regimens always has a legend.
        assert!(panels[0].legend.is_some(), "{name}: a legend");
    }
}
