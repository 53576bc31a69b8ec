//! Emitting a program's instructions as Cranelift IR (safe code; the calls into the generated
//! code are in [`super::jit`]): one SSA value per register, the operations one for one in the
//! bytecode's order (no fused multiply-add), and the Rust functions the bytecode calls for every
//! operation that is not a single IEEE instruction, so the machine code computes what the
//! bytecode computes.

use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, Signature, Value, types};
use cranelift_frontend::FunctionBuilder;
use cranelift_jit::JITModule;
use cranelift_module::{FuncId, Linkage, Module};

use super::ops::{half_power, nan_max, nan_min, power};
use super::program::{Instr, Parts};

/// One chunk to emit: its instructions, the registers a later chunk reads (each stored into the
/// register file right after its last write here), and the results to write (the last chunk's).
pub(super) struct Chunk<'a> {
    pub(super) instructions: &'a [Instr],
    pub(super) stores: &'a [u16],
    pub(super) results: &'a [u16],
}

/// Emits `chunk` as one function; `written` (registers written by earlier chunks) is updated.
pub(super) fn emit_chunk(
    mut builder: FunctionBuilder<'_>,
    (helpers, module): (&Helpers, &mut JITModule),
    parts: &Parts<'_>,
    written: &mut [bool],
    chunk: &Chunk<'_>,
) -> Result<(), String> {
    let imported = helpers.import(module, builder.func);
    let block = builder.create_block();
    builder.append_block_params_for_function_params(block);
    builder.switch_to_block(block);
    builder.seal_block(block);
    let params = builder.block_params(block).to_vec();
    let mut emitter = Emitter {
        b: builder,
        helpers: imported,
        values: vec![None; parts.registers.len()],
        constants: parts.registers,
        y: params[1],
        registers: params[3],
        written_before: written,
        state_count: parts.state_count,
    };
    emitter.values[0] = Some(params[0]);
    // Each value leaving the chunk is stored right after its last write here, not all at the
    // end: otherwise thousands of values stay live to the end of the function, and register
    // allocation (spilling them all) makes compile time grow with the chunk's size squared.
    let registers = parts.registers.len();
    let mut result_slots = vec![Vec::new(); registers];
    for (i, &reg) in chunk.results.iter().enumerate() {
        result_slots[usize::from(reg)].push(i);
    }
    let mut stored = vec![false; registers];
    for &reg in chunk.stores {
        stored[usize::from(reg)] = true;
    }
    let last_writes = last_writes(chunk.instructions, registers);
    let (out, file) = (params[2], params[3]);
    for (&instruction, &last) in chunk.instructions.iter().zip(&last_writes) {
        emitter.emit(instruction);
        let d = instruction.registers().0;
        if last {
            let value = emitter.read(d);
            let reg = usize::from(d);
            if stored[reg] {
                emitter
                    .b
                    .ins()
                    .store(MemFlagsData::trusted(), value, file, offset(reg)?);
            }
            for &i in &result_slots[reg] {
                emitter
                    .b
                    .ins()
                    .store(MemFlagsData::trusted(), value, out, offset(i)?);
            }
            result_slots[reg].clear();
        }
    }
    // Results this chunk does not write: earlier chunks' values, states, constants or `t`.
    for (reg, slots) in result_slots.iter().enumerate() {
        for &i in slots {
            let value =
                emitter.read(u16::try_from(reg).map_err(|_| "register index out of range".to_string())?);
            emitter
                .b
                .ins()
                .store(MemFlagsData::trusted(), value, out, offset(i)?);
        }
    }
    emitter.b.ins().return_(&[]);
    emitter.b.finalize(module.target_config());
    for instruction in chunk.instructions {
        written[usize::from(instruction.registers().0)] = true;
    }
    Ok(())
}

/// Per instruction: whether it is the last in `instructions` to write its destination.
fn last_writes(instructions: &[Instr], registers: usize) -> Vec<bool> {
    let mut seen = vec![false; registers];
    let mut last: Vec<bool> = instructions
        .iter()
        .rev()
        .map(|instruction| {
            let d = usize::from(instruction.registers().0);
            !std::mem::replace(&mut seen[d], true)
        })
        .collect();
    last.reverse();
    last
}

/// The byte offset of entry `i` of an `f64` array.
fn offset(i: usize) -> Result<i32, String> {
    i.checked_mul(8)
        .and_then(|b| i32::try_from(b).ok())
        .ok_or_else(|| "offset out of range".to_string())
}

extern "C" fn exp(x: f64) -> f64 {
    x.exp()
}
extern "C" fn ln(x: f64) -> f64 {
    x.ln()
}
extern "C" fn log10(x: f64) -> f64 {
    x.log10()
}
extern "C" fn floor(x: f64) -> f64 {
    x.floor()
}
extern "C" fn ceil(x: f64) -> f64 {
    x.ceil()
}
extern "C" fn half(x: f64) -> f64 {
    half_power(x)
}
extern "C" fn pow(a: f64, b: f64) -> f64 {
    power(a, b)
}
extern "C" fn min(a: f64, b: f64) -> f64 {
    nan_min(a, b)
}
extern "C" fn max(a: f64, b: f64) -> f64 {
    nan_max(a, b)
}

/// The Rust functions the generated code calls, by symbol name (unary ones first).
pub(super) const HELPERS: [(&str, *const u8); 9] = [
    ("relapse_exp", exp as *const u8),
    ("relapse_ln", ln as *const u8),
    ("relapse_log10", log10 as *const u8),
    ("relapse_floor", floor as *const u8),
    ("relapse_ceil", ceil as *const u8),
    ("relapse_half_power", half as *const u8),
    ("relapse_pow", pow as *const u8),
    ("relapse_min", min as *const u8),
    ("relapse_max", max as *const u8),
];
const UNARY_HELPERS: usize = 6;

/// The helpers declared in the module.
pub(super) struct Helpers([FuncId; 9]);

impl Helpers {
    pub(super) fn declare(module: &mut JITModule) -> Result<Self, String> {
        let signature = |arity: usize| {
            let mut s: Signature = module.make_signature();
            s.params.extend((0..arity).map(|_| AbiParam::new(types::F64)));
            s.returns.push(AbiParam::new(types::F64));
            s
        };
        let (one, two) = (signature(1), signature(2));
        let mut ids = Vec::with_capacity(HELPERS.len());
        for (i, (name, _)) in HELPERS.iter().enumerate() {
            let s = if i < UNARY_HELPERS { &one } else { &two };
            ids.push(
                module
                    .declare_function(name, Linkage::Import, s)
                    .map_err(|e| e.to_string())?,
            );
        }
        let ids: [FuncId; 9] = ids.try_into().map_err(|_| "helper table".to_string())?;
        Ok(Self(ids))
    }

    fn import(&self, module: &mut JITModule, func: &mut cranelift_codegen::ir::Function) -> Imported {
        Imported(self.0.map(|id| module.declare_func_in_func(id, func)))
    }
}

/// The helpers as callable references inside the function being built.
struct Imported([cranelift_codegen::ir::FuncRef; 9]);

#[derive(Clone, Copy)]
enum Helper {
    Exp = 0,
    Ln,
    Log10,
    Floor,
    Ceil,
    HalfPower,
    Pow,
    Min,
    Max,
}

/// Emits the instructions of one program into one function.
struct Emitter<'a> {
    b: FunctionBuilder<'a>,
    helpers: Imported,
    /// The SSA value each register holds now (`None`: not yet read or written).
    values: Vec<Option<Value>>,
    /// The initial register file: constants at their registers.
    constants: &'a [f64],
    /// Pointer to the states.
    y: Value,
    /// Pointer to the register file values cross chunks through.
    registers: Value,
    /// Registers written by earlier chunks: their values are in the register file.
    written_before: &'a [bool],
    state_count: usize,
}

impl Emitter<'_> {
    /// The value of register `reg`: what was last written to it in this chunk, else what an
    /// earlier chunk left in the register file, else `t`, a state (loaded once) or a constant.
    fn read(&mut self, reg: u16) -> Value {
        let r = usize::from(reg);
        if let Some(v) = self.values[r] {
            return v;
        }
        let v = if self.written_before[r] {
            let offset = i32::try_from(r * 8).expect("register offsets fit in i32");
            self.b
                .ins()
                .load(types::F64, MemFlagsData::trusted(), self.registers, offset)
        } else if (1..=self.state_count).contains(&r) {
            let offset = i32::try_from((r - 1) * 8).expect("state offsets fit in i32");
            self.b
                .ins()
                .load(types::F64, MemFlagsData::trusted(), self.y, offset)
        } else {
            self.b.ins().f64const(self.constants[r])
        };
        self.values[r] = Some(v);
        v
    }

    fn write(&mut self, reg: u16, v: Value) {
        self.values[usize::from(reg)] = Some(v);
    }

    fn call(&mut self, helper: Helper, args: &[Value]) -> Value {
        let call = self.b.ins().call(self.helpers.0[helper as usize], args);
        self.b.inst_results(call)[0]
    }

    fn truth(&mut self, condition: Value) -> Value {
        let (one, zero) = (self.b.ins().f64const(1.0), self.b.ins().f64const(0.0));
        self.b.ins().select(condition, one, zero)
    }

    fn compare(&mut self, cc: FloatCC, a: u16, b: u16) -> Value {
        let (x, y) = (self.read(a), self.read(b));
        let c = self.b.ins().fcmp(cc, x, y);
        self.truth(c)
    }

    /// `x != 0` as IEEE `!=` (true for NaN), as the machine's `x != 0.0`.
    fn nonzero(&mut self, reg: u16) -> Value {
        let x = self.read(reg);
        let zero = self.b.ins().f64const(0.0);
        self.b.ins().fcmp(FloatCC::NotEqual, x, zero)
    }

    fn emit(&mut self, instruction: Instr) {
        use Instr as I;
        match instruction {
            I::Add(d, a, b) => self.arith(d, a, b, |e, x, y| e.b.ins().fadd(x, y)),
            I::Sub(d, a, b) => self.arith(d, a, b, |e, x, y| e.b.ins().fsub(x, y)),
            I::Mul(d, a, b) => self.arith(d, a, b, |e, x, y| e.b.ins().fmul(x, y)),
            I::Div(d, a, b) => self.arith(d, a, b, |e, x, y| e.b.ins().fdiv(x, y)),
            I::Pow(d, a, b) => self.arith(d, a, b, |e, x, y| e.call(Helper::Pow, &[x, y])),
            I::Min(d, a, b) => self.arith(d, a, b, |e, x, y| e.call(Helper::Min, &[x, y])),
            I::Max(d, a, b) => self.arith(d, a, b, |e, x, y| e.call(Helper::Max, &[x, y])),
            I::Less(d, a, b) => self.set_compare(d, FloatCC::LessThan, a, b),
            I::LessEq(d, a, b) => self.set_compare(d, FloatCC::LessThanOrEqual, a, b),
            I::Greater(d, a, b) => self.set_compare(d, FloatCC::GreaterThan, a, b),
            I::GreaterEq(d, a, b) => self.set_compare(d, FloatCC::GreaterThanOrEqual, a, b),
            I::Eq(d, a, b) => self.set_compare(d, FloatCC::Equal, a, b),
            I::NotEq(d, a, b) => self.set_compare(d, FloatCC::NotEqual, a, b),
            I::And(d, a, b) | I::Or(d, a, b) => {
                let (x, y) = (self.nonzero(a), self.nonzero(b));
                let both = if matches!(instruction, I::And(..)) {
                    self.b.ins().band(x, y)
                } else {
                    self.b.ins().bor(x, y)
                };
                let v = self.truth(both);
                self.write(d, v);
            }
            I::MulAdd(d, a, b, c) => self.fused(d, [a, b, c], |e, [x, y, z]| {
                let p = e.b.ins().fmul(x, y);
                e.b.ins().fadd(p, z)
            }),
            I::MulSub(d, a, b, c) => self.fused(d, [a, b, c], |e, [x, y, z]| {
                let p = e.b.ins().fmul(x, y);
                e.b.ins().fsub(p, z)
            }),
            I::SubMul(d, a, b, c) => self.fused(d, [a, b, c], |e, [x, y, z]| {
                let p = e.b.ins().fmul(x, y);
                e.b.ins().fsub(z, p)
            }),
            I::Mul3(d, a, b, c) => self.fused(d, [a, b, c], |e, [x, y, z]| {
                let p = e.b.ins().fmul(x, y);
                e.b.ins().fmul(p, z)
            }),
            I::MulMulAdd(d, a, b, c, f) | I::MulMulSub(d, a, b, c, f) => {
                let (x, y, u, v) = (self.read(a), self.read(b), self.read(c), self.read(f));
                let p = self.b.ins().fmul(x, y);
                let q = self.b.ins().fmul(u, v);
                let r = if matches!(instruction, I::MulMulAdd(..)) {
                    self.b.ins().fadd(p, q)
                } else {
                    self.b.ins().fsub(p, q)
                };
                self.write(d, r);
            }
            I::Add3(d, a, b, c) => self.fused(d, [a, b, c], |e, [x, y, z]| {
                let s = e.b.ins().fadd(x, y);
                e.b.ins().fadd(s, z)
            }),
            I::DivAdd(d, a, b, c) => self.fused(d, [a, b, c], |e, [x, y, z]| {
                let q = e.b.ins().fdiv(x, y);
                e.b.ins().fadd(q, z)
            }),
            I::DivSub(d, a, b, c) => self.fused(d, [a, b, c], |e, [x, y, z]| {
                let q = e.b.ins().fdiv(x, y);
                e.b.ins().fsub(q, z)
            }),
            I::SubDiv(d, a, b, c) => self.fused(d, [a, b, c], |e, [x, y, z]| {
                let q = e.b.ins().fdiv(x, y);
                e.b.ins().fsub(z, q)
            }),
            I::DivSum(d, a, b, c) => self.fused(d, [a, b, c], |e, [x, y, z]| {
                let s = e.b.ins().fadd(y, z);
                e.b.ins().fdiv(x, s)
            }),
            I::SubAdd(d, a, b, c) => self.fused(d, [a, b, c], |e, [x, y, z]| {
                let s = e.b.ins().fsub(x, y);
                e.b.ins().fadd(s, z)
            }),
            I::AddSub(d, a, b, c) => self.fused(d, [a, b, c], |e, [x, y, z]| {
                let s = e.b.ins().fadd(x, y);
                e.b.ins().fsub(s, z)
            }),
            I::Sub3(d, a, b, c) => self.fused(d, [a, b, c], |e, [x, y, z]| {
                let s = e.b.ins().fsub(x, y);
                e.b.ins().fsub(s, z)
            }),
            I::SubSum(d, a, b, c) => self.fused(d, [a, b, c], |e, [x, y, z]| {
                let s = e.b.ins().fadd(x, y);
                e.b.ins().fsub(z, s)
            }),
            I::SubDiff(d, a, b, c) => self.fused(d, [a, b, c], |e, [x, y, z]| {
                let s = e.b.ins().fsub(x, y);
                e.b.ins().fsub(z, s)
            }),
            I::MulDiv(d, a, b, c) => self.fused(d, [a, b, c], |e, [x, y, z]| {
                let p = e.b.ins().fmul(x, y);
                e.b.ins().fdiv(p, z)
            }),
            I::Neg(d, a) => self.unary(d, a, |e, x| e.b.ins().fneg(x)),
            I::Not(d, a) => {
                let x = self.read(a);
                let zero = self.b.ins().f64const(0.0);
                let c = self.b.ins().fcmp(FloatCC::Equal, x, zero);
                let v = self.truth(c);
                self.write(d, v);
            }
            I::Exp(d, a) => self.unary(d, a, |e, x| e.call(Helper::Exp, &[x])),
            I::Ln(d, a) => self.unary(d, a, |e, x| e.call(Helper::Ln, &[x])),
            I::Log10(d, a) => self.unary(d, a, |e, x| e.call(Helper::Log10, &[x])),
            I::Sqrt(d, a) => self.unary(d, a, |e, x| e.b.ins().sqrt(x)),
            I::HalfPower(d, a) => self.unary(d, a, |e, x| e.call(Helper::HalfPower, &[x])),
            I::Abs(d, a) => self.unary(d, a, |e, x| e.b.ins().fabs(x)),
            I::Floor(d, a) => self.unary(d, a, |e, x| e.call(Helper::Floor, &[x])),
            I::Ceil(d, a) => self.unary(d, a, |e, x| e.call(Helper::Ceil, &[x])),
            I::Select(d, c, a, b) => {
                let condition = self.nonzero(c);
                let (x, y) = (self.read(a), self.read(b));
                let v = self.b.ins().select(condition, x, y);
                self.write(d, v);
            }
        }
    }

    fn unary(&mut self, d: u16, a: u16, f: impl FnOnce(&mut Self, Value) -> Value) {
        let x = self.read(a);
        let v = f(self, x);
        self.write(d, v);
    }

    fn arith(&mut self, d: u16, a: u16, b: u16, f: impl FnOnce(&mut Self, Value, Value) -> Value) {
        let (x, y) = (self.read(a), self.read(b));
        let v = f(self, x, y);
        self.write(d, v);
    }

    fn set_compare(&mut self, d: u16, cc: FloatCC, a: u16, b: u16) {
        let v = self.compare(cc, a, b);
        self.write(d, v);
    }

    fn fused(&mut self, d: u16, regs: [u16; 3], f: impl FnOnce(&mut Self, [Value; 3]) -> Value) {
        let values = regs.map(|r| self.read(r));
        let v = f(self, values);
        self.write(d, v);
    }
}
