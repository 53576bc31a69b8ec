//! Adaptive dosing during a run: the rules' crossing functions are located on the dense output
//! (the [`EventLocator`] that finds relapse times), each located crossing in the rule's
//! direction sets its switches, and each gated administration is given only if its switch has
//! the wanted value when the integrator asks ([`Observer::admit`]).
//!
//! Order at one time t: every step up to t is observed before a dose at t is asked for, so a
//! crossing at a dose time applies before the dose; crossings at one time apply in rule (file)
//! order; a crossing caused by a dose's jump is seen after the doses at that time were given,
//! so it only affects later doses.

use super::compile::Compiler;
use super::{CompiledModel, RegimenSpec};
use crate::expr::{NodeId, Op2, Program, Scope};
use crate::regimen::adaptive::{Adaptive, DosingRecord, Rule, SwitchEvent};
use crate::regimen::{Event, Regimen};
use crate::solve::{Crossing, DenseStep, EventFunctions, EventLocator, Observer};

/// Lowers every rule's A − B into the shared graph and fills each regimen's [`Adaptive`];
/// returns the roots (a rule's `function` indexes them).
pub(super) fn compile_rules(
    c: &mut Compiler<'_>,
    specs: &[RegimenSpec],
    regimens: &mut [Regimen],
    scope: &Scope,
) -> Vec<NodeId> {
    let mut roots = Vec::new();
    for (regimen, spec) in regimens.iter_mut().zip(specs) {
        let Some(a) = &spec.adaptive else { continue };
        let rules = a
            .rules
            .iter()
            .map(|r| {
                let (left, right) = (c.node(&r.left, scope), c.node(&r.right, scope));
                roots.push(c.graph.binary(Op2::Sub, left, right));
                Rule {
                    function: roots.len() - 1,
                    rising: r.rising,
                    set: r.set.clone(),
                }
            })
            .collect();
        regimen.adaptive = Some(Adaptive {
            switches: a.switches.iter().map(|(n, _)| n.clone()).collect(),
            initial: a.switches.iter().map(|&(_, v)| v).collect(),
            gates: a.gates.clone(),
            rules,
        });
    }
    roots
}

/// One regimen's crossing functions: the model's rule program, restricted to its rules.
struct RuleFunctions {
    program: Program,
    all: Vec<f64>,
    selected: Vec<usize>,
    states: usize,
}

impl EventFunctions for RuleFunctions {
    fn count(&self) -> usize {
        self.selected.len()
    }

    fn eval(&mut self, t: f64, y: &[f64], out: &mut [f64]) {
        self.program.eval(t, &y[..self.states], &mut self.all);
        for (o, &i) in out.iter_mut().zip(&self.selected) {
            *o = self.all[i];
        }
    }
}

/// Wraps another observer; gates doses by the switches and moves the switches at crossings.
pub(super) struct Switching<'a, O: Observer> {
    inner: &'a mut O,
    adaptive: Option<&'a Adaptive>,
    locator: Option<EventLocator<RuleFunctions>>,
    state: Vec<bool>,
    seen: usize,
    record: DosingRecord,
}

impl<'a, O: Observer> Switching<'a, O> {
    /// Watches `regimen`'s rules (if any) in a system of `dimension` states, around `inner`.
    pub(super) fn new(
        model: &CompiledModel,
        regimen: &'a Regimen,
        dimension: usize,
        inner: &'a mut O,
    ) -> Self {
        let adaptive = regimen.adaptive.as_ref();
        let locator = adaptive.filter(|a| !a.rules.is_empty()).map(|a| {
            let functions = RuleFunctions {
                program: model.rule_functions.clone(),
                all: vec![0.0; model.rule_functions.result_count()],
                selected: a.rules.iter().map(|r| r.function).collect(),
                states: model.state_names.len(),
            };
            EventLocator::new(functions, dimension)
        });
        Self {
            inner,
            adaptive,
            locator,
            state: adaptive.map(|a| a.initial.clone()).unwrap_or_default(),
            seen: 0,
            record: DosingRecord::default(),
        }
    }

    /// What the dosing did.
    pub(super) fn into_record(self) -> DosingRecord {
        self.record
    }

    /// Applies the crossings located since the last call, in time order, ties in rule order.
    fn apply_new_crossings(&mut self) {
        let (Some(locator), Some(adaptive)) = (&self.locator, self.adaptive) else {
            return;
        };
        let mut fresh: Vec<Crossing> = locator.crossings()[self.seen..].to_vec();
        self.seen = locator.crossings().len();
        fresh.sort_by(|a, b| a.t.total_cmp(&b.t).then(a.function.cmp(&b.function)));
        for c in fresh {
            let rule = &adaptive.rules[c.function];
            if rule.rising != c.rising {
                continue;
            }
            for &(switch, value) in &rule.set {
                if self.state[switch] != value {
                    self.state[switch] = value;
                    self.record.switch_events.push(SwitchEvent {
                        time: c.t,
                        switch: adaptive.switches[switch].clone(),
                        value,
                    });
                }
            }
        }
    }
}

impl<O: Observer> Observer for Switching<'_, O> {
    fn wants_dense(&self) -> bool {
        self.locator.is_some() || self.inner.wants_dense()
    }

    fn initial(&mut self, t: f64, y: &[f64]) {
        self.inner.initial(t, y);
        if let Some(l) = &mut self.locator {
            l.initial(t, y);
        }
    }

    fn jump(&mut self, t: f64, before: &[f64], after: &[f64]) {
        self.inner.jump(t, before, after);
        if let Some(l) = &mut self.locator {
            l.jump(t, before, after);
        }
        self.apply_new_crossings();
    }

    fn step(&mut self, step: &DenseStep<'_>) {
        self.inner.step(step);
        if let Some(l) = &mut self.locator {
            l.step(step);
        }
        self.apply_new_crossings();
    }

    fn admit(&mut self, t: f64, event: &Event) -> bool {
        let gate = self
            .adaptive
            .and_then(|a| a.gates.get(event.dose).copied().flatten());
        let open = gate.is_none_or(|g| self.state[g.switch] == g.wanted);
        let given = open && self.inner.admit(t, event);
        if given {
            self.record.given += 1;
            self.record.given_at.push((event.time, event.dose));
        } else {
            self.record.skipped += 1;
        }
        given
    }
}
