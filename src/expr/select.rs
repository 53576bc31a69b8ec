//! Instruction selection: which graph nodes a set of roots needs, how often each is used, which
//! single-use products, quotients and sums are fused into their parent, and the instruction for
//! each node.

use super::graph::{Graph, Node, NodeId};
use super::instr::{Instr, Reg};
use super::ops::{Op1, Op2};

/// How many times each needed node is used (by needed parents and as a root).
pub(super) fn use_counts(graph: &Graph, roots: &[NodeId], needed: &[bool]) -> Vec<u32> {
    let mut uses = vec![0u32; graph.nodes.len()];
    for root in roots {
        uses[root.0 as usize] += 1;
    }
    for (i, node) in graph.nodes.iter().enumerate() {
        if needed[i] {
            children(*node, |c| uses[c.0 as usize] += 1);
        }
    }
    uses
}

/// Calls `visit` on each operand of `node`, in operand order.
pub(super) fn children(node: Node, mut visit: impl FnMut(NodeId)) {
    match node {
        Node::Unary(_, x) => visit(x),
        Node::Binary(_, a, b) => {
            visit(a);
            visit(b);
        }
        Node::Select(c, a, b) => {
            visit(c);
            visit(a);
            visit(b);
        }
        Node::Const(_) | Node::Time | Node::State(_) => {}
    }
}

/// Which operands of a binary `parent` to fuse, given the ops of its single-use binary
/// operands (`None` for anything else). Exactly the shapes [`instruction`] knows.
fn fusion_plan(parent: Op2, left: Option<Op2>, right: Option<Op2>) -> (bool, bool) {
    use Op2::{Add, Div, Mul, Sub};
    match (parent, left, right) {
        (Add | Sub, Some(Mul), Some(Mul)) => (true, true),
        (Add | Sub, Some(Mul), _) => (true, false),
        (Add | Sub, _, Some(Mul)) => (false, true),
        (Add | Sub, Some(Div), _) => (true, false),
        (Add | Sub, _, Some(Div)) => (false, true),
        (Add, Some(Add), _) => (true, false),
        (Add, _, Some(Add)) => (false, true),
        (Mul, Some(Mul), _) => (true, false),
        (Mul, _, Some(Mul)) => (false, true),
        (Div, _, Some(Add)) => (false, true),
        (Div, Some(Mul), _) => (true, false),
        (Add, Some(Sub), _) | (Sub, Some(Add | Sub), _) => (true, false),
        (Add, _, Some(Sub)) | (Sub, _, Some(Add | Sub)) => (false, true),
        _ => (false, false),
    }
}

/// Which single-use operations are fused into their parent instruction (see [`fusion_plan`]).
pub(super) fn fusions(graph: &Graph, needed: &[bool], uses: &[u32]) -> Vec<bool> {
    let mut absorbed = vec![false; graph.nodes.len()];
    let single_use_op = |id: NodeId| match graph.nodes[id.0 as usize] {
        Node::Binary(op, _, _) if uses[id.0 as usize] == 1 => Some(op),
        _ => None,
    };
    // Top-down greed saves one instruction per claim, except when the claimed operand could
    // have fused both of its own operands (a*b ± c*e): leave those to fuse themselves.
    let fusible_op = |id: NodeId, absorbed: &[bool]| match graph.nodes[id.0 as usize] {
        Node::Binary(op, a, b)
            if uses[id.0 as usize] == 1
                && !absorbed[id.0 as usize]
                && fusion_plan(op, single_use_op(a), single_use_op(b)) != (true, true) =>
        {
            Some(op)
        }
        _ => None,
    };
    // Parents come after children, so walking backwards lets a parent claim an operand first;
    // a claimed node claims nothing itself, so fused operands are always plain registers.
    for i in (0..graph.nodes.len()).rev() {
        if !needed[i] || absorbed[i] {
            continue;
        }
        if let Node::Binary(op, a, b) = graph.nodes[i] {
            let (left, right) = fusion_plan(op, fusible_op(a, &absorbed), fusible_op(b, &absorbed));
            absorbed[a.0 as usize] |= left;
            absorbed[b.0 as usize] |= right;
        }
    }
    absorbed
}

/// The instruction computing `node` into `d`; absorbed operands are fused in.
pub(super) fn instruction(
    graph: &Graph,
    node: Node,
    d: Reg,
    register_of: &[Reg],
    absorbed: &[bool],
) -> Instr {
    let r = |id: NodeId| register_of[id.0 as usize];
    // The op and operand registers of an absorbed operand.
    let fused = |id: NodeId| match (absorbed[id.0 as usize], graph.nodes[id.0 as usize]) {
        (true, Node::Binary(op, x, y)) => Some((op, r(x), r(y))),
        _ => None,
    };
    match node {
        Node::Unary(op, x) => unary(op, d, r(x)),
        Node::Binary(op, a, b) => match (op, fused(a), fused(b)) {
            (_, None, None) => binary(op, d, r(a), r(b)),
            (Op2::Add, Some((Op2::Mul, x, y)), Some((Op2::Mul, u, v))) => Instr::MulMulAdd(d, x, y, u, v),
            (Op2::Sub, Some((Op2::Mul, x, y)), Some((Op2::Mul, u, v))) => Instr::MulMulSub(d, x, y, u, v),
            (Op2::Add, Some((Op2::Mul, x, y)), None) => Instr::MulAdd(d, x, y, r(b)),
            (Op2::Add, None, Some((Op2::Mul, x, y))) => Instr::MulAdd(d, x, y, r(a)),
            (Op2::Sub, Some((Op2::Mul, x, y)), None) => Instr::MulSub(d, x, y, r(b)),
            (Op2::Sub, None, Some((Op2::Mul, x, y))) => Instr::SubMul(d, x, y, r(a)),
            (Op2::Add, Some((Op2::Div, x, y)), None) => Instr::DivAdd(d, x, y, r(b)),
            (Op2::Add, None, Some((Op2::Div, x, y))) => Instr::DivAdd(d, x, y, r(a)),
            (Op2::Sub, Some((Op2::Div, x, y)), None) => Instr::DivSub(d, x, y, r(b)),
            (Op2::Sub, None, Some((Op2::Div, x, y))) => Instr::SubDiv(d, x, y, r(a)),
            (Op2::Add, Some((Op2::Add, x, y)), None) => Instr::Add3(d, x, y, r(b)),
            (Op2::Add, None, Some((Op2::Add, x, y))) => Instr::Add3(d, x, y, r(a)),
            (Op2::Mul, Some((Op2::Mul, x, y)), None) => Instr::Mul3(d, x, y, r(b)),
            (Op2::Mul, None, Some((Op2::Mul, x, y))) => Instr::Mul3(d, x, y, r(a)),
            (Op2::Div, None, Some((Op2::Add, x, y))) => Instr::DivSum(d, r(a), x, y),
            (Op2::Div, Some((Op2::Mul, x, y)), None) => Instr::MulDiv(d, x, y, r(b)),
            (Op2::Add, Some((Op2::Sub, x, y)), None) => Instr::SubAdd(d, x, y, r(b)),
            (Op2::Add, None, Some((Op2::Sub, x, y))) => Instr::SubAdd(d, x, y, r(a)),
            (Op2::Sub, Some((Op2::Add, x, y)), None) => Instr::AddSub(d, x, y, r(b)),
            (Op2::Sub, Some((Op2::Sub, x, y)), None) => Instr::Sub3(d, x, y, r(b)),
            (Op2::Sub, None, Some((Op2::Add, x, y))) => Instr::SubSum(d, x, y, r(a)),
            (Op2::Sub, None, Some((Op2::Sub, x, y))) => Instr::SubDiff(d, x, y, r(a)),
            other => unreachable!("fusion_plan never produces {other:?}"),
        },
        Node::Select(c, a, b) => Instr::Select(d, r(c), r(a), r(b)),
        Node::Const(_) | Node::Time | Node::State(_) => unreachable!("leaves have no instruction"),
    }
}

fn unary(op: Op1, d: Reg, x: Reg) -> Instr {
    match op {
        Op1::Neg => Instr::Neg(d, x),
        Op1::Not => Instr::Not(d, x),
        Op1::Exp => Instr::Exp(d, x),
        Op1::Ln => Instr::Ln(d, x),
        Op1::Log10 => Instr::Log10(d, x),
        Op1::Sqrt => Instr::Sqrt(d, x),
        Op1::HalfPower => Instr::HalfPower(d, x),
        Op1::Abs => Instr::Abs(d, x),
        Op1::Floor => Instr::Floor(d, x),
        Op1::Ceil => Instr::Ceil(d, x),
    }
}

fn binary(op: Op2, d: Reg, a: Reg, b: Reg) -> Instr {
    let make = match op {
        Op2::Add => Instr::Add,
        Op2::Sub => Instr::Sub,
        Op2::Mul => Instr::Mul,
        Op2::Div => Instr::Div,
        Op2::Pow => Instr::Pow,
        Op2::Min => Instr::Min,
        Op2::Max => Instr::Max,
        Op2::Less => Instr::Less,
        Op2::LessEq => Instr::LessEq,
        Op2::Greater => Instr::Greater,
        Op2::GreaterEq => Instr::GreaterEq,
        Op2::Eq => Instr::Eq,
        Op2::NotEq => Instr::NotEq,
        Op2::And => Instr::And,
        Op2::Or => Instr::Or,
    };
    make(d, a, b)
}

/// Marks the nodes the roots depend on; children precede parents, so one backward sweep works.
pub(super) fn reachable(graph: &Graph, roots: &[NodeId]) -> Vec<bool> {
    let mut needed = vec![false; graph.nodes.len()];
    for root in roots {
        needed[root.0 as usize] = true;
    }
    for i in (0..graph.nodes.len()).rev() {
        if needed[i] {
            children(graph.nodes[i], |c| needed[c.0 as usize] = true);
        }
    }
    needed
}
