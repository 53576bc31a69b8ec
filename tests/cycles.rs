//! Protocol cycles (`cycle = { length, on, count }`, issue 12) against their definition and a
//! closed form: a one-compartment IV bolus model, whose amount after doses D at times tᵢ is the
//! superposition Σ D·F·e^{−k(t − tᵢ − lag)}, and for a 1-hour infusion the integrated input.

mod common;

use common::{assert_close, compile, run, tight};
use relapse::regimen::EventKind;
use relapse::solve::Method;

fn model(dose_fields: &str) -> relapse::model::CompiledModel {
    compile(&format!(
        r#"
[model]
name = "cycles"
[parameters]
k = 0.3
[states]
A = 0
[equations]
A = "-k * A"
[regimens.r]
doses = [ {{ target = "A", amount = 80, {dose_fields} }} ]
"#
    ))
}

fn bolus_times(m: &relapse::model::CompiledModel, t_end: f64) -> Vec<f64> {
    m.regimens[0]
        .schedule_until(t_end)
        .unwrap()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Bolus { .. }))
        .map(|e| e.time)
        .collect()
}

#[test]
fn the_issue_examples_expand_to_their_protocol_days() {
    // 21-day cycle, days 1–14, 6 cycles: day d of cycle c (both from 1) is t = 21(c−1) + d − 1.
    let m = model(r#"cycle = { length = 21, on = "1-14", count = 6 }"#);
    let expected: Vec<f64> = (0..6)
        .flat_map(|c| (0..14).map(move |d| f64::from(21 * c + d)))
        .collect();
    assert_eq!(bolus_times(&m, 1000.0), expected);
    // 5 on / 2 off for 8 weeks: 40 doses, none on days 6 and 7 of a week.
    let m = model(r#"start = 2, cycle = { length = 7, on = "1-5", count = 8 }"#);
    let times = bolus_times(&m, 1000.0);
    assert_eq!(times.len(), 40);
    assert!(times.iter().all(|t| (t - 2.0).rem_euclid(7.0) < 5.0));
    assert_eq!(times.last(), Some(&(2.0 + 7.0 * 7.0 + 4.0)));
    // Lists and a spacing: slots 1, 2 and 5, 0.5 apart, in a 3-unit cycle.
    let m = model(r#"interval = 0.5, cycle = { length = 3, on = "1-2,5", count = 2 }"#);
    assert_eq!(bolus_times(&m, 1000.0), [0.0, 0.5, 2.0, 3.0, 3.5, 5.0]);
}

#[test]
fn a_huge_cycle_count_expands_only_up_to_t_end() {
    // 1e8 cycles of 1 week on / 1 off (7e8 administrations listed): a 30-day run stores only
    // days 0–6, 14–20 and 28–30 (17 doses), and counting them does not expand the rest.
    let m = model(r#"cycle = { length = 14, on = "1-7", count = 100000000 }"#);
    let times = bolus_times(&m, 30.0);
    let expected: Vec<f64> = (0..=30)
        .map(f64::from)
        .filter(|t| t.rem_euclid(14.0) < 7.0)
        .collect();
    assert_eq!(times, expected);
    assert_eq!(m.regimens[0].administrations_until(30.0), expected.len() as u64);
    // Past MAX_ADMINISTRATIONS inside [0, t_end]: refused before anything is stored.
    assert!(m.regimens[0].schedule_until(1e9).is_err());
}

#[test]
fn a_cycled_bolus_with_lag_and_bioavailability_matches_superposition() {
    let (dose, f, lag, k) = (80.0, 0.6, 0.25, 0.3);
    let m = model(r#"bioavailability = 0.6, lag = 0.25, cycle = { length = 7, on = "1-2,5", count = 3 }"#);
    let times: Vec<f64> = (0..3)
        .flat_map(|c| [0.0, 1.0, 4.0].map(|d| 7.0 * f64::from(c) + d + lag))
        .collect();
    let grid: Vec<f64> = (0..=50).map(|i| 0.5 * f64::from(i)).collect();
    let sol = run(&m, 0, 25.0, &grid, &tight(Method::Dopri5, 1));
    for (i, &t) in sol.times.iter().enumerate() {
        let exact: f64 = times
            .iter()
            .filter(|&&ti| ti <= t)
            .map(|ti| dose * f * (-k * (t - ti)).exp())
            .sum();
        // rtol 1e-10 per step, a few hundred steps: 1e-8 relative (floor 1e-8 amount units).
        assert_close(sol.states[i], exact, 1e-8, 1e-8, &format!("A({t})"));
    }
}

#[test]
fn a_cycled_infusion_delivers_each_amount_over_its_duration() {
    // 1-hour (here 0.1-unit) infusions on slots 1 and 3 of 4-unit cycles: each adds
    // R/k·(1 − e^{−k·min(t−tᵢ, T)})·e^{−k·max(t−tᵢ−T, 0)} with R = D/T.
    let (dose, k, dur) = (80.0, 0.3, 0.1);
    let m = model(r#"duration = 0.1, interval = 2, cycle = { length = 4, on = "1,2", count = 3 }"#);
    let starts = [0.0, 2.0, 4.0, 6.0, 8.0, 10.0];
    let grid: Vec<f64> = (0..=120).map(|i| 0.1 * f64::from(i)).collect();
    let sol = run(&m, 0, 12.0, &grid, &tight(Method::Dopri5, 1));
    for (i, &t) in sol.times.iter().enumerate() {
        let exact: f64 = starts
            .iter()
            .filter(|&&s| s < t)
            .map(|s| {
                let on = (t - s).min(dur);
                dose / dur / k * (1.0 - (-k * on).exp()) * (-k * (t - s - on)).exp()
            })
            .sum();
        assert_close(sol.states[i], exact, 1e-8, 1e-8, &format!("A({t})"));
    }
}
