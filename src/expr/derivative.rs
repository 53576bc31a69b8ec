//! Symbolic differentiation on the expression graph, used for the time derivative of an
//! observable along a trajectory: d/dt g(t, y(t)) = ∂g/∂t + Σᵢ ∂g/∂yᵢ · fᵢ(t, y). Its sign
//! changes locate extrema (nadir, Cmax) exactly on the dense output instead of on a grid.

use super::graph::{Graph, Node, NodeId};
use super::ops::{Op1, Op2};

/// What a node is differentiated with respect to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Variable {
    Time,
    State(u32),
}

/// The total time derivative of `node` along dy/dt = `rhs` (one node per state).
pub fn time_derivative(graph: &mut Graph, node: NodeId, rhs: &[NodeId]) -> NodeId {
    let mut total = partial(graph, node, Variable::Time);
    for (i, &f) in rhs.iter().enumerate() {
        let variable = Variable::State(u32::try_from(i).expect("state index fits u32"));
        let d = partial(graph, node, variable);
        if graph.constant_value(d) == Some(0.0) {
            continue;
        }
        let term = graph.binary(Op2::Mul, d, f);
        total = graph.binary(Op2::Add, total, term);
    }
    total
}

/// ∂`node`/∂`v`. Walks the graph with an explicit stack (a sum of 100,000 terms is a chain of
/// 100,000 nodes) but visits and creates nodes in exactly the order of the plain recursion
/// "differentiate the operands left to right, then combine", so node ids, and with them the
/// compiled programs, are what that recursion gives.
fn partial(graph: &mut Graph, node: NodeId, v: Variable) -> NodeId {
    // The recursion interned these first, on entering `node`.
    let constants = (graph.constant(0.0), graph.constant(1.0));
    // Operands have smaller ids than their users, so only ids up to `node` are ever visited.
    let mut memo: Vec<Option<NodeId>> = vec![None; node.0 as usize + 1];
    // (node, operands already differentiated)
    let mut stack: Vec<(NodeId, usize)> = vec![(node, 0)];
    while let Some(&mut (id, ref mut done)) = stack.last_mut() {
        if *done == 0 && memo[id.0 as usize].is_some() {
            stack.pop();
            continue;
        }
        let (operands, count) = differentiated_operands(graph.nodes[id.0 as usize]);
        if *done < count {
            let next = operands[*done];
            *done += 1;
            stack.push((next, 0));
            continue;
        }
        stack.pop();
        let d = combine(graph, (id, v), constants, &|x| {
            memo[x.0 as usize].expect("operands are differentiated first")
        });
        memo[id.0 as usize] = Some(d);
    }
    memo[node.0 as usize].expect("differentiated")
}

/// The operands whose derivatives the derivative of `node` needs, in order, and their count.
pub(super) fn differentiated_operands(node: Node) -> ([NodeId; 2], usize) {
    match node {
        Node::Const(_) | Node::Time | Node::State(_) => ([NodeId(0); 2], 0),
        Node::Unary(_, x) => ([x, x], 1),
        Node::Binary(_, a, b) | Node::Select(_, a, b) => ([a, b], 2),
    }
}

/// The derivative of `id` with respect to `v`, given those of its operands by `d`.
pub(super) fn combine(
    graph: &mut Graph,
    (id, v): (NodeId, Variable),
    (zero, one): (NodeId, NodeId),
    d: &dyn Fn(NodeId) -> NodeId,
) -> NodeId {
    let is = |hit: bool| if hit { one } else { zero };
    match graph.nodes[id.0 as usize] {
        Node::Const(_) => zero,
        Node::Time => is(v == Variable::Time),
        Node::State(k) => is(v == Variable::State(k)),
        Node::Unary(op, x) => unary(graph, op, x, d(x)),
        Node::Binary(op, a, b) => binary(graph, op, (a, d(a)), (b, d(b)), id),
        Node::Select(c, a, b) => graph.select(c, d(a), d(b)),
    }
}

fn unary(graph: &mut Graph, op: Op1, x: NodeId, dx: NodeId) -> NodeId {
    let zero = graph.constant(0.0);
    if graph.constant_value(dx) == Some(0.0) {
        return zero;
    }
    let factor = match op {
        Op1::Neg => return graph.unary(Op1::Neg, dx),
        Op1::Not | Op1::Floor | Op1::Ceil => return zero,
        Op1::Exp => graph.unary(Op1::Exp, x),
        Op1::Ln => {
            let one = graph.constant(1.0);
            graph.binary(Op2::Div, one, x)
        }
        Op1::Log10 => {
            let ln10 = graph.constant(std::f64::consts::LN_10);
            let scaled = graph.binary(Op2::Mul, ln10, x);
            let one = graph.constant(1.0);
            graph.binary(Op2::Div, one, scaled)
        }
        Op1::Sqrt | Op1::HalfPower => {
            let root = graph.unary(op, x);
            let two = graph.constant(2.0);
            let twice = graph.binary(Op2::Mul, two, root);
            let one = graph.constant(1.0);
            graph.binary(Op2::Div, one, twice)
        }
        Op1::Abs => {
            // sign(x); the kink at 0 has no derivative, and 0 is as good a choice as any.
            let positive = graph.binary(Op2::Greater, x, zero);
            let negative = graph.binary(Op2::Less, x, zero);
            let one = graph.constant(1.0);
            let minus_one = graph.constant(-1.0);
            let inner = graph.select(negative, minus_one, zero);
            graph.select(positive, one, inner)
        }
    };
    graph.binary(Op2::Mul, factor, dx)
}

fn binary(
    graph: &mut Graph,
    op: Op2,
    (a, da): (NodeId, NodeId),
    (b, db): (NodeId, NodeId),
    node: NodeId,
) -> NodeId {
    let zero = graph.constant(0.0);
    let is_zero = |g: &Graph, id: NodeId| g.constant_value(id) == Some(0.0);
    match op {
        Op2::Add => graph.binary(Op2::Add, da, db),
        Op2::Sub => graph.binary(Op2::Sub, da, db),
        Op2::Mul => {
            let left = if is_zero(graph, da) {
                zero
            } else {
                graph.binary(Op2::Mul, da, b)
            };
            let right = if is_zero(graph, db) {
                zero
            } else {
                graph.binary(Op2::Mul, a, db)
            };
            graph.binary(Op2::Add, left, right)
        }
        Op2::Div => {
            // (a/b)' = (a' − (a/b)·b') / b
            let correction = if is_zero(graph, db) {
                zero
            } else {
                graph.binary(Op2::Mul, node, db)
            };
            let numerator = graph.binary(Op2::Sub, da, correction);
            graph.binary(Op2::Div, numerator, b)
        }
        Op2::Pow => {
            // (aᵇ)' = b·aᵇ⁻¹·a' + aᵇ·ln(a)·b'. a⁰ = 1 for every a (NaN included), so its
            // derivative is 0, not 0·a⁻¹ (NaN at a = 0); and where aᵇ = 0 (a = 0, b > 0) the
            // second term is its limit 0, not 0·ln 0 = NaN.
            let left = if is_zero(graph, da) || is_zero(graph, b) {
                zero
            } else {
                let one = graph.constant(1.0);
                let exponent = graph.binary(Op2::Sub, b, one);
                let power = graph.binary(Op2::Pow, a, exponent);
                let scaled = graph.binary(Op2::Mul, b, power);
                graph.binary(Op2::Mul, scaled, da)
            };
            let right = if is_zero(graph, db) {
                zero
            } else {
                let log = graph.unary(Op1::Ln, a);
                let scaled = graph.binary(Op2::Mul, node, log);
                let term = graph.binary(Op2::Mul, scaled, db);
                let vanishes = graph.binary(Op2::Eq, node, zero);
                graph.select(vanishes, zero, term)
            };
            graph.binary(Op2::Add, left, right)
        }
        Op2::Min | Op2::Max => {
            let pick_a = graph.binary(
                if op == Op2::Min {
                    Op2::LessEq
                } else {
                    Op2::GreaterEq
                },
                a,
                b,
            );
            graph.select(pick_a, da, db)
        }
        Op2::Less
        | Op2::LessEq
        | Op2::Greater
        | Op2::GreaterEq
        | Op2::Eq
        | Op2::NotEq
        | Op2::And
        | Op2::Or => zero,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{Program, Scope, lower, parse};

    /// d/dt of `src` at (t, y) for the system y' = rhs, by the compiled symbolic derivative.
    fn derivative(src: &str, rhs: &[&str], t: f64, y: &[f64]) -> f64 {
        let mut graph = Graph::new();
        let mut scope = Scope::new();
        let time = graph.time();
        scope.bind("t", time);
        for (i, name) in ["x", "y"].iter().enumerate().take(y.len()) {
            let s = graph.state(i);
            scope.bind(name, s);
        }
        let f: Vec<NodeId> = rhs
            .iter()
            .map(|e| lower(&parse(e).unwrap(), &scope, &mut graph).unwrap())
            .collect();
        let g = lower(&parse(src).unwrap(), &scope, &mut graph).unwrap();
        let d = time_derivative(&mut graph, g, &f);
        let mut program = Program::compile(&graph, &[d], y.len()).unwrap();
        let mut out = [0.0];
        program.eval(t, y, &mut out);
        out[0]
    }

    #[test]
    fn matches_hand_derivatives() {
        // g = x·y with x' = −x, y' = 2: g' = −x·y + 2x.
        let d = derivative("x * y", &["-x", "2"], 0.0, &[3.0, 5.0]);
        assert!((d - (-15.0 + 6.0)).abs() < 1e-12);
        // g = x^3 + exp(t)·sqrt(y), x' = 1, y' = y: g' = 3x² + exp(t)·sqrt(y) + exp(t)·y/(2·sqrt(y)).
        let (t, x, y) = (0.3_f64, 1.5_f64, 4.0_f64);
        let expected = 3.0 * x * x + t.exp() * y.sqrt() + t.exp() * y / (2.0 * y.sqrt());
        let d = derivative("x^3 + exp(t) * sqrt(y)", &["1", "y"], t, &[x, y]);
        assert!((d - expected).abs() < 1e-12 * expected.abs());
        // g = x / (1 + y) with x' = y, y' = x.
        let d = derivative("x / (1 + y)", &["y", "x"], 0.0, &[2.0, 3.0]);
        let expected = 3.0 / 4.0 - 2.0 * 2.0 / 16.0;
        assert!((d - expected).abs() < 1e-12);
        // g = x^y with x' = 1, y' = 1 at (2, 3): g' = y·x^(y−1) + x^y·ln x.
        let d = derivative("x^y", &["1", "1"], 0.0, &[2.0, 3.0]);
        assert!((d - (12.0 + 8.0 * 2.0_f64.ln())).abs() < 1e-12);
    }
}
