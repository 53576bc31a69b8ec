//! Name resolution, type checking and lowering of a syntax tree into the expression graph.
//!
//! Two value types exist: numbers and conditions. Conditions (comparisons, `&&`, `||`, `!`)
//! may only appear as the first argument of `if`. Every problem in one expression is reported,
//! not just the first.

use std::collections::HashMap;

use super::ExprError;
use super::ast::{BinaryOp, Expr, ExprKind, UnaryOp};
use super::graph::{Graph, NodeId};
use super::ops::{Arity, Builtin, FUNCTION_NAMES, Op1, Op2, builtin};
use crate::diagnostic::Span;

/// The names an expression may use, each bound to a graph node, plus names that exist but are
/// not allowed here (with the reason, e.g. a forward reference in `[derived]`).
#[derive(Debug, Default, Clone)]
pub struct Scope {
    bound: HashMap<String, NodeId>,
    unavailable: HashMap<String, String>,
    order: Vec<String>,
}

impl Scope {
    /// An empty scope.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes `name` refer to `node`.
    pub fn bind(&mut self, name: &str, node: NodeId) {
        self.unavailable.remove(name);
        if self.bound.insert(name.to_string(), node).is_none() {
            self.order.push(name.to_string());
        }
    }

    /// Declares that `name` exists but may not be used here, and why.
    pub fn forbid(&mut self, name: &str, reason: impl Into<String>) {
        if !self.bound.contains_key(name) {
            self.unavailable.insert(name.to_string(), reason.into());
        }
    }

    /// The node bound to `name`, if any.
    pub fn get(&self, name: &str) -> Option<NodeId> {
        self.bound.get(name).copied()
    }

    /// The closest bound name to `name`, for "did you mean" hints.
    pub fn suggest(&self, name: &str) -> Option<&str> {
        crate::suggest::closest(name, self.order.iter().map(String::as_str))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    Number,
    Condition,
}

/// Lowers `expr` to a numeric graph node, or returns every problem found in it.
pub fn lower(expr: &Expr, scope: &Scope, graph: &mut Graph) -> Result<NodeId, Vec<ExprError>> {
    let mut lowering = Lowering {
        scope,
        graph,
        errors: Vec::new(),
    };
    let node = lowering.number(expr);
    if lowering.errors.is_empty() {
        Ok(node)
    } else {
        Err(lowering.errors)
    }
}

struct Lowering<'a> {
    scope: &'a Scope,
    graph: &'a mut Graph,
    errors: Vec<ExprError>,
}

impl Lowering<'_> {
    fn poison(&mut self) -> NodeId {
        self.graph.constant(f64::NAN)
    }

    fn number(&mut self, expr: &Expr) -> NodeId {
        let (node, ty) = self.any(expr);
        if ty == Type::Condition {
            self.errors.push(
                ExprError::new(expr.span, "a condition is not a number")
                    .with_hint("conditions may only be the first argument of `if(cond, a, b)`"),
            );
        }
        node
    }

    fn condition(&mut self, expr: &Expr) -> NodeId {
        let (node, ty) = self.any(expr);
        if ty == Type::Number {
            self.errors.push(
                ExprError::new(expr.span, "expected a condition, found a number")
                    .with_hint("write a comparison such as `x > 0`"),
            );
        }
        node
    }

    fn any(&mut self, expr: &Expr) -> (NodeId, Type) {
        match &expr.kind {
            ExprKind::Number(v) => (self.graph.constant(*v), Type::Number),
            ExprKind::Name(name) => (self.name(name, expr.span), Type::Number),
            ExprKind::Unary(UnaryOp::Neg, x) => {
                let x = self.number(x);
                (self.graph.unary(Op1::Neg, x), Type::Number)
            }
            ExprKind::Unary(UnaryOp::Not, x) => {
                let x = self.condition(x);
                (self.graph.unary(Op1::Not, x), Type::Condition)
            }
            ExprKind::Binary(op, a, b) => {
                let (x, y) = self.operands(*op, a, b);
                self.binary(*op, (x, y), b.span, expr.span)
            }
            ExprKind::Chain(first, rest) => self.chain(first, rest),
            ExprKind::Call {
                function,
                function_span,
                args,
            } => (self.call(function, *function_span, args, expr.span), Type::Number),
        }
    }

    fn name(&mut self, name: &str, span: Span) -> NodeId {
        if let Some(node) = self.scope.get(name) {
            return node;
        }
        if name == "pi" {
            return self.graph.constant(std::f64::consts::PI);
        }
        let error = if let Some(reason) = self.scope.unavailable.get(name) {
            ExprError::new(span, format!("`{name}` cannot be used here")).with_hint(reason.clone())
        } else if builtin(name).is_some() {
            ExprError::new(span, format!("`{name}` is a function"))
                .with_hint(format!("call it with arguments, e.g. `{name}(x)`"))
        } else {
            ExprError::new(span, format!("unknown name `{name}`"))
                .with_optional_hint(self.scope.suggest(name).map(|s| format!("did you mean `{s}`?")))
        };
        self.errors.push(error);
        self.poison()
    }

    /// One operand of `op`, lowered as the type `op` takes.
    fn operand(&mut self, op: BinaryOp, e: &Expr) -> NodeId {
        if op.takes_conditions() {
            self.condition(e)
        } else {
            self.number(e)
        }
    }

    fn operands(&mut self, op: BinaryOp, a: &Expr, b: &Expr) -> (NodeId, NodeId) {
        let x = self.operand(op, a);
        (x, self.operand(op, b))
    }

    /// `a op b op c …` as `((a op b) op c) …`, built in a loop: the same nodes, in the same
    /// order, as nested binary operations would give, without recursing along the run.
    fn chain(&mut self, first: &Expr, rest: &[(BinaryOp, Expr)]) -> (NodeId, Type) {
        let mut acc = (self.operand(rest[0].0, first), Type::Number);
        for (op, e) in rest {
            let y = self.operand(*op, e);
            acc = self.binary(*op, (acc.0, y), e.span, first.span.join(e.span));
        }
        acc
    }

    /// `x op y`, given the lowered operands; `divisor` is the span of the right operand.
    fn binary(
        &mut self,
        op: BinaryOp,
        (x, y): (NodeId, NodeId),
        divisor: Span,
        span: Span,
    ) -> (NodeId, Type) {
        if op == BinaryOp::Div && self.graph.constant_value(y) == Some(0.0) {
            self.errors.push(
                ExprError::new(divisor, "division by zero: this divisor is always 0")
                    .with_hint("check the parameter values in the divisor"),
            );
            return (self.poison(), Type::Number);
        }
        let node = self.graph.binary(to_op2(op), x, y);
        self.check_fold(node, &[x, y], span, op == BinaryOp::Div);
        let ty = if op.is_logical() {
            Type::Condition
        } else {
            Type::Number
        };
        (node, ty)
    }

    fn call(&mut self, function: &str, function_span: Span, args: &[Expr], span: Span) -> NodeId {
        let Some(kind) = builtin(function) else {
            let hint = crate::suggest::closest(function, FUNCTION_NAMES.iter().copied())
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| format!("functions: {}", FUNCTION_NAMES.join(", ")));
            self.errors.push(
                ExprError::new(function_span, format!("unknown function `{function}`")).with_hint(hint),
            );
            return self.poison();
        };
        if !self.check_arity(function, kind.arity(), args.len(), span) {
            return self.poison();
        }
        match kind {
            Builtin::If => {
                let c = self.condition(&args[0]);
                let a = self.number(&args[1]);
                let b = self.number(&args[2]);
                self.graph.select(c, a, b)
            }
            Builtin::Unary(op) => {
                let x = self.number(&args[0]);
                let node = self.graph.unary(op, x);
                self.check_fold(node, &[x], span, false);
                node
            }
            Builtin::Pow => {
                let (a, b) = (self.number(&args[0]), self.number(&args[1]));
                let node = self.graph.binary(Op2::Pow, a, b);
                self.check_fold(node, &[a, b], span, false);
                node
            }
            Builtin::Fold(op) => {
                let first = self.number(&args[0]);
                args[1..].iter().fold(first, |acc, arg| {
                    let x = self.number(arg);
                    self.graph.binary(op, acc, x)
                })
            }
        }
    }

    fn check_arity(&mut self, function: &str, arity: Arity, given: usize, span: Span) -> bool {
        let (ok, expected) = match arity {
            Arity::Exactly(n) => (given == n, format!("{n}")),
            Arity::AtLeast(n) => (given >= n, format!("at least {n}")),
        };
        if !ok {
            let plural = if expected == "1" { "" } else { "s" };
            self.errors.push(ExprError::new(
                span,
                format!("`{function}` takes {expected} argument{plural}, found {given}"),
            ));
        }
        ok
    }

    /// Folding finite constants into inf or NaN means the formula can never be evaluated.
    fn check_fold(&mut self, node: NodeId, operands: &[NodeId], span: Span, is_division: bool) {
        let Some(value) = self.graph.constant_value(node) else {
            return;
        };
        let operands_finite = operands
            .iter()
            .all(|&o| self.graph.constant_value(o).is_some_and(f64::is_finite));
        if value.is_finite() || !operands_finite {
            return;
        }
        let mut error = ExprError::new(span, format!("this always evaluates to {value}"));
        if is_division {
            error = error.with_hint("the divisor is zero with the current parameter values");
        } else {
            error = error.with_hint("check the argument's value and the parameter values");
        }
        self.errors.push(error);
    }
}

fn to_op2(op: BinaryOp) -> Op2 {
    match op {
        BinaryOp::Add => Op2::Add,
        BinaryOp::Sub => Op2::Sub,
        BinaryOp::Mul => Op2::Mul,
        BinaryOp::Div => Op2::Div,
        BinaryOp::Pow => Op2::Pow,
        BinaryOp::Less => Op2::Less,
        BinaryOp::LessEq => Op2::LessEq,
        BinaryOp::Greater => Op2::Greater,
        BinaryOp::GreaterEq => Op2::GreaterEq,
        BinaryOp::Eq => Op2::Eq,
        BinaryOp::NotEq => Op2::NotEq,
        BinaryOp::And => Op2::And,
        BinaryOp::Or => Op2::Or,
    }
}
