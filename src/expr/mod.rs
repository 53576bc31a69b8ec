//! The expression language of model files: parse (with byte spans) → syntax tree → name
//! resolution and type checking → a hash-consed graph with constant folding and shared
//! subexpressions → flat register bytecode ([`Program`]) evaluated without allocation.

mod ast;
mod chunks;
mod derivative;
mod emit;
mod graph;
mod instr;
mod jacobian;
mod jit;
mod lexer;
mod lower;
mod ops;
mod parser;
mod program;
mod reference;
mod schedule;
mod select;

pub use ast::{BinaryOp, Expr, ExprKind, UnaryOp};
pub use derivative::time_derivative;
pub use graph::{Graph, NodeId};
pub use jacobian::{Jacobian, JacobianTooLarge, MAX_NONZEROS};
pub use jit::{CHUNK_INSTRUCTIONS, JitError, NativeProgram, host_supported};
pub use lower::{Scope, lower};
pub use ops::{FUNCTION_NAMES, Op1, Op2, is_reserved, power};
pub use parser::{MAX_NESTING, parse};
pub use program::{NATIVE_AFTER_EVALUATIONS, Program, ProgramTooLarge};
pub use reference::reference_eval;

use crate::diagnostic::{Diagnostic, Span};

/// A problem in one expression, with a span local to the expression text until shifted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ExprError {
    /// Where the problem is.
    pub span: Span,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl ExprError {
    /// A problem at `span`.
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Self {
            span,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a hint if there is one.
    pub fn with_optional_hint(mut self, hint: Option<String>) -> Self {
        if hint.is_some() {
            self.hint = hint;
        }
        self
    }

    /// The same error with its span moved right by `offset` bytes.
    pub fn shifted(mut self, offset: usize) -> Self {
        self.span = self.span.shifted(offset);
        self
    }

    /// This error as a diagnostic (its span must already be in file coordinates).
    pub fn into_diagnostic(self) -> Diagnostic {
        Diagnostic::error(self.span, self.message).with_optional_hint(self.hint)
    }
}
