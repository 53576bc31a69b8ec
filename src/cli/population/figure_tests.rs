//! The shipped population example (`plots/regenerate.sh`: `relapse population
//! models/hibernation_rigi.toml --out DIR --plot FILE`), with fewer patients so that it runs
//! quickly in a debug build, laid out by [`relapse::plot::population_layout`] (the layout
//! the renderer draws): no two texts share a pixel, and no label and no legend box covers a
//! drawn curve (Kaplan–Meier steps, censoring ticks, median relapse curves) or a shaded band
//! ([`crate::cli::layout_checks`]).

use clap::Parser;
use relapse::plot::{PopulationFigure, population_layout};

use crate::cli::args::{Cli, Command};
use crate::cli::layout_checks::assert_clear;

/// The figure `relapse population MODEL --patients N --plot FILE` draws.
fn shipped_figure(patients: u32) -> PopulationFigure {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("population");
    let plot = dir.path().join("population.png");
    let patients = patients.to_string();
    let cli = Cli::try_parse_from([
        "relapse".as_ref(),
        "population".as_ref(),
        "models/hibernation_rigi.toml".as_ref(),
        "--patients".as_ref(),
        patients.as_ref(),
        "--jobs".as_ref(),
        "1".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        "--plot".as_ref(),
        plot.as_os_str(),
    ])
    .expect("valid arguments");
    let Command::Population(args) = cli.command else {
        unreachable!("parsed as population")
    };
    let mut figure = None;
    super::super::run_with(&args, |run, finished, _| {
        figure = Some(super::build(run, finished)?);
        Ok(())
    })
    .expect("the population runs");
    figure.expect("a figure")
}

#[test]
fn the_shipped_population_figure_has_no_overlapping_text_and_nothing_over_data() {
    let figure = shipped_figure(20);
    let panels = population_layout(&figure).expect("laid out");
    assert_eq!(panels.len(), 2, "the survival and relapse-curve panels");
    for (panel, name) in panels.iter().zip(["survival panel", "relapse-curve panel"]) {
        assert!(
            !panel.curves.is_empty() && !panel.areas.is_empty(),
            "{name}: data drawn"
        );
        assert!(panel.legend.is_some(), "{name}: a legend");
        assert_clear(&format!("population figure, {name}"), panel, true);
    }
    // Every arm is in the survival panel's legend by its regimen title; a median without a
    // place beside its drop is given there.
    let (survival, relapse) = (&panels[0], &panels[1]);
    for arm in &figure.arms {
        assert!(
            survival.entries.iter().any(|e| e.starts_with(&arm.label)),
            "{}: {:?}",
            arm.label,
            survival.entries
        );
        let median = arm.median.filter(|m| m.is_finite() && *m <= figure.t_end);
        if let Some(m) = median {
            // Written with four significant digits at most.
            let beside = survival
                .labels
                .iter()
                .filter_map(|l| l.text.parse::<f64>().ok())
                .any(|v| (v - m).abs() <= 1e-3 * m.abs() + 0.05);
            let in_legend = survival
                .entries
                .iter()
                .any(|e| e.starts_with(&format!("{} (median ", arm.label)));
            assert!(beside || in_legend, "{}: median {m}", arm.label);
        }
    }
    // The threshold's and the detection limit's labels (from [relapse]: the default words
    // here) are on their lines or in the legend.
    let levels = [&figure.threshold, &figure.detection_limit];
    for (label, _) in levels.into_iter().flatten() {
        assert!(
            relapse.labels.iter().any(|l| &l.text == label) || relapse.entries.contains(label),
            "`{label}`: {:?} {:?}",
            relapse.labels,
            relapse.entries
        );
    }
}
