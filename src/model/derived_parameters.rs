//! Derived parameters (`ke = "CL / V"` in `[parameters]`) and why a name cannot be set: the
//! names an expression uses, and the messages that say what a name is derived from.

use super::Model;
use crate::expr::{Expr, ExprKind};

/// Most distinct names listed in a message (bounds its length).
const MAX_LISTED: usize = 8;

/// The distinct names `expr` uses, in order of first use (iterative: nesting depth is bounded
/// by the parser, but a long chain should not recurse either).
pub(super) fn names_used(expr: &Expr) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut stack = vec![expr];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Number(_) => {}
            ExprKind::Name(n) => {
                if !names.contains(n) && n != "pi" && n != "t" {
                    names.push(n.clone());
                }
            }
            ExprKind::Unary(_, a) => stack.push(a),
            ExprKind::Binary(_, a, b) => {
                stack.push(b);
                stack.push(a);
            }
            ExprKind::Chain(first, rest) => {
                stack.extend(rest.iter().rev().map(|(_, x)| x));
                stack.push(first);
            }
            ExprKind::Call { args, .. } => stack.extend(args.iter().rev()),
        }
    }
    names
}

/// `` `CL` and `V` `` (at most [`MAX_LISTED`] names).
pub(super) fn list_names(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().take(MAX_LISTED).map(|n| format!("`{n}`")).collect();
    let mut text = match quoted.as_slice() {
        [] => "constants only".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    if names.len() > MAX_LISTED {
        text.push_str(&format!(" (and {} more)", names.len() - MAX_LISTED));
    }
    text
}

impl Model {
    /// Why `name` cannot be given a value like a parameter (`--set`, a regimen's `parameters`,
    /// `[population]`): it is a derived parameter, a derived value or a state. `None` for a
    /// base parameter or a name the model does not declare.
    pub fn not_settable(&self, name: &str) -> Option<String> {
        if let Some(p) = self.parameters.iter().find(|p| p.name == name) {
            let expr = p.expr.as_ref()?;
            return Some(format!(
                "`{name}` is a derived parameter, computed from {}; set those instead",
                list_names(&names_used(expr))
            ));
        }
        if let Some(d) = self.derived.iter().find(|d| d.name == name) {
            return Some(format!(
                "`{name}` is a derived value ([derived]), computed from {}; set the parameters it uses instead",
                list_names(&names_used(&d.expr))
            ));
        }
        self.states
            .iter()
            .any(|s| s.name == name)
            .then(|| format!("`{name}` is a state, not a parameter; its initial value is set in [states]"))
    }
}
