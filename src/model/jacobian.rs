//! The symbolic Jacobians of a compiled model, built on first use: ∂f/∂y and ∂f/∂t of the
//! right-hand side (for [`super::ModelSystem`]) and of the AUC integrands (for
//! [`super::Integrands`]). An explicit method never asks for them, so `simulate` with DOPRI5
//! pays only for keeping the expression graph; the first implicit run derives and compiles
//! them once per compiled model, and every later run clones the compiled programs.

use std::sync::{Arc, Mutex, OnceLock};

use super::Engine;
use crate::expr::{Graph, Jacobian, JacobianTooLarge, NodeId, Program};

/// The graph and roots the Jacobians are derived from, and the Jacobians once built.
#[derive(Debug)]
pub(super) struct Derivatives {
    graph: Graph,
    equations: Vec<NodeId>,
    integrands: Vec<NodeId>,
    state_count: usize,
    rhs: OnceLock<Result<Jacobian, JacobianTooLarge>>,
    integrand: OnceLock<Result<Jacobian, JacobianTooLarge>>,
    /// How the Jacobians' programs run (set by `CompiledModel::use_engine`; bytecode before).
    engine: Mutex<Engine>,
}

/// Which functions a [`LazyJacobian`] differentiates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Functions {
    /// The right-hand side f(t, y).
    Rhs,
    /// The AUC integrands g(t, y).
    Integrands,
}

impl Derivatives {
    /// Keeps `graph` (the model's whole graph) to differentiate `equations` and `integrands`
    /// later.
    pub(super) fn new(
        graph: Graph,
        equations: Vec<NodeId>,
        integrands: Vec<NodeId>,
        state_count: usize,
    ) -> Self {
        Self {
            graph,
            equations,
            integrands,
            state_count,
            rhs: OnceLock::new(),
            integrand: OnceLock::new(),
            engine: Mutex::new(Engine::Bytecode),
        }
    }

    /// Runs the Jacobians' programs as `engine` says: those built already now, later ones when
    /// they are built. A native compilation that fails leaves that program on the bytecode,
    /// bit-identical, so it is not an error here (the right-hand side reports JIT failures).
    pub(super) fn use_engine(&self, engine: Engine) {
        *self
            .engine
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = engine;
        for built in [&self.rhs, &self.integrand] {
            if let Some(Ok(jacobian)) = built.get() {
                apply_engine(jacobian, engine);
            }
        }
    }

    fn engine(&self) -> Engine {
        *self
            .engine
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The compiled Jacobian of `functions`, derived and compiled on the first call.
    pub(super) fn get(&self, functions: Functions) -> &Result<Jacobian, JacobianTooLarge> {
        let (cell, roots) = match functions {
            Functions::Rhs => (&self.rhs, &self.equations),
            Functions::Integrands => (&self.integrand, &self.integrands),
        };
        cell.get_or_init(|| {
            let mut graph = self.graph.clone();
            let jacobian = Jacobian::compile(&mut graph, roots, self.state_count);
            if let Ok(j) = &jacobian {
                apply_engine(j, self.engine());
            }
            jacobian
        })
    }
}

fn apply_engine(jacobian: &Jacobian, engine: Engine) {
    match engine {
        Engine::Bytecode => {}
        Engine::Auto => jacobian.programs().for_each(Program::compile_native_when_used),
        Engine::Jit => jacobian.programs().for_each(|p| {
            // A failure keeps this program on the (bit-identical) bytecode.
            let _ = p.compile_native_now();
        }),
    }
}

/// One run's copy of a model's Jacobian (its own registers), fetched on first use.
#[derive(Debug, Clone)]
pub(super) struct LazyJacobian {
    source: Arc<Derivatives>,
    functions: Functions,
    local: Option<Jacobian>,
}

impl LazyJacobian {
    pub(super) fn new(source: Arc<Derivatives>, functions: Functions) -> Self {
        Self {
            source,
            functions,
            local: None,
        }
    }

    /// The Jacobian, or `None` if it cannot be compiled (see [`JacobianTooLarge`]).
    fn jacobian(&mut self) -> Option<&mut Jacobian> {
        if self.local.is_none() {
            self.local = self.source.get(self.functions).as_ref().ok().cloned();
        }
        self.local.as_mut()
    }

    /// Writes ∂f/∂y (row-major) and returns true, or false if there is no Jacobian.
    pub(super) fn eval(&mut self, t: f64, y: &[f64], jac: &mut [f64]) -> bool {
        self.jacobian().map(|j| j.eval(t, y, jac)).is_some()
    }

    /// Writes ∂f/∂t and returns true, or false if there is no Jacobian.
    pub(super) fn eval_time_partial(&mut self, t: f64, y: &[f64], out: &mut [f64]) -> bool {
        self.jacobian().map(|j| j.eval_time_partial(t, y, out)).is_some()
    }

    /// True if the functions do not involve `t` (false if there is no Jacobian).
    pub(super) fn is_autonomous(&self) -> bool {
        match &self.local {
            Some(j) => j.is_autonomous(),
            None => self
                .source
                .get(self.functions)
                .as_ref()
                .is_ok_and(Jacobian::is_autonomous),
        }
    }
}

impl super::CompiledModel {
    /// The symbolic Jacobian of the right-hand side (∂f/∂y and ∂f/∂t), derived and compiled
    /// on the first call and shared by every later run; an error if the model is too large.
    pub fn rhs_jacobian(&self) -> Result<Jacobian, JacobianTooLarge> {
        self.derivatives.get(Functions::Rhs).clone()
    }

    /// The symbolic Jacobian of the AUC integrands with respect to the model states.
    pub fn integrand_jacobian(&self) -> Result<Jacobian, JacobianTooLarge> {
        self.derivatives.get(Functions::Integrands).clone()
    }
}
