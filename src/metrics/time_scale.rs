//! Metrics in another time unit: every time, duration and time integral is multiplied by the
//! factor from the model's unit to the shown one (see [`crate::units`]).

use super::RegimenMetrics;

impl RegimenMetrics {
    /// These metrics with time measured in a unit `factor` times smaller (a time `t` becomes
    /// `t * factor`): nadir, relapse, Cmax and detection times, durations (time below
    /// detection, above target, delay) and AUCs (∫ value dt, so value·time). Values, depths
    /// and troughs are unchanged.
    pub fn scale_time(&mut self, factor: f64) {
        let scale = |t: &mut f64| *t *= factor;
        if let Some(o) = &mut self.observable {
            scale(&mut o.nadir.time);
            o.relapse_time.iter_mut().for_each(scale);
            scale(&mut o.auc);
            for c in &mut o.cycle_nadirs {
                scale(&mut c.start);
                scale(&mut c.end);
                scale(&mut c.nadir.time);
            }
            if let Some(d) = &mut o.detection {
                scale(&mut d.time_below);
                d.first_below.iter_mut().for_each(scale);
                d.last_below.iter_mut().for_each(scale);
            }
        }
        self.delay_vs_baseline.iter_mut().for_each(scale);
        for e in &mut self.exposures {
            scale(&mut e.cmax.time);
            scale(&mut e.auc);
            e.time_above_target.iter_mut().for_each(scale);
        }
        for e in &mut self.dosing.switch_events {
            scale(&mut e.time);
        }
        for (t, _) in &mut self.dosing.given_at {
            scale(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::{
        CycleNadir, Detection, ExposureMetrics, ObservableMetrics, RegimenMetrics, RelapseStatus, TimedValue,
    };

    /// Hours to days (factor 1/24) on numbers that are multiples of 24, so the expected values
    /// are exact: every time-valued field changes, the others do not.
    #[test]
    #[allow(clippy::float_cmp)]
    fn every_time_valued_field_is_scaled() {
        let mut m = RegimenMetrics {
            regimen: "r".into(),
            observable: Some(ObservableMetrics {
                nadir: TimedValue {
                    value: 5.0,
                    time: 48.0,
                },
                relapse_time: Some(240.0),
                relapse_status: RelapseStatus::Relapsed,
                detection: Some(Detection {
                    time_below: 72.0,
                    first_below: Some(24.0),
                    last_below: Some(96.0),
                }),
                depth_of_response: 0.5,
                log10_depth: -0.3,
                final_value: 7.0,
                auc: 2400.0,
                cycle_nadirs: vec![CycleNadir {
                    cycle: 2,
                    start: 504.0,
                    end: 1008.0,
                    nadir: TimedValue {
                        value: 0.5,
                        time: 720.0,
                    },
                }],
            }),
            delay_vs_baseline: Some(-24.0),
            exposures: vec![ExposureMetrics {
                name: "C".into(),
                cmax: TimedValue {
                    value: 3.0,
                    time: 12.0,
                },
                trough_min: Some(1.0),
                trough_last: Some(2.0),
                auc: 480.0,
                time_above_target: Some(36.0),
            }],
            dosing: Default::default(),
        };
        m.scale_time(1.0 / 24.0);
        let o = m.observable.as_ref().unwrap();
        assert_eq!((o.nadir.value, o.nadir.time), (5.0, 2.0));
        assert_eq!(o.relapse_time, Some(10.0));
        assert_eq!(o.auc, 100.0);
        let d = o.detection.unwrap();
        assert_eq!(
            (d.time_below, d.first_below, d.last_below),
            (3.0, Some(1.0), Some(4.0))
        );
        assert_eq!((o.depth_of_response, o.final_value), (0.5, 7.0));
        let c = o.cycle_nadirs[0];
        assert_eq!((c.cycle, c.start, c.end), (2, 21.0, 42.0));
        assert_eq!((c.nadir.value, c.nadir.time), (0.5, 30.0));
        assert_eq!(m.delay_vs_baseline, Some(-1.0));
        let e = &m.exposures[0];
        assert_eq!((e.cmax.value, e.cmax.time, e.auc), (3.0, 0.5, 20.0));
        assert_eq!(
            (e.trough_min, e.trough_last, e.time_above_target),
            (Some(1.0), Some(2.0), Some(1.5))
        );
    }
}
