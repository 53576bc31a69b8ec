//! Native code for a compiled [`Program`], by Cranelift: the same instructions in the same
//! order, so results are bit-identical to the bytecode machine, except for which NaN a NaN is
//! (its sign): the code generator may commute the operands of `+` and `*`, and x86 returns the
//! first operand's NaN when both are NaN. No operation of the language can observe that.
//!
//! The IR is emitted by the sibling module `emit`: each bytecode register becomes an SSA value
//! (the program is straight-line code in topological order); constants become immediates; `t` and the states are the function's
//! arguments. Floating-point operations are emitted one for one (`a*b + c` stays a multiply
//! then an add: no fused multiply-add, which would round differently), comparisons give 1.0 or
//! 0.0 exactly as the machine does, and every operation whose result is not a single IEEE
//! operation (`exp`, `ln`, `log10`, `^`, `min`, `max`, `floor`, `ceil`) calls the very Rust
//! function the machine calls. `sqrt`, `abs` and negation are single correctly rounded (or
//! exact) instructions in both.
//!
//! This is the crate's only `unsafe` code: calling generated machine code cannot be checked by
//! the compiler. Each block states the invariant that makes it sound.
#![allow(unsafe_code)]

use std::sync::{Arc, Mutex};

use cranelift_codegen::ir::{AbiParam, UserFuncName, types};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module, default_libcall_names};

use super::chunks::ChunkPlan;
use super::emit::{Chunk, HELPERS, Helpers, emit_chunk};
use super::program::Program;

/// Instructions per generated function. Cranelift's register allocation grows faster than
/// linearly with the values live at once in one function, so longer programs are split into
/// chunks of this many instructions, run in order, values crossing between them through the
/// register file. Measured on a 12,000-state chain: 5–7 µs per instruction to compile for any
/// chunk size from 100 to 12,000, once values leave a function right after their last write.
pub const CHUNK_INSTRUCTIONS: usize = 2_000;

/// Why a program could not be compiled to machine code; the bytecode is used instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("native compilation unavailable: {0}")]
pub struct JitError(String);

impl JitError {
    pub(super) fn new(message: String) -> Self {
        Self(message)
    }
}

/// One generated function: `f(t, y, out, registers)`, reading `state_count` states, and (the
/// last chunk) writing `result_count` results; chunks pass values on through `registers`.
type Entry = extern "C" fn(f64, *const f64, *mut f64, *mut f64);

/// A program compiled to machine code. Cheap to clone (the code is shared) and safe to send
/// between threads: it has no mutable state.
#[derive(Clone)]
pub struct NativeProgram {
    /// The chunks' functions, run in order.
    entries: Vec<Entry>,
    state_count: usize,
    result_count: usize,
    /// Registers the chunks exchange values through (0 for a one-function program).
    register_count: usize,
    /// Owns the executable memory `entry` points into; freed when the last clone goes.
    _code: Arc<CodeMemory>,
}

impl std::fmt::Debug for NativeProgram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeProgram")
            .field("state_count", &self.state_count)
            .field("result_count", &self.result_count)
            .field("functions", &self.entries.len())
            .finish_non_exhaustive()
    }
}

/// The JIT module holding the generated code.
struct CodeMemory(Mutex<Option<JITModule>>);

impl Drop for CodeMemory {
    fn drop(&mut self) {
        let module = self.0.get_mut().ok().and_then(Option::take);
        if let Some(module) = module {
            // SAFETY: the only pointers into this memory are the `entries` of the `NativeProgram`s
            // holding this `Arc`; this runs when the last of them is dropped, so no function
            // pointer into the freed code can be called afterwards.
            unsafe { module.free_memory() };
        }
    }
}

impl NativeProgram {
    /// Compiles `program` for the machine this process runs on, as functions of at most
    /// [`CHUNK_INSTRUCTIONS`] instructions.
    pub fn compile(program: &Program) -> Result<Self, JitError> {
        Self::compile_in_chunks(program, CHUNK_INSTRUCTIONS)
    }

    /// [`NativeProgram::compile`] with at most `chunk` instructions per generated function
    /// (at least one): the results are the same for every `chunk`, which the tests check with
    /// small ones.
    pub fn compile_in_chunks(program: &Program, chunk: usize) -> Result<Self, JitError> {
        let parts = program.parts();
        let plan = ChunkPlan::new(parts.instructions, parts.results, parts.registers.len(), chunk);
        let mut module = new_module()?;
        let helpers = Helpers::declare(&mut module).map_err(JitError)?;
        let mut signature = module.make_signature();
        let pointer = module.target_config().pointer_type();
        signature.params.push(AbiParam::new(types::F64));
        signature.params.extend([AbiParam::new(pointer); 3]);
        let mut context = module.make_context();
        let mut builder_context = FunctionBuilderContext::new();
        // Registers written by the chunks emitted so far: read later, they come from memory.
        let mut written = vec![false; parts.registers.len()];
        let mut ids = Vec::with_capacity(plan.ranges.len());
        for (k, range) in plan.ranges.iter().enumerate() {
            let id = module
                .declare_function(&format!("relapse_program_{k}"), Linkage::Local, &signature)
                .map_err(error)?;
            context.func.signature = signature.clone();
            context.func.name = UserFuncName::user(0, id.as_u32());
            let chunk = Chunk {
                instructions: &parts.instructions[range.clone()],
                stores: &plan.stores[k],
                results: if k + 1 == plan.ranges.len() {
                    parts.results
                } else {
                    &[]
                },
            };
            let builder = FunctionBuilder::new(&mut context.func, &mut builder_context);
            emit_chunk(builder, (&helpers, &mut module), &parts, &mut written, &chunk).map_err(JitError)?;
            module.define_function(id, &mut context).map_err(error)?;
            module.clear_context(&mut context);
            ids.push(id);
        }
        module.finalize_definitions().map_err(error)?;
        let entries = ids
            .into_iter()
            .map(|id| {
                let code = module.get_finalized_function(id);
                // SAFETY: `code` is a finalized function declared above with the signature
                // (f64, pointer, pointer, pointer) -> (), which is `Entry` under the platform's
                // C calling convention (the module's default call convention is the host's); it
                // stays valid while the module lives, which `_code` guarantees.
                unsafe { std::mem::transmute::<*const u8, Entry>(code) }
            })
            .collect::<Vec<_>>();
        let register_count = if entries.len() > 1 {
            parts.registers.len()
        } else {
            0
        };
        Ok(Self {
            entries,
            state_count: parts.state_count,
            result_count: parts.results.len(),
            register_count,
            _code: Arc::new(CodeMemory(Mutex::new(Some(module)))),
        })
    }

    /// Number of results written by [`NativeProgram::eval`].
    pub fn result_count(&self) -> usize {
        self.result_count
    }

    /// Number of generated functions (chunks) run per evaluation.
    pub fn function_count(&self) -> usize {
        self.entries.len()
    }

    /// Evaluates at time `t` and state `y`, writing one value per result to `out`: exactly the
    /// values [`Program::eval`] writes. Panics if `y` or `out` is shorter than the program's
    /// state or result count (the generated code reads and writes exactly that many).
    pub fn eval(&self, t: f64, y: &[f64], out: &mut [f64]) {
        // Only a program split into several functions needs registers to pass values through.
        let mut registers = vec![0.0; self.register_count];
        self.eval_with(t, y, out, &mut registers);
    }

    /// [`NativeProgram::eval`] with `registers` (at least the program's register count, e.g.
    /// the bytecode's register file) to pass values between chunks: no allocation.
    #[inline]
    pub(super) fn eval_with(&self, t: f64, y: &[f64], out: &mut [f64], registers: &mut [f64]) {
        assert!(
            y.len() >= self.state_count
                && out.len() >= self.result_count
                && registers.len() >= self.register_count,
            "native program called with {} states, {} result slots and {} registers, needs {}, {} and {}",
            y.len(),
            out.len(),
            registers.len(),
            self.state_count,
            self.result_count,
            self.register_count
        );
        for entry in &self.entries {
            // SAFETY: the code reads `y[0..state_count]`, writes `out[0..result_count]` and
            // reads and writes `registers[0..register_count]` only (offsets are fixed at compile
            // time from those counts; a one-function program never touches `registers`), all
            // checked just above; the three slices do not overlap (one shared, two exclusive
            // borrows); the code memory lives as long as `self._code`.
            entry(t, y.as_ptr(), out.as_mut_ptr(), registers.as_mut_ptr());
        }
    }
}

/// Whether native code can be generated for this machine (fails on hosts Cranelift does not
/// support).
pub fn host_supported() -> Result<(), JitError> {
    cranelift_native::builder().map(|_| ()).map_err(error)
}

fn error(e: impl std::fmt::Display) -> JitError {
    JitError(e.to_string())
}

fn new_module() -> Result<JITModule, JitError> {
    let mut flags = settings::builder();
    // Position-dependent code with absolute calls to the helpers: the code is never moved.
    flags.set("use_colocated_libcalls", "false").map_err(error)?;
    flags.set("is_pic", "false").map_err(error)?;
    // No Cranelift optimisation: the programs arrive folded, with common subexpressions
    // shared and dead code gone, so its e-graph pass found nothing that made them faster
    // (8.5 ns per right-hand side either way on the benchmark model) and cost 30% of the
    // compile time.
    flags.set("opt_level", "none").map_err(error)?;
    // The IR verifier checks the code generator itself, not the model: it runs in debug builds
    // (so every test verifies every function emitted) and is skipped in release builds, where
    // it was a sixth of the compile time.
    let verify = if cfg!(debug_assertions) { "true" } else { "false" };
    flags.set("enable_verifier", verify).map_err(error)?;
    let isa = cranelift_native::builder()
        .map_err(error)?
        .finish(settings::Flags::new(flags))
        .map_err(error)?;
    let mut builder = JITBuilder::with_isa(isa, default_libcall_names());
    for (name, pointer) in HELPERS {
        builder.symbol(name, pointer);
    }
    Ok(JITModule::new(builder))
}
