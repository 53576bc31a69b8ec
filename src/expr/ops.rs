//! The operations of the language and their numeric meaning, shared by constant folding and
//! the bytecode machine so that a folded constant equals what the machine would compute.

/// One-operand operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op1 {
    /// `-x`
    Neg,
    /// `!c` (1 if c is 0, else 0)
    Not,
    /// `exp(x)`
    Exp,
    /// `ln(x)`, `log(x)`
    Ln,
    /// `log10(x)`
    Log10,
    /// `sqrt(x)`
    Sqrt,
    /// `x^0.5`: a correctly rounded square root with `pow`'s special values (`+0` at −0, `+∞`
    /// at −∞, where `sqrt(x)` gives −0 and NaN).
    HalfPower,
    /// `abs(x)`
    Abs,
    /// `floor(x)`
    Floor,
    /// `ceil(x)`
    Ceil,
}

/// Two-operand operations; comparisons and logic give 1.0 (true) or 0.0 (false).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op2 {
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b`
    Div,
    /// `a ^ b`, `pow(a, b)`: see [`power`] for its exact meaning.
    Pow,
    /// `min(a, b)` (NaN if either is NaN)
    Min,
    /// `max(a, b)` (NaN if either is NaN)
    Max,
    /// `a < b`
    Less,
    /// `a <= b`
    LessEq,
    /// `a > b`
    Greater,
    /// `a >= b`
    GreaterEq,
    /// `a == b`
    Eq,
    /// `a != b`
    NotEq,
    /// `a && b`
    And,
    /// `a || b`
    Or,
}

impl Op2 {
    /// True if `a op b == b op a`, so operands can be put in a canonical order for reuse.
    pub fn is_commutative(self) -> bool {
        matches!(
            self,
            Self::Add | Self::Mul | Self::Min | Self::Max | Self::Eq | Self::NotEq | Self::And | Self::Or
        )
    }
}

fn truth(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// The value of `op x`.
#[inline(always)]
pub(crate) fn apply1(op: Op1, x: f64) -> f64 {
    match op {
        Op1::Neg => -x,
        Op1::Not => truth(x == 0.0),
        Op1::Exp => x.exp(),
        Op1::Ln => x.ln(),
        Op1::Log10 => x.log10(),
        Op1::Sqrt => x.sqrt(),
        Op1::HalfPower => half_power(x),
        Op1::Abs => x.abs(),
        Op1::Floor => x.floor(),
        Op1::Ceil => x.ceil(),
    }
}

/// `a^b` as the language defines it, in constant folding, the bytecode and the reference
/// evaluator alike: IEEE 754 `pow` (the platform's `powf`), except that a square and a square
/// root are correctly rounded (`a*a`, and `sqrt` with `pow`'s special values). glibc's `powf`
/// is within 1 ulp but not correctly rounded: `a^2` and `a^0.5` differ from it in the last bit
/// for about 1 input in 1,200. Rewriting `x^2` to `x*x` in the graph is then exact, so folding a
/// parameter's square gives the same bits as squaring a state.
#[inline(always)]
pub fn power(a: f64, b: f64) -> f64 {
    if b == 2.0 {
        a * a
    } else if b == 0.5 {
        half_power(a)
    } else {
        a.powf(b)
    }
}

/// `x^0.5` with `pow`'s special values (`pow(−0, 0.5) = +0`, `pow(−∞, 0.5) = +∞`, where
/// `sqrt` gives −0 and NaN), at the cost of a square root.
#[inline(always)]
pub(crate) fn half_power(x: f64) -> f64 {
    if x.is_infinite() && x.is_sign_negative() {
        f64::INFINITY
    } else {
        // `+ 0.0` turns the −0 that `sqrt(−0)` gives into the +0 of `pow(−0, 0.5)`, and
        // changes nothing else.
        x.sqrt() + 0.0
    }
}

/// `min` that propagates NaN (unlike `f64::min`), so a broken input is never hidden.
#[inline(always)]
pub(crate) fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

/// `max` that propagates NaN (unlike `f64::max`).
#[inline(always)]
pub(crate) fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// The value of `a op b`.
#[inline(always)]
pub(crate) fn apply2(op: Op2, a: f64, b: f64) -> f64 {
    match op {
        Op2::Add => a + b,
        Op2::Sub => a - b,
        Op2::Mul => a * b,
        Op2::Div => a / b,
        Op2::Pow => power(a, b),
        Op2::Min => nan_min(a, b),
        Op2::Max => nan_max(a, b),
        Op2::Less => truth(a < b),
        Op2::LessEq => truth(a <= b),
        Op2::Greater => truth(a > b),
        Op2::GreaterEq => truth(a >= b),
        Op2::Eq => truth(a == b),
        Op2::NotEq => truth(a != b),
        Op2::And => truth(a != 0.0 && b != 0.0),
        Op2::Or => truth(a != 0.0 || b != 0.0),
    }
}

/// How many arguments a built-in function takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arity {
    /// Exactly this many.
    Exactly(usize),
    /// This many or more.
    AtLeast(usize),
}

/// What a built-in function name means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Builtin {
    /// A one-argument function.
    Unary(Op1),
    /// `pow(a, b)`.
    Pow,
    /// `min(a, b, ...)` or `max(a, b, ...)`.
    Fold(Op2),
    /// `if(cond, a, b)`.
    If,
}

impl Builtin {
    /// The arity of the function.
    pub(crate) fn arity(self) -> Arity {
        match self {
            Self::Unary(_) => Arity::Exactly(1),
            Self::Pow => Arity::Exactly(2),
            Self::Fold(_) => Arity::AtLeast(2),
            Self::If => Arity::Exactly(3),
        }
    }
}

/// The built-in function names, in the order listed in error hints.
pub const FUNCTION_NAMES: [&str; 12] = [
    "exp", "log", "ln", "log10", "sqrt", "abs", "pow", "floor", "ceil", "min", "max", "if",
];

/// The built-in function called `name`, if any.
pub(crate) fn builtin(name: &str) -> Option<Builtin> {
    Some(match name {
        "exp" => Builtin::Unary(Op1::Exp),
        "log" | "ln" => Builtin::Unary(Op1::Ln),
        "log10" => Builtin::Unary(Op1::Log10),
        "sqrt" => Builtin::Unary(Op1::Sqrt),
        "abs" => Builtin::Unary(Op1::Abs),
        "floor" => Builtin::Unary(Op1::Floor),
        "ceil" => Builtin::Unary(Op1::Ceil),
        "pow" => Builtin::Pow,
        "min" => Builtin::Fold(Op2::Min),
        "max" => Builtin::Fold(Op2::Max),
        "if" => Builtin::If,
        _ => return None,
    })
}

/// True for names that a model may not declare: `t`, `pi` and every function name.
pub fn is_reserved(name: &str) -> bool {
    name == "t" || name == "pi" || builtin(name).is_some()
}
