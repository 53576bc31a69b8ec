//! A deliberately plain tree-walking evaluator of the syntax tree: the independent reference
//! that property tests hold the compiled bytecode against. Not used on any hot path. It shares
//! only the definition of `^` ([`power`]) with the compiler.

use super::ast::{BinaryOp, Expr, ExprKind, UnaryOp};
use super::ops::power;

/// Evaluates `expr` directly, looking names up with `lookup`; truth values are 1.0 and 0.0.
/// Returns the first unknown name or function as an error.
pub fn reference_eval(expr: &Expr, lookup: &dyn Fn(&str) -> Option<f64>) -> Result<f64, String> {
    let eval = |e: &Expr| reference_eval(e, lookup);
    let b = |v: bool| if v { 1.0 } else { 0.0 };
    Ok(match &expr.kind {
        ExprKind::Number(v) => *v,
        ExprKind::Name(name) if name == "pi" => std::f64::consts::PI,
        ExprKind::Name(name) => lookup(name).ok_or_else(|| format!("unknown name `{name}`"))?,
        ExprKind::Unary(UnaryOp::Neg, x) => -eval(x)?,
        ExprKind::Unary(UnaryOp::Not, x) => b(eval(x)? == 0.0),
        ExprKind::Binary(op, l, r) => binary(*op, eval(l)?, eval(r)?),
        ExprKind::Chain(first, rest) => {
            let mut acc = eval(first)?;
            for (op, e) in rest {
                acc = binary(*op, acc, eval(e)?);
            }
            acc
        }
        ExprKind::Call { function, args, .. } => {
            let values = args.iter().map(eval).collect::<Result<Vec<_>, _>>()?;
            call(function, &values)?
        }
    })
}

fn binary(op: BinaryOp, x: f64, y: f64) -> f64 {
    let b = |v: bool| if v { 1.0 } else { 0.0 };
    match op {
        BinaryOp::Add => x + y,
        BinaryOp::Sub => x - y,
        BinaryOp::Mul => x * y,
        BinaryOp::Div => x / y,
        BinaryOp::Pow => power(x, y),
        BinaryOp::Less => b(x < y),
        BinaryOp::LessEq => b(x <= y),
        BinaryOp::Greater => b(x > y),
        BinaryOp::GreaterEq => b(x >= y),
        BinaryOp::Eq => b(x == y),
        BinaryOp::NotEq => b(x != y),
        BinaryOp::And => b(x != 0.0 && y != 0.0),
        BinaryOp::Or => b(x != 0.0 || y != 0.0),
    }
}

fn call(function: &str, v: &[f64]) -> Result<f64, String> {
    let arg = |i: usize| {
        v.get(i)
            .copied()
            .ok_or_else(|| format!("`{function}`: too few arguments"))
    };
    Ok(match function {
        "exp" => arg(0)?.exp(),
        "log" | "ln" => arg(0)?.ln(),
        "log10" => arg(0)?.log10(),
        "sqrt" => arg(0)?.sqrt(),
        "abs" => arg(0)?.abs(),
        "floor" => arg(0)?.floor(),
        "ceil" => arg(0)?.ceil(),
        "pow" => power(arg(0)?, arg(1)?),
        "if" => {
            if arg(0)? != 0.0 {
                arg(1)?
            } else {
                arg(2)?
            }
        }
        "min" | "max" => {
            if v.iter().any(|x| x.is_nan()) {
                f64::NAN
            } else if function == "min" {
                v.iter().copied().fold(f64::INFINITY, f64::min)
            } else {
                v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            }
        }
        other => return Err(format!("unknown function `{other}`")),
    })
}
