//! The bytecode's instruction set and the machine that runs it: each instruction writes one
//! register of a register file whose length is a power of two, and every operand is masked with
//! that length minus one, so indexing needs no bounds check (and no `unsafe`).

use super::ops::{half_power, nan_max, nan_min, power};

/// A register index.
pub(super) type Reg = u16;

/// One instruction: destination register first, then operand registers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Instr {
    Add(Reg, Reg, Reg),
    Sub(Reg, Reg, Reg),
    Mul(Reg, Reg, Reg),
    Div(Reg, Reg, Reg),
    Pow(Reg, Reg, Reg),
    Min(Reg, Reg, Reg),
    Max(Reg, Reg, Reg),
    Less(Reg, Reg, Reg),
    LessEq(Reg, Reg, Reg),
    Greater(Reg, Reg, Reg),
    GreaterEq(Reg, Reg, Reg),
    Eq(Reg, Reg, Reg),
    NotEq(Reg, Reg, Reg),
    And(Reg, Reg, Reg),
    Or(Reg, Reg, Reg),
    /// `d = a*b + c`
    MulAdd(Reg, Reg, Reg, Reg),
    /// `d = a*b - c`
    MulSub(Reg, Reg, Reg, Reg),
    /// `d = c - a*b`
    SubMul(Reg, Reg, Reg, Reg),
    /// `d = (a*b)*c`
    Mul3(Reg, Reg, Reg, Reg),
    /// `d = a*b + c*e`
    MulMulAdd(Reg, Reg, Reg, Reg, Reg),
    /// `d = a*b - c*e`
    MulMulSub(Reg, Reg, Reg, Reg, Reg),
    /// `d = (a+b) + c`
    Add3(Reg, Reg, Reg, Reg),
    /// `d = a/b + c`
    DivAdd(Reg, Reg, Reg, Reg),
    /// `d = a/b - c`
    DivSub(Reg, Reg, Reg, Reg),
    /// `d = c - a/b`
    SubDiv(Reg, Reg, Reg, Reg),
    /// `d = a / (b + c)`
    DivSum(Reg, Reg, Reg, Reg),
    /// `d = (a - b) + c`
    SubAdd(Reg, Reg, Reg, Reg),
    /// `d = (a + b) - c`
    AddSub(Reg, Reg, Reg, Reg),
    /// `d = (a - b) - c`
    Sub3(Reg, Reg, Reg, Reg),
    /// `d = c - (a + b)`
    SubSum(Reg, Reg, Reg, Reg),
    /// `d = c - (a - b)`
    SubDiff(Reg, Reg, Reg, Reg),
    /// `d = (a*b) / c`
    MulDiv(Reg, Reg, Reg, Reg),
    Neg(Reg, Reg),
    Not(Reg, Reg),
    Exp(Reg, Reg),
    Ln(Reg, Reg),
    Log10(Reg, Reg),
    Sqrt(Reg, Reg),
    HalfPower(Reg, Reg),
    Abs(Reg, Reg),
    Floor(Reg, Reg),
    Ceil(Reg, Reg),
    Select(Reg, Reg, Reg, Reg),
}

impl Instr {
    /// The destination register and the operand registers (unused slots repeat the last).
    pub(super) fn registers(self) -> (Reg, [Reg; 4]) {
        use Instr as I;
        match self {
            I::Add(d, a, b)
            | I::Sub(d, a, b)
            | I::Mul(d, a, b)
            | I::Div(d, a, b)
            | I::Pow(d, a, b)
            | I::Min(d, a, b)
            | I::Max(d, a, b)
            | I::Less(d, a, b)
            | I::LessEq(d, a, b)
            | I::Greater(d, a, b)
            | I::GreaterEq(d, a, b)
            | I::Eq(d, a, b)
            | I::NotEq(d, a, b)
            | I::And(d, a, b)
            | I::Or(d, a, b) => (d, [a, b, b, b]),
            I::MulAdd(d, a, b, c)
            | I::MulSub(d, a, b, c)
            | I::SubMul(d, a, b, c)
            | I::Mul3(d, a, b, c)
            | I::Add3(d, a, b, c)
            | I::DivAdd(d, a, b, c)
            | I::DivSub(d, a, b, c)
            | I::SubDiv(d, a, b, c)
            | I::DivSum(d, a, b, c)
            | I::SubAdd(d, a, b, c)
            | I::AddSub(d, a, b, c)
            | I::Sub3(d, a, b, c)
            | I::SubSum(d, a, b, c)
            | I::SubDiff(d, a, b, c)
            | I::MulDiv(d, a, b, c)
            | I::Select(d, a, b, c) => (d, [a, b, c, c]),
            I::MulMulAdd(d, a, b, c, e) | I::MulMulSub(d, a, b, c, e) => (d, [a, b, c, e]),
            I::Neg(d, a)
            | I::Not(d, a)
            | I::Exp(d, a)
            | I::Ln(d, a)
            | I::Log10(d, a)
            | I::Sqrt(d, a)
            | I::HalfPower(d, a)
            | I::Abs(d, a)
            | I::Floor(d, a)
            | I::Ceil(d, a) => (d, [a, a, a, a]),
        }
    }
}

fn truth(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// Runs `instructions` on the register file `r` (states `y` at time `t`) and copies the
/// `results` registers to `out`.
pub(super) fn run<const N: usize>(
    r: &mut [f64; N],
    (instructions, results): (&[Instr], &[Reg]),
    (t, y): (f64, &[f64]),
    out: &mut [f64],
) {
    r[0] = t;
    // Element-wise (not `copy_from_slice`): a handful of states is cheaper than a memcpy call.
    for (slot, &value) in r[1..].iter_mut().zip(y) {
        *slot = value;
    }
    for instruction in instructions {
        execute(r, *instruction);
    }
    for (o, &reg) in out.iter_mut().zip(results) {
        *o = r[reg as usize & (N - 1)];
    }
}

#[inline(always)]
fn execute<const N: usize>(r: &mut [f64; N], instruction: Instr) {
    // A power-of-two `N` makes this mask bound every index, so indexing needs no check; the
    // file was sized to hold every register, so the mask never changes an operand.
    let mask = N - 1;
    macro_rules! bin {
        ($d:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
            let ($x, $y) = (r[$a as usize & mask], r[$b as usize & mask]);
            r[$d as usize & mask] = $e;
        }};
    }
    macro_rules! un {
        ($d:expr, $a:expr, |$x:ident| $e:expr) => {{
            let $x = r[$a as usize & mask];
            r[$d as usize & mask] = $e;
        }};
    }
    match instruction {
        Instr::Add(d, a, b) => bin!(d, a, b, |x, y| x + y),
        Instr::Sub(d, a, b) => bin!(d, a, b, |x, y| x - y),
        Instr::Mul(d, a, b) => bin!(d, a, b, |x, y| x * y),
        Instr::Div(d, a, b) => bin!(d, a, b, |x, y| x / y),
        Instr::Pow(d, a, b) => bin!(d, a, b, |x, y| power(x, y)),
        Instr::Min(d, a, b) => bin!(d, a, b, |x, y| nan_min(x, y)),
        Instr::Max(d, a, b) => bin!(d, a, b, |x, y| nan_max(x, y)),
        Instr::Less(d, a, b) => bin!(d, a, b, |x, y| truth(x < y)),
        Instr::LessEq(d, a, b) => bin!(d, a, b, |x, y| truth(x <= y)),
        Instr::Greater(d, a, b) => bin!(d, a, b, |x, y| truth(x > y)),
        Instr::GreaterEq(d, a, b) => bin!(d, a, b, |x, y| truth(x >= y)),
        Instr::Eq(d, a, b) => bin!(d, a, b, |x, y| truth(x == y)),
        Instr::NotEq(d, a, b) => bin!(d, a, b, |x, y| truth(x != y)),
        Instr::And(d, a, b) => bin!(d, a, b, |x, y| truth(x != 0.0 && y != 0.0)),
        Instr::Or(d, a, b) => bin!(d, a, b, |x, y| truth(x != 0.0 || y != 0.0)),
        Instr::MulAdd(d, a, b, c) => {
            r[d as usize & mask] = r[a as usize & mask] * r[b as usize & mask] + r[c as usize & mask]
        }
        Instr::MulSub(d, a, b, c) => {
            r[d as usize & mask] = r[a as usize & mask] * r[b as usize & mask] - r[c as usize & mask]
        }
        Instr::SubMul(d, a, b, c) => {
            r[d as usize & mask] = r[c as usize & mask] - r[a as usize & mask] * r[b as usize & mask]
        }
        Instr::Mul3(d, a, b, c) => {
            r[d as usize & mask] = r[a as usize & mask] * r[b as usize & mask] * r[c as usize & mask]
        }
        Instr::MulMulAdd(d, a, b, c, e) => {
            r[d as usize & mask] =
                r[a as usize & mask] * r[b as usize & mask] + r[c as usize & mask] * r[e as usize & mask]
        }
        Instr::MulMulSub(d, a, b, c, e) => {
            r[d as usize & mask] =
                r[a as usize & mask] * r[b as usize & mask] - r[c as usize & mask] * r[e as usize & mask]
        }
        Instr::Add3(d, a, b, c) => {
            r[d as usize & mask] = (r[a as usize & mask] + r[b as usize & mask]) + r[c as usize & mask]
        }
        Instr::DivAdd(d, a, b, c) => {
            r[d as usize & mask] = r[a as usize & mask] / r[b as usize & mask] + r[c as usize & mask]
        }
        Instr::DivSub(d, a, b, c) => {
            r[d as usize & mask] = r[a as usize & mask] / r[b as usize & mask] - r[c as usize & mask]
        }
        Instr::SubDiv(d, a, b, c) => {
            r[d as usize & mask] = r[c as usize & mask] - r[a as usize & mask] / r[b as usize & mask]
        }
        Instr::DivSum(d, a, b, c) => {
            r[d as usize & mask] = r[a as usize & mask] / (r[b as usize & mask] + r[c as usize & mask])
        }
        Instr::SubAdd(d, a, b, c) => {
            r[d as usize & mask] = (r[a as usize & mask] - r[b as usize & mask]) + r[c as usize & mask]
        }
        Instr::AddSub(d, a, b, c) => {
            r[d as usize & mask] = (r[a as usize & mask] + r[b as usize & mask]) - r[c as usize & mask]
        }
        Instr::Sub3(d, a, b, c) => {
            r[d as usize & mask] = (r[a as usize & mask] - r[b as usize & mask]) - r[c as usize & mask]
        }
        Instr::SubSum(d, a, b, c) => {
            r[d as usize & mask] = r[c as usize & mask] - (r[a as usize & mask] + r[b as usize & mask])
        }
        Instr::SubDiff(d, a, b, c) => {
            r[d as usize & mask] = r[c as usize & mask] - (r[a as usize & mask] - r[b as usize & mask])
        }
        Instr::MulDiv(d, a, b, c) => {
            r[d as usize & mask] = (r[a as usize & mask] * r[b as usize & mask]) / r[c as usize & mask]
        }
        Instr::Neg(d, a) => un!(d, a, |x| -x),
        Instr::Not(d, a) => un!(d, a, |x| truth(x == 0.0)),
        Instr::Exp(d, a) => un!(d, a, |x| x.exp()),
        Instr::Ln(d, a) => un!(d, a, |x| x.ln()),
        Instr::Log10(d, a) => un!(d, a, |x| x.log10()),
        Instr::Sqrt(d, a) => un!(d, a, |x| x.sqrt()),
        Instr::HalfPower(d, a) => un!(d, a, |x| half_power(x)),
        Instr::Abs(d, a) => un!(d, a, |x| x.abs()),
        Instr::Floor(d, a) => un!(d, a, |x| x.floor()),
        Instr::Ceil(d, a) => un!(d, a, |x| x.ceil()),
        Instr::Select(d, c, a, b) => {
            r[d as usize & mask] = if r[c as usize & mask] != 0.0 {
                r[a as usize & mask]
            } else {
                r[b as usize & mask]
            }
        }
    }
}
