//! Flat register bytecode: the compiled form of a set of graph roots, evaluated with no
//! allocation. The register file holds `[t, y_0 … y_{n-1}, constants…, temporaries…]`; each
//! instruction writes one register, and instructions come in topological order.
//!
//! Speed without `unsafe`: the register file is a boxed array whose length is a power of two
//! (2⁸, 2¹² or 2¹⁶ entries, the smallest that holds the program's registers), and every operand
//! is masked with that length minus one, so every index is provably in bounds and the compiler
//! drops the checks. Sizing the file to the program matters: cloning a program (once per run)
//! used to clear a 512 KiB file, which cost more than a whole small solve. A product
//! used only by one sum or difference is fused into it (`a*b + c` in one instruction, rounded
//! exactly as the two separate operations would be).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use super::graph::{Graph, Node, NodeId};
use super::jit::{JitError, NativeProgram};
use super::ops::{Op1, Op2, half_power, nan_max, nan_min, power};
use super::schedule;

/// Size of the largest register file: every `u16` operand indexes it.
const REGISTERS: usize = 1 << 16;
/// Registers a program may use: the last index is the schedule's "no register" marker.
const MAX_REGISTERS: usize = REGISTERS - 1;
/// Sizes of the smaller register files.
const SMALL: usize = 1 << 8;
const MEDIUM: usize = 1 << 12;

type Reg = u16;

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

/// The program needs more registers than the bytecode can address.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the model needs {needed} registers; at most {MAX_REGISTERS} are supported")]
pub struct ProgramTooLarge {
    /// Registers the program would need.
    pub needed: usize,
}

/// A read-only view of a program: its instructions, initial register file (`t`, states,
/// constants at their registers), state count and result registers.
pub(super) struct Parts<'a> {
    pub(super) instructions: &'a [Instr],
    pub(super) registers: &'a [f64],
    pub(super) state_count: usize,
    pub(super) results: &'a [Reg],
}

/// A compiled program computing several results from `(t, y)`.
///
/// Evaluated by the bytecode machine until native code for it exists (see
/// [`Program::compile_native_now`] and [`Program::compile_native_when_used`]); from then on by
/// the native code, which computes bit-identical values, so when the switch happens never
/// changes a result.
pub struct Program {
    /// Shared by all clones: only the register file is per clone.
    instructions: Arc<[Instr]>,
    registers: RegisterFile,
    used_registers: usize,
    state_count: usize,
    results: Arc<[Reg]>,
    /// Native code and the policy for making it; shared by all clones.
    native: Arc<Native>,
    /// Bytecode evaluations by this clone while native code was wanted but not yet made.
    evaluations: u32,
}

/// Bytecode evaluations after which a program marked by [`Program::compile_native_when_used`]
/// is compiled. Measured on the benchmark model (`cargo bench --bench pipeline -- stages`):
/// compiling its right-hand side takes 93 µs, about 2,000 bytecode evaluations (47 ns each),
/// so a run compiles once it has spent about what compiling costs (at most twice the better
/// choice in hindsight), and a run shorter than this never pays for compilation.
pub const NATIVE_AFTER_EVALUATIONS: u32 = 2_000;

/// The native code of a program and its clones.
#[derive(Debug, Default)]
struct Native {
    /// The code once compiled, or why it could not be.
    code: OnceLock<Result<NativeProgram, JitError>>,
    /// Compile after [`NATIVE_AFTER_EVALUATIONS`] bytecode evaluations.
    when_used: AtomicBool,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program")
            .field("instructions", &self.instructions)
            .field("registers", &&self.registers.as_slice()[..self.used_registers])
            .field("state_count", &self.state_count)
            .field("results", &self.results)
            .finish()
    }
}

impl Clone for Program {
    fn clone(&self) -> Self {
        Self {
            instructions: Arc::clone(&self.instructions),
            registers: self.registers.clone(),
            used_registers: self.used_registers,
            state_count: self.state_count,
            results: Arc::clone(&self.results),
            native: Arc::clone(&self.native),
            evaluations: 0,
        }
    }
}

/// A register file of a power-of-two length, so that masking an operand with the length minus
/// one bounds it without a check.
#[derive(Clone)]
enum RegisterFile {
    Small(Box<[f64; SMALL]>),
    Medium(Box<[f64; MEDIUM]>),
    Large(Box<[f64; REGISTERS]>),
}

impl RegisterFile {
    /// The smallest file holding `used` registers, all zero.
    fn zeroed(used: usize) -> Self {
        fn boxed<const N: usize>() -> Box<[f64; N]> {
            vec![0.0; N].into_boxed_slice().try_into().expect("length is N")
        }
        if used <= SMALL {
            Self::Small(boxed())
        } else if used <= MEDIUM {
            Self::Medium(boxed())
        } else {
            Self::Large(boxed())
        }
    }

    fn as_slice(&self) -> &[f64] {
        match self {
            Self::Small(r) => &r[..],
            Self::Medium(r) => &r[..],
            Self::Large(r) => &r[..],
        }
    }

    fn as_mut_slice(&mut self) -> &mut [f64] {
        match self {
            Self::Small(r) => &mut r[..],
            Self::Medium(r) => &mut r[..],
            Self::Large(r) => &mut r[..],
        }
    }
}

fn truth(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// How many times each needed node is used (by needed parents and as a root).
fn use_counts(graph: &Graph, roots: &[NodeId], needed: &[bool]) -> Vec<u32> {
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
fn fusions(graph: &Graph, needed: &[bool], uses: &[u32]) -> Vec<bool> {
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

impl Program {
    /// Compiles the nodes `roots` of `graph` for a state vector of `state_count` entries.
    /// Only nodes reachable from the roots are emitted.
    pub fn compile(graph: &Graph, roots: &[NodeId], state_count: usize) -> Result<Self, ProgramTooLarge> {
        let needed = reachable(graph, roots);
        let uses = use_counts(graph, roots, &needed);
        let absorbed = fusions(graph, &needed, &uses);
        let layout = schedule::layout(graph, roots, (&needed, &absorbed), state_count, MAX_REGISTERS)
            .map_err(|schedule::TooManyRegisters(needed)| ProgramTooLarge { needed })?;
        let mut registers = RegisterFile::zeroed(layout.used_registers);
        let file = registers.as_mut_slice();
        for (i, node) in graph.nodes.iter().enumerate() {
            if let (true, Node::Const(bits)) = (needed[i], *node) {
                file[layout.register_of[i] as usize] = f64::from_bits(bits);
            }
        }
        let instructions: Arc<[Instr]> = layout
            .order
            .iter()
            .map(|id| {
                let i = id.0 as usize;
                instruction(
                    graph,
                    graph.nodes[i],
                    layout.register_of[i],
                    &layout.register_of,
                    &absorbed,
                )
            })
            .collect();
        let results = roots
            .iter()
            .map(|id| layout.register_of[id.0 as usize])
            .collect::<Vec<_>>();
        Ok(Self {
            instructions,
            registers,
            used_registers: layout.used_registers,
            state_count,
            results: results.into(),
            native: Arc::default(),
            evaluations: 0,
        })
    }

    /// Marks this program (and every clone, past or future) for compilation to native code
    /// once a clone has been evaluated [`NATIVE_AFTER_EVALUATIONS`] times by the bytecode.
    pub fn compile_native_when_used(&self) {
        self.native.when_used.store(true, Ordering::Relaxed);
    }

    /// Compiles this program to native code now (on this thread), unless that was done;
    /// returns whether native code is in use.
    pub fn compile_native_now(&self) -> Result<(), JitError> {
        let outcome = self.native.code.get_or_init(|| {
            std::panic::catch_unwind(|| NativeProgram::compile(self))
                .unwrap_or_else(|_| Err(JitError::new("the code generator panicked".to_string())))
        });
        outcome.as_ref().map(|_| ()).map_err(Clone::clone)
    }

    /// `None` while no native code was requested or it is still being compiled; then whether
    /// it is in use (or why not).
    pub fn native_status(&self) -> Option<Result<(), JitError>> {
        self.native
            .code
            .get()
            .map(|outcome| outcome.as_ref().map(|_| ()).map_err(Clone::clone))
    }

    /// The program's pieces, for translation to machine code.
    pub(super) fn parts(&self) -> Parts<'_> {
        Parts {
            instructions: &self.instructions,
            registers: &self.registers.as_slice()[..self.used_registers],
            state_count: self.state_count,
            results: &self.results,
        }
    }

    /// Number of results written by [`Program::eval`].
    pub fn result_count(&self) -> usize {
        self.results.len()
    }

    /// Number of instructions executed per evaluation.
    pub fn instruction_count(&self) -> usize {
        self.instructions.len()
    }

    /// Evaluates the program at time `t` and state `y`, writing one value per root to `out`.
    ///
    /// `y` must have the state count given at compile time and `out` the result count.
    pub fn eval(&mut self, t: f64, y: &[f64], out: &mut [f64]) {
        if let Some(Ok(native)) = self.native.code.get()
            && y.len() >= self.state_count
            && out.len() >= self.results.len()
        {
            // The bytecode's register file carries values between the native chunks.
            native.eval_with(t, y, out, self.registers.as_mut_slice());
            return;
        }
        if self.native.when_used.load(Ordering::Relaxed) && self.native.code.get().is_none() {
            self.evaluations += 1;
            if self.evaluations >= NATIVE_AFTER_EVALUATIONS {
                // A failure leaves the bytecode in use, with the same results.
                let _native = self.compile_native_now();
            }
        }
        self.eval_bytecode(t, y, out);
    }

    /// [`Program::eval`] by the bytecode machine, whether or not native code exists: the
    /// reference the native code is tested against.
    pub fn eval_bytecode(&mut self, t: f64, y: &[f64], out: &mut [f64]) {
        let y = &y[..self.state_count];
        let code = (&self.instructions[..], &self.results[..]);
        match &mut self.registers {
            RegisterFile::Small(r) => run(r, code, (t, y), out),
            RegisterFile::Medium(r) => run(r, code, (t, y), out),
            RegisterFile::Large(r) => run(r, code, (t, y), out),
        }
    }
}

/// Runs `instructions` on the register file `r` (states `y` at time `t`) and copies the
/// `results` registers to `out`.
fn run<const N: usize>(
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

/// The instruction computing `node` into `d`; absorbed operands are fused in.
fn instruction(graph: &Graph, node: Node, d: Reg, register_of: &[Reg], absorbed: &[bool]) -> Instr {
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
fn reachable(graph: &Graph, roots: &[NodeId]) -> Vec<bool> {
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
