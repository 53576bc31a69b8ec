//! Flat register bytecode: the compiled form of a set of graph roots, evaluated with no
//! allocation. The register file holds `[t, y_0 … y_{n-1}, constants…, temporaries…]`; each
//! instruction writes one register, and instructions come in topological order.
//!
//! Speed without `unsafe`: the register file is a boxed array whose length is a power of two
//! (2⁸, 2¹² or 2¹⁶ entries, the smallest that holds the program's registers), and every operand
//! is masked with that length minus one, so every index is provably in bounds and the compiler
//! drops the checks. Sizing the file to the program matters: cloning a program (once per run)
//! used to clear a 512 KiB file, which cost more than a whole small solve. The instruction set
//! and the machine are in the sibling module `instr`; which nodes become which instructions
//! (a product used only by one sum or difference is fused into it: `a*b + c` in one
//! instruction, rounded exactly as the two separate operations would be) is `select`'s.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use super::graph::{Graph, Node, NodeId};
use super::instr::{Reg, run};
use super::jit::{JitError, NativeProgram};
use super::schedule;
use super::select::{fusions, instruction, reachable, use_counts};

pub(super) use super::instr::Instr;

/// Size of the largest register file: every `u16` operand indexes it.
const REGISTERS: usize = 1 << 16;
/// Registers a program may use: the last index is the schedule's "no register" marker.
const MAX_REGISTERS: usize = REGISTERS - 1;
/// Sizes of the smaller register files.
const SMALL: usize = 1 << 8;
const MEDIUM: usize = 1 << 12;

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
