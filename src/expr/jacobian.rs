//! The Jacobian ∂f/∂y and the time partial ∂f/∂t of a set of graph roots f(t, y), derived
//! symbolically on the expression graph and compiled to bytecode, for implicit (Rosenbrock)
//! methods.
//!
//! Forward mode, one state at a time: the derivative with respect to y_j is propagated only
//! through the nodes that depend on y_j (its *cone*, found by walking users from the state's
//! node), so the work is proportional to the number of (node, state) dependencies, not to
//! nodes × states. An entry whose derivative is structurally zero (f_i does not reach y_j
//! through a differentiable operand) is no program root: the compiled program computes only
//! the structural nonzeros, with the graph's constant folding and shared subexpressions (the
//! derivative nodes join the model's graph, so ∂(k·x·y)/∂x reuses the model's own `k·y`).
//!
//! Non-smooth points follow the rules of [`super::derivative`], shared with the time
//! derivative of observables: `abs'(x) = sign(x)` (0 at 0); `min`/`max` differentiate the
//! active operand (the first on a tie); `if(c, a, b)` differentiates the selected branch (the
//! jump where `c` changes is not differentiated); `floor`, `ceil`, comparisons and logic have
//! derivative 0; `a^b` uses b·a^(b−1)·a' + a^b·ln(a)·b', with `a^0` constant and the second
//! term 0 where a^b = 0. Where the derivative is infinite (`sqrt` and `ln` at 0) the entry is
//! ±inf, and where it does not exist (ln of a negative base under a variable exponent) NaN.

use super::derivative::{Variable, combine, differentiated_operands};
use super::graph::{Graph, Node, NodeId};
use super::program::{Program, ProgramTooLarge};
use super::select::children;

/// Most structural nonzeros a Jacobian may have (a dense 500-state model): beyond this its
/// derivation and compilation would take seconds and its programs megabytes.
pub const MAX_NONZEROS: usize = 250_000;

/// The Jacobian cannot be compiled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JacobianTooLarge {
    /// More structural nonzeros than [`MAX_NONZEROS`].
    #[error("the Jacobian ∂f/∂y has {0} structural nonzeros; at most {MAX_NONZEROS} are supported")]
    Nonzeros(usize),
    /// A single entry needs more registers than a program has.
    #[error("an entry of the Jacobian ∂f/∂y is too large to compile: {0}")]
    Program(#[from] ProgramTooLarge),
}

/// Programs computing the structural nonzeros of ∂f/∂y and ∂f/∂t.
#[derive(Debug, Clone)]
pub struct Jacobian {
    rows: usize,
    columns: usize,
    /// (row, column) of each nonzero of ∂f/∂y, in the order the programs write them.
    entries: Vec<(u32, u32)>,
    /// Programs for consecutive runs of `entries` (more than one only when one program would
    /// need more registers than the bytecode addresses).
    programs: Vec<Program>,
    /// Rows with a nonzero ∂f_i/∂t, and the program computing them.
    time_rows: Vec<u32>,
    time_programs: Vec<Program>,
    /// True if `t` appears nowhere in f (not even in a condition).
    autonomous: bool,
    values: Vec<f64>,
}

impl Jacobian {
    /// Derives and compiles ∂`roots`/∂y (y has `state_count` entries) and ∂`roots`/∂t.
    /// `graph` is extended by the derivative nodes. Fails if there are more than
    /// [`MAX_NONZEROS`] nonzeros or a single entry needs more registers than a program has; a
    /// set of entries too large for one program is split over several.
    pub fn compile(
        graph: &mut Graph,
        roots: &[NodeId],
        state_count: usize,
    ) -> Result<Self, JacobianTooLarge> {
        let original = graph.len();
        let needed = reachable(graph, roots);
        let users = Users::new(graph, &needed);
        let autonomous = !(0..original).any(|i| needed[i] && graph.nodes[i] == Node::Time);
        let mut sources = vec![None; state_count];
        let mut time = None;
        for (i, node) in graph.nodes.iter().enumerate().filter(|(i, _)| needed[*i]) {
            match *node {
                Node::State(k) if (k as usize) < state_count => sources[k as usize] = Some(node_id(i)),
                Node::Time => time = Some(node_id(i)),
                _ => {}
            }
        }
        let mut walker = Walker::new(graph, original);
        let mut entries = Vec::new();
        let mut nodes = Vec::new();
        for (j, source) in sources.iter().enumerate() {
            let Some(source) = *source else { continue };
            let derivatives = walker.differentiate(graph, &users, (source, Variable::State(j as u32)), roots);
            for (i, d) in derivatives.into_iter().enumerate() {
                if let Some(d) = d {
                    entries.push((i as u32, j as u32));
                    nodes.push(d);
                }
            }
            if entries.len() > MAX_NONZEROS {
                return Err(JacobianTooLarge::Nonzeros(entries.len()));
            }
        }
        // Row-major order: the programs then write each row's entries together.
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by_key(|&k| entries[k]);
        let entries: Vec<(u32, u32)> = order.iter().map(|&k| entries[k]).collect();
        let nodes: Vec<NodeId> = order.iter().map(|&k| nodes[k]).collect();
        let programs = compile_in_chunks(graph, &nodes, state_count)?;
        let (time_rows, time_programs) = match time {
            None => (Vec::new(), Vec::new()),
            Some(source) => {
                let derivatives = walker.differentiate(graph, &users, (source, Variable::Time), roots);
                let (rows, nodes): (Vec<u32>, Vec<NodeId>) = derivatives
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, d)| d.map(|d| (i as u32, d)))
                    .unzip();
                (rows, compile_in_chunks(graph, &nodes, state_count)?)
            }
        };
        let values = vec![0.0; entries.len().max(time_rows.len())];
        Ok(Self {
            rows: roots.len(),
            columns: state_count,
            entries,
            programs,
            time_rows,
            time_programs,
            autonomous,
            values,
        })
    }

    /// The compiled programs (∂f/∂y, then ∂f/∂t), for native compilation.
    pub fn programs(&self) -> impl Iterator<Item = &Program> {
        self.programs.iter().chain(&self.time_programs)
    }

    /// Number of functions (rows).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of states (columns).
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// The structural nonzeros of ∂f/∂y as (row, column), row-major.
    pub fn pattern(&self) -> &[(u32, u32)] {
        &self.entries
    }

    /// True if f does not involve `t` at all (so ∂f/∂t ≡ 0).
    pub fn is_autonomous(&self) -> bool {
        self.autonomous
    }

    /// Instructions executed by one [`Jacobian::eval`].
    pub fn instruction_count(&self) -> usize {
        self.programs.iter().map(Program::instruction_count).sum()
    }

    /// Writes ∂f/∂y at (t, y) row-major into `jac` (`rows × columns` values: `jac[i * columns
    /// + j] = ∂f_i/∂y_j`), zeros included. Does not allocate.
    pub fn eval(&mut self, t: f64, y: &[f64], jac: &mut [f64]) {
        jac[..self.rows * self.columns].fill(0.0);
        run(&mut self.programs, t, y, &mut self.values);
        for (&(i, j), &v) in self.entries.iter().zip(&self.values) {
            jac[i as usize * self.columns + j as usize] = v;
        }
    }

    /// Writes ∂f/∂t at (t, y) into `out` (`rows` values), zeros included. Does not allocate.
    pub fn eval_time_partial(&mut self, t: f64, y: &[f64], out: &mut [f64]) {
        out[..self.rows].fill(0.0);
        run(&mut self.time_programs, t, y, &mut self.values);
        for (&i, &v) in self.time_rows.iter().zip(&self.values) {
            out[i as usize] = v;
        }
    }
}

/// Runs consecutive programs, each writing its results after the previous one's.
fn run(programs: &mut [Program], t: f64, y: &[f64], values: &mut [f64]) {
    let mut start = 0;
    for program in programs {
        let count = program.result_count();
        program.eval(t, y, &mut values[start..start + count]);
        start += count;
    }
}

fn node_id(i: usize) -> NodeId {
    NodeId(u32::try_from(i).expect("fewer than 2^32 nodes"))
}

/// Compiles `nodes` as one program, or if that needs too many registers, as consecutive
/// halves, recursively (a run of one entry that does not fit is the error).
fn compile_in_chunks(
    graph: &Graph,
    nodes: &[NodeId],
    state_count: usize,
) -> Result<Vec<Program>, ProgramTooLarge> {
    if nodes.is_empty() {
        return Ok(Vec::new());
    }
    match Program::compile(graph, nodes, state_count) {
        Ok(program) => Ok(vec![program]),
        Err(e) if nodes.len() == 1 => Err(e),
        Err(_) => {
            let (left, right) = nodes.split_at(nodes.len() / 2);
            let mut programs = compile_in_chunks(graph, left, state_count)?;
            programs.extend(compile_in_chunks(graph, right, state_count)?);
            Ok(programs)
        }
    }
}

/// Marks the nodes the roots depend on (through any operand, conditions included).
fn reachable(graph: &Graph, roots: &[NodeId]) -> Vec<bool> {
    let mut needed = vec![false; graph.len()];
    for root in roots {
        needed[root.0 as usize] = true;
    }
    for i in (0..graph.len()).rev() {
        if needed[i] {
            children(graph.nodes[i], |c| needed[c.0 as usize] = true);
        }
    }
    needed
}

/// For each needed node, the needed nodes that differentiate through it (compressed rows).
struct Users {
    start: Vec<usize>,
    users: Vec<u32>,
}

impl Users {
    fn new(graph: &Graph, needed: &[bool]) -> Self {
        let n = needed.len();
        // Each distinct differentiated operand once (`x*x` uses `x` once).
        let operands = |i: usize| {
            let ([a, b], count) = differentiated_operands(graph.nodes[i]);
            let second = (count == 2 && a != b).then_some(b);
            (count > 0).then_some(a).into_iter().chain(second)
        };
        let mut start = vec![0usize; n + 1];
        for i in (0..n).filter(|&i| needed[i]) {
            for c in operands(i) {
                start[c.0 as usize + 1] += 1;
            }
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut users = vec![0u32; start[n]];
        for i in (0..n).filter(|&i| needed[i]) {
            for c in operands(i) {
                users[fill[c.0 as usize]] = i as u32;
                fill[c.0 as usize] += 1;
            }
        }
        Self { start, users }
    }

    fn of(&self, node: usize) -> &[u32] {
        &self.users[self.start[node]..self.start[node + 1]]
    }
}

/// Forward differentiation over cones, with scratch space reused across variables.
struct Walker {
    memo: Vec<Option<NodeId>>,
    in_cone: Vec<bool>,
    cone: Vec<u32>,
    zero: NodeId,
    one: NodeId,
}

impl Walker {
    fn new(graph: &mut Graph, original: usize) -> Self {
        Self {
            memo: vec![None; original],
            in_cone: vec![false; original],
            cone: Vec::new(),
            zero: graph.constant(0.0),
            one: graph.constant(1.0),
        }
    }

    /// ∂root/∂`variable` for every root, `None` where structurally zero; `source` is the
    /// variable's node.
    fn differentiate(
        &mut self,
        graph: &mut Graph,
        users: &Users,
        (source, variable): (NodeId, Variable),
        roots: &[NodeId],
    ) -> Vec<Option<NodeId>> {
        self.collect_cone(users, source);
        let (zero, one) = (self.zero, self.one);
        for &id in &self.cone {
            let i = id as usize;
            let d = if i == source.0 as usize {
                one
            } else {
                let memo = &self.memo;
                let lookup = |x: NodeId| memo.get(x.0 as usize).copied().flatten().unwrap_or(zero);
                let (operands, count) = differentiated_operands(graph.nodes[i]);
                if operands[..count].iter().all(|&x| lookup(x) == zero) {
                    zero
                } else {
                    combine(graph, (node_id(i), variable), (zero, one), &lookup)
                }
            };
            self.memo[i] = Some(d);
        }
        let result = roots
            .iter()
            .map(|r| self.memo[r.0 as usize].filter(|&d| graph.constant_value(d) != Some(0.0)))
            .collect();
        for &id in &self.cone {
            self.memo[id as usize] = None;
            self.in_cone[id as usize] = false;
        }
        result
    }

    /// The nodes depending on `source` through differentiable operands, in id order.
    fn collect_cone(&mut self, users: &Users, source: NodeId) {
        self.cone.clear();
        self.cone.push(source.0);
        self.in_cone[source.0 as usize] = true;
        let mut next = 0;
        while next < self.cone.len() {
            let node = self.cone[next] as usize;
            next += 1;
            for &user in users.of(node) {
                if !self.in_cone[user as usize] {
                    self.in_cone[user as usize] = true;
                    self.cone.push(user);
                }
            }
        }
        self.cone.sort_unstable();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{Scope, lower, parse};

    fn system(equations: &[&str]) -> (Graph, Vec<NodeId>) {
        let mut graph = Graph::new();
        let mut scope = Scope::new();
        let time = graph.time();
        scope.bind("t", time);
        for (i, name) in ["x", "y", "z"].iter().enumerate() {
            let s = graph.state(i);
            scope.bind(name, s);
        }
        let roots = equations
            .iter()
            .map(|e| lower(&parse(e).unwrap(), &scope, &mut graph).unwrap())
            .collect();
        (graph, roots)
    }

    #[test]
    fn matches_hand_derivatives_and_keeps_only_structural_nonzeros() {
        let (mut graph, roots) = system(&["-2 * x * y", "x / (1 + y) + exp(t)", "floor(z) + 3"]);
        let mut jac = Jacobian::compile(&mut graph, &roots, 3).unwrap();
        assert_eq!(jac.pattern(), &[(0, 0), (0, 1), (1, 0), (1, 1)]);
        assert!(!jac.is_autonomous());
        let (x, y) = (3.0, 5.0);
        let mut out = [f64::NAN; 9];
        jac.eval(0.5, &[x, y, 1.5], &mut out);
        let expected = [
            -2.0 * y,
            -2.0 * x,
            0.0,
            1.0 / (1.0 + y),
            -x / (1.0 + y).powi(2),
            0.0,
            0.0,
            0.0,
            0.0,
        ];
        for (a, b) in out.iter().zip(expected) {
            assert!((a - b).abs() <= 1e-15 * b.abs(), "{out:?} vs {expected:?}");
        }
        let mut dt = [f64::NAN; 3];
        jac.eval_time_partial(0.5, &[x, y, 1.5], &mut dt);
        assert_eq!(dt, [0.0, 0.5_f64.exp(), 0.0]);
    }

    #[test]
    fn time_in_a_condition_only_is_not_autonomous_but_has_a_zero_time_partial() {
        let (mut graph, roots) = system(&["if(t < 1, -x, -2 * x)"]);
        let mut jac = Jacobian::compile(&mut graph, &roots, 1).unwrap();
        assert!(!jac.is_autonomous());
        let mut dt = [f64::NAN];
        jac.eval_time_partial(0.0, &[1.0], &mut dt);
        assert_eq!(dt, [0.0]);
        let mut j = [0.0];
        jac.eval(0.5, &[1.0], &mut j);
        assert_eq!(j, [-1.0]);
        jac.eval(1.5, &[1.0], &mut j);
        assert_eq!(j, [-2.0]);
    }

    #[test]
    fn non_smooth_points_follow_the_documented_rules() {
        let (mut graph, roots) = system(&["abs(x)", "min(x, y)", "max(x, y)", "x^0 + y^z"]);
        let mut jac = Jacobian::compile(&mut graph, &roots, 3).unwrap();
        assert!(jac.is_autonomous());
        let mut out = [f64::NAN; 12];
        // At x = y = 0, z = 2: sign(0) = 0, ties pick the first operand, 0^z has ∂/∂z = 0.
        jac.eval(0.0, &[0.0, 0.0, 2.0], &mut out);
        assert_eq!(out, [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn a_program_too_large_for_one_register_file_is_split() {
        use crate::expr::{Op1, Op2};
        // f_i = Σ_j exp(k_i·y_j) for 260 states: 67,600 distinct dense entries k_i·exp(k_i·y_j),
        // more than one register file (65,535 registers) holds.
        let n = 260;
        let mut graph = Graph::new();
        let states: Vec<NodeId> = (0..n).map(|i| graph.state(i)).collect();
        let k = |i: usize| (i as f64 + 1.0) / 260.0;
        let roots: Vec<NodeId> = (0..n)
            .map(|i| {
                let ki = graph.constant(k(i));
                let zero = graph.constant(0.0);
                states.iter().fold(zero, |acc, &s| {
                    let scaled = graph.binary(Op2::Mul, ki, s);
                    let e = graph.unary(Op1::Exp, scaled);
                    graph.binary(Op2::Add, acc, e)
                })
            })
            .collect();
        let mut jac = Jacobian::compile(&mut graph, &roots, n).unwrap();
        assert!(jac.programs.len() > 1);
        assert_eq!(jac.pattern().len(), n * n);
        let y: Vec<f64> = (0..n).map(|j| j as f64 / 50.0).collect();
        let mut out = vec![0.0; n * n];
        jac.eval(0.0, &y, &mut out);
        for i in [0, 57, n - 1] {
            for j in [0, 3, n - 1] {
                let expected = k(i) * (k(i) * y[j]).exp();
                assert!((out[i * n + j] - expected).abs() <= 1e-15 * expected);
            }
        }
    }
}
