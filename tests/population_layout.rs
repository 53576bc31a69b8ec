//! Where the population figure puts its words when the data leave no room, through
//! [`relapse::plot::population_layout`] (the layout the renderer draws):
//! - a band covering the whole relapse-curve panel leaves the threshold's label (worded by the
//!   caller, as from `[relapse] threshold_label`) no free place: it goes into the legend, and
//!   the legend itself goes to a strip above the plotting area rather than over the band;
//! - survival curves that cross the whole panel leave no spot for a legend of long regimen
//!   titles: it goes to a strip above the plotting area, every title in it.

use relapse::plot::{PopulationFigure, SurvivalArm, population_layout};

fn arm(colour: usize, label: &str, drop_at: f64) -> SurvivalArm {
    let times: Vec<f64> = (0..=100).map(f64::from).collect();
    SurvivalArm {
        label: label.to_string(),
        colour,
        // A diagonal fall from S = 1 at 0 to S = 0 at `drop_at` in 50 steps.
        steps: (0..=50)
            .map(|k| {
                let s = 1.0 - f64::from(k) / 50.0;
                (
                    drop_at * f64::from(k) / 50.0,
                    s,
                    (s - 0.05).max(0.0),
                    (s + 0.05).min(1.0),
                )
            })
            .collect(),
        median: Some(drop_at / 2.0),
        at_risk: vec![100, 50, 0],
        percentiles: [1e0, 1e2, 1e6, 1e10, 1e12].map(|v| vec![v; times.len()]),
        band_times: times,
        ..SurvivalArm::default()
    }
}

#[test]
fn words_with_no_free_place_go_to_the_legend_and_the_legend_above_the_data() {
    let titles = [
        "a long regimen title that names the drug, the dose and the schedule",
        "another long regimen title, with a second drug given alongside the first",
        "a third long regimen title: the first drug stopped after eight weeks",
    ];
    let figure = PopulationFigure {
        title: "crowded".to_string(),
        x_label: "time [day]".to_string(),
        t_end: 100.0,
        arms: titles.iter().enumerate().map(|(i, t)| arm(i, t, 100.0)).collect(),
        at_risk_times: vec![0.0, 50.0, 100.0],
        y_label: "tumour cells".to_string(),
        threshold: Some(("grade 4 line".to_string(), 1e6)),
        ..PopulationFigure::default()
    };
    let panels = population_layout(&figure).expect("laid out");
    let (survival, relapse) = (&panels[0], &panels[1]);
    for title in titles {
        assert!(survival.entries.iter().any(|e| e.starts_with(title)), "{title}");
    }
    let legend = survival.legend.expect("a survival legend");
    assert!(
        legend.y1 < survival.plot.y0,
        "a strip above the plot: {legend:?} {:?}",
        survival.plot
    );
    // The 5–95 % band spans the whole axis at every time: no place for the label beside it.
    assert!(
        relapse.labels.iter().all(|l| l.text != "grade 4 line"),
        "{:?}",
        relapse.labels
    );
    assert!(
        relapse.entries.iter().any(|e| e == "grade 4 line"),
        "{:?}",
        relapse.entries
    );
    let legend = relapse.legend.expect("a relapse-curve legend");
    assert!(
        legend.y1 < relapse.plot.y0,
        "a strip above the plot: {legend:?} {:?}",
        relapse.plot
    );
}
