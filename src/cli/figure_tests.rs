//! Every shipped example's figure, built as `relapse plot MODEL --out FILE` builds it (the
//! command of `plots/regenerate.sh`, with the model's `[plot]` panels and size), laid out by the plot layer ([`relapse::plot::layout`],
//! the function the renderer uses): no two texts (level labels, marker labels, the legend box)
//! share a pixel, every label stays inside its plotting area, and no drawn curve segment
//! crosses a legend box ([`crate::cli::layout_checks`]).

use std::path::{Path, PathBuf};

use clap::Parser;
use relapse::plot::{Figure, layout};

use super::{Context, build_figure};
use crate::cli::args::{Cli, Command};
use crate::cli::layout_checks::assert_clear;
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

#[test]
fn shipped_figures_have_no_overlapping_text_and_no_legend_over_a_curve() {
    let models = shipped_models();
    assert!(models.len() >= 8, "the shipped examples");
    for model in models {
        let figure = shipped_figure(&model);
        let panels = layout(&figure).expect("laid out");
        let name = model.display();
        for (index, panel) in panels.iter().enumerate() {
            assert_clear(&format!("{name}, panel {index}"), panel, false);
        }
        // The main panel of a model with regimens always has a legend.
        assert!(panels[0].legend.is_some(), "{name}: a legend");
    }
}
