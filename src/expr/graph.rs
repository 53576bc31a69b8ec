//! A hash-consed expression graph: every distinct subexpression is stored once, so common
//! subexpressions across all equations of a model are computed once. Nodes whose operands are
//! all constants are folded on construction, and a few exact algebraic rewrites are applied
//! (`x^2 → x*x`, `x^0.5 →` a square root, `x*1 → x`), each bit-identical to the unrewritten
//! form for every input, special values included.

use std::collections::HashMap;

use super::ops::{Op1, Op2, apply1, apply2};

/// Index of a node in a [`Graph`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub(crate) u32);

/// One node; children always have smaller ids than their parents (topological order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Node {
    /// A constant, stored by its bit pattern so that nodes can be hashed.
    Const(u64),
    /// The independent variable `t`.
    Time,
    /// State number `i`.
    State(u32),
    Unary(Op1, NodeId),
    Binary(Op2, NodeId, NodeId),
    /// `if(cond, a, b)`.
    Select(NodeId, NodeId, NodeId),
}

/// The graph of all expressions of one compiled model.
#[derive(Debug, Default, Clone)]
pub struct Graph {
    pub(crate) nodes: Vec<Node>,
    index: HashMap<Node, NodeId>,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    fn intern(&mut self, node: Node) -> NodeId {
        if let Some(&id) = self.index.get(&node) {
            return id;
        }
        let id = NodeId(u32::try_from(self.nodes.len()).expect("fewer than 2^32 nodes"));
        self.nodes.push(node);
        self.index.insert(node, id);
        id
    }

    /// The constant `value`.
    pub fn constant(&mut self, value: f64) -> NodeId {
        self.intern(Node::Const(value.to_bits()))
    }

    /// The variable `t`.
    pub fn time(&mut self) -> NodeId {
        self.intern(Node::Time)
    }

    /// State number `index`.
    pub fn state(&mut self, index: usize) -> NodeId {
        self.intern(Node::State(u32::try_from(index).expect("state index fits u32")))
    }

    /// The value of `id` if it is a constant.
    pub fn constant_value(&self, id: NodeId) -> Option<f64> {
        match self.nodes[id.0 as usize] {
            Node::Const(bits) => Some(f64::from_bits(bits)),
            _ => None,
        }
    }

    /// `op x`, folded if `x` is constant.
    pub fn unary(&mut self, op: Op1, x: NodeId) -> NodeId {
        if let Some(v) = self.constant_value(x) {
            return self.constant(apply1(op, v));
        }
        if let (Op1::Neg, Node::Unary(Op1::Neg, inner)) = (op, self.nodes[x.0 as usize]) {
            return inner;
        }
        self.intern(Node::Unary(op, x))
    }

    /// `a op b`, folded if both are constant, with exact simplifications.
    pub fn binary(&mut self, op: Op2, a: NodeId, b: NodeId) -> NodeId {
        let (ca, cb) = (self.constant_value(a), self.constant_value(b));
        if let (Some(x), Some(y)) = (ca, cb) {
            return self.constant(apply2(op, x, y));
        }
        if let Some(id) = self.simplify(op, a, b, cb) {
            return id;
        }
        let (a, b) = if op.is_commutative() && b < a {
            (b, a)
        } else {
            (a, b)
        };
        self.intern(Node::Binary(op, a, b))
    }

    /// Rewrites that give bit-identical results.
    fn simplify(&mut self, op: Op2, a: NodeId, b: NodeId, cb: Option<f64>) -> Option<NodeId> {
        let ca = self.constant_value(a);
        // Only IEEE identities: `x + 0` is not one (it turns −0 into +0), `x − (+0)` is.
        let positive_zero = cb.is_some_and(|c| c.to_bits() == 0);
        match (op, ca, cb) {
            (Op2::Mul, Some(1.0), _) => Some(b),
            (Op2::Mul | Op2::Div, _, Some(1.0)) => Some(a),
            (Op2::Sub, _, _) if positive_zero => Some(a),
            (Op2::Pow, _, Some(e)) => self.simplify_power(a, e),
            _ => None,
        }
    }

    /// `x^1 = x`, `x^2 = x·x`, `x^0.5 =` [`Op1::HalfPower`]: bit-identical to `^` as
    /// [`super::ops::power`] defines it (and `x^1` to `powf`; see `tests/hostile_expr.rs`).
    /// Other integer powers are left to `powf`: `powi` differs from it in the last bits for
    /// about a quarter of inputs, and folding must not change results.
    fn simplify_power(&mut self, base: NodeId, exponent: f64) -> Option<NodeId> {
        if exponent == 1.0 {
            Some(base)
        } else if exponent == 2.0 {
            Some(self.binary(Op2::Mul, base, base))
        } else if exponent == 0.5 {
            Some(self.unary(Op1::HalfPower, base))
        } else {
            None
        }
    }

    /// `if(cond, a, b)`, folded when the condition is constant.
    pub fn select(&mut self, cond: NodeId, a: NodeId, b: NodeId) -> NodeId {
        match self.constant_value(cond) {
            Some(c) if c != 0.0 => a,
            Some(_) => b,
            None if a == b => a,
            None => self.intern(Node::Select(cond, a, b)),
        }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True if the graph has no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_subexpressions_are_shared() {
        let mut g = Graph::new();
        let x = g.state(0);
        let y = g.state(1);
        let a = g.binary(Op2::Mul, x, y);
        let b = g.binary(Op2::Mul, y, x);
        assert_eq!(a, b, "commutative operands are put in canonical order");
        let two = g.constant(2.0);
        let sq = g.binary(Op2::Pow, x, two);
        assert_eq!(sq, g.binary(Op2::Mul, x, x));
    }

    #[test]
    fn constants_fold() {
        let mut g = Graph::new();
        let a = g.constant(3.0);
        let b = g.constant(4.0);
        let s = g.binary(Op2::Add, a, b);
        assert_eq!(g.constant_value(s), Some(7.0));
        let c = g.binary(Op2::Less, a, b);
        let x = g.state(0);
        let y = g.state(1);
        assert_eq!(g.select(c, x, y), x);
    }
}
