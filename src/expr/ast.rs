//! The syntax tree of one expression, with byte spans local to the expression text.

use crate::diagnostic::Span;

/// One node of the syntax tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What the node is.
    pub kind: ExprKind,
    /// Where it is, in bytes of the expression text (or of the file, after [`Expr::shifted`]).
    pub span: Span,
}

/// The node kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A number literal.
    Number(f64),
    /// A name: parameter, state, derived value, `t` or `pi`.
    Name(String),
    /// `-x` or `!x`.
    Unary(UnaryOp, Box<Expr>),
    /// `a op b` for a power or a comparison (operators that do not chain to the left).
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `a op b op c …`: a run of left-associative operators of one precedence level (`+ -`,
    /// `* /`, `&&` or `||`), evaluated left to right as `((a op b) op c) …`. Kept flat, so a sum
    /// of 100,000 terms is one node and nothing recurses 100,000 deep over it.
    Chain(Box<Expr>, Vec<(BinaryOp, Expr)>),
    /// `f(a, b, ...)`, including `if(cond, a, b)`.
    Call {
        /// The function name.
        function: String,
        /// Span of the function name alone.
        function_span: Span,
        /// The arguments in order.
        args: Vec<Expr>,
    },
}

/// Prefix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// Arithmetic negation `-x`.
    Neg,
    /// Logical negation `!c` (conditions only).
    Not,
}

/// Infix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `^` (right-associative)
    Pow,
    /// `<`
    Less,
    /// `<=`
    LessEq,
    /// `>`
    Greater,
    /// `>=`
    GreaterEq,
    /// `==`
    Eq,
    /// `!=`
    NotEq,
    /// `&&`
    And,
    /// `||`
    Or,
}

impl BinaryOp {
    /// True for operators whose value is a truth value (comparisons and logic).
    pub fn is_logical(self) -> bool {
        !matches!(self, Self::Add | Self::Sub | Self::Mul | Self::Div | Self::Pow)
    }

    /// True for `&&` and `||`, whose operands must be truth values.
    pub fn takes_conditions(self) -> bool {
        matches!(self, Self::And | Self::Or)
    }

    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Add => "+",
            Self::Sub => "-",
            Self::Mul => "*",
            Self::Div => "/",
            Self::Pow => "^",
            Self::Less => "<",
            Self::LessEq => "<=",
            Self::Greater => ">",
            Self::GreaterEq => ">=",
            Self::Eq => "==",
            Self::NotEq => "!=",
            Self::And => "&&",
            Self::Or => "||",
        }
    }
}

impl Expr {
    /// The same tree with every span moved right by `offset` bytes.
    pub fn shifted(mut self, offset: usize) -> Self {
        self.map_spans(&|s| s.shifted(offset));
        self
    }

    /// Replaces every span `s` in the tree by `f(s)`.
    pub fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        self.span = f(self.span);
        match &mut self.kind {
            ExprKind::Number(_) | ExprKind::Name(_) => {}
            ExprKind::Unary(_, x) => x.map_spans(f),
            ExprKind::Binary(_, a, b) => {
                a.map_spans(f);
                b.map_spans(f);
            }
            ExprKind::Chain(first, rest) => {
                first.map_spans(f);
                rest.iter_mut().for_each(|(_, e)| e.map_spans(f));
            }
            ExprKind::Call {
                function_span, args, ..
            } => {
                *function_span = f(*function_span);
                args.iter_mut().for_each(|a| a.map_spans(f));
            }
        }
    }

    /// Calls `visit` on every name in the tree, with its span, in source order.
    pub fn for_each_name(&self, visit: &mut dyn FnMut(&str, Span)) {
        match &self.kind {
            ExprKind::Number(_) => {}
            ExprKind::Name(name) => visit(name, self.span),
            ExprKind::Unary(_, x) => x.for_each_name(visit),
            ExprKind::Binary(_, a, b) => {
                a.for_each_name(visit);
                b.for_each_name(visit);
            }
            ExprKind::Chain(first, rest) => {
                first.for_each_name(visit);
                rest.iter().for_each(|(_, e)| e.for_each_name(visit));
            }
            ExprKind::Call { args, .. } => args.iter().for_each(|a| a.for_each_name(visit)),
        }
    }
}
