//! Flat register bytecode: the compiled form of a set of graph roots, evaluated with no
//! allocation. The register file holds `[t, y_0 … y_{n-1}, constants…, temporaries…]`; each
//! instruction writes one register, and instructions come in topological order.

use super::graph::{Graph, Node, NodeId};
use super::ops::{Op1, Op2, nan_max, nan_min};

/// One instruction: destination register first, then operand registers.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Instr {
    Add(u32, u32, u32),
    Sub(u32, u32, u32),
    Mul(u32, u32, u32),
    Div(u32, u32, u32),
    Pow(u32, u32, u32),
    Min(u32, u32, u32),
    Max(u32, u32, u32),
    Less(u32, u32, u32),
    LessEq(u32, u32, u32),
    Greater(u32, u32, u32),
    GreaterEq(u32, u32, u32),
    Eq(u32, u32, u32),
    NotEq(u32, u32, u32),
    And(u32, u32, u32),
    Or(u32, u32, u32),
    Neg(u32, u32),
    Not(u32, u32),
    Exp(u32, u32),
    Ln(u32, u32),
    Log10(u32, u32),
    Sqrt(u32, u32),
    Abs(u32, u32),
    Floor(u32, u32),
    Ceil(u32, u32),
    PowI(u32, u32, i32),
    Select(u32, u32, u32, u32),
}

/// A compiled program computing several results from `(t, y)`.
#[derive(Debug, Clone)]
pub struct Program {
    instructions: Vec<Instr>,
    registers: Vec<f64>,
    state_count: usize,
    results: Vec<u32>,
}

fn truth(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

impl Program {
    /// Compiles the nodes `roots` of `graph` for a state vector of `state_count` entries.
    /// Only nodes reachable from the roots are emitted.
    pub fn compile(graph: &Graph, roots: &[NodeId], state_count: usize) -> Self {
        let needed = reachable(graph, roots);
        let mut registers = vec![0.0; 1 + state_count];
        let mut register_of = vec![u32::MAX; graph.nodes.len()];
        let reg = |registers: &Vec<f64>| u32::try_from(registers.len()).expect("register count");
        let mut instructions = Vec::new();
        for (i, node) in graph.nodes.iter().enumerate() {
            if !needed[i] {
                continue;
            }
            let r = |id: NodeId| register_of[id.0 as usize];
            let dst = match *node {
                Node::Time => 0,
                Node::State(k) => 1 + k,
                Node::Const(bits) => {
                    let d = reg(&registers);
                    registers.push(f64::from_bits(bits));
                    d
                }
                other => {
                    let d = reg(&registers);
                    registers.push(0.0);
                    instructions.push(instruction(other, d, r));
                    d
                }
            };
            register_of[i] = dst;
        }
        let results = roots.iter().map(|id| register_of[id.0 as usize]).collect();
        Self {
            instructions,
            registers,
            state_count,
            results,
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
        let r = &mut self.registers;
        r[0] = t;
        r[1..=self.state_count].copy_from_slice(y);
        for instruction in &self.instructions {
            execute(r, *instruction);
        }
        for (o, &reg) in out.iter_mut().zip(&self.results) {
            *o = r[reg as usize];
        }
    }
}

#[inline(always)]
fn execute(r: &mut [f64], instruction: Instr) {
    macro_rules! bin {
        ($d:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
            let ($x, $y) = (r[$a as usize], r[$b as usize]);
            r[$d as usize] = $e;
        }};
    }
    macro_rules! un {
        ($d:expr, $a:expr, |$x:ident| $e:expr) => {{
            let $x = r[$a as usize];
            r[$d as usize] = $e;
        }};
    }
    match instruction {
        Instr::Add(d, a, b) => bin!(d, a, b, |x, y| x + y),
        Instr::Sub(d, a, b) => bin!(d, a, b, |x, y| x - y),
        Instr::Mul(d, a, b) => bin!(d, a, b, |x, y| x * y),
        Instr::Div(d, a, b) => bin!(d, a, b, |x, y| x / y),
        Instr::Pow(d, a, b) => bin!(d, a, b, |x, y| x.powf(y)),
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
        Instr::Neg(d, a) => un!(d, a, |x| -x),
        Instr::Not(d, a) => un!(d, a, |x| truth(x == 0.0)),
        Instr::Exp(d, a) => un!(d, a, |x| x.exp()),
        Instr::Ln(d, a) => un!(d, a, |x| x.ln()),
        Instr::Log10(d, a) => un!(d, a, |x| x.log10()),
        Instr::Sqrt(d, a) => un!(d, a, |x| x.sqrt()),
        Instr::Abs(d, a) => un!(d, a, |x| x.abs()),
        Instr::Floor(d, a) => un!(d, a, |x| x.floor()),
        Instr::Ceil(d, a) => un!(d, a, |x| x.ceil()),
        Instr::PowI(d, a, n) => un!(d, a, |x| x.powi(n)),
        Instr::Select(d, c, a, b) => {
            r[d as usize] = if r[c as usize] != 0.0 {
                r[a as usize]
            } else {
                r[b as usize]
            }
        }
    }
}

fn instruction(node: Node, d: u32, r: impl Fn(NodeId) -> u32) -> Instr {
    match node {
        Node::Unary(op, x) => {
            let x = r(x);
            match op {
                Op1::Neg => Instr::Neg(d, x),
                Op1::Not => Instr::Not(d, x),
                Op1::Exp => Instr::Exp(d, x),
                Op1::Ln => Instr::Ln(d, x),
                Op1::Log10 => Instr::Log10(d, x),
                Op1::Sqrt => Instr::Sqrt(d, x),
                Op1::Abs => Instr::Abs(d, x),
                Op1::Floor => Instr::Floor(d, x),
                Op1::Ceil => Instr::Ceil(d, x),
            }
        }
        Node::Binary(op, a, b) => {
            let (a, b) = (r(a), r(b));
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
        Node::PowI(x, n) => Instr::PowI(d, r(x), n),
        Node::Select(c, a, b) => Instr::Select(d, r(c), r(a), r(b)),
        Node::Const(_) | Node::Time | Node::State(_) => unreachable!("leaves have no instruction"),
    }
}

/// Marks the nodes the roots depend on; children precede parents, so one backward sweep works.
fn reachable(graph: &Graph, roots: &[NodeId]) -> Vec<bool> {
    let mut needed = vec![false; graph.nodes.len()];
    for root in roots {
        needed[root.0 as usize] = true;
    }
    for i in (0..graph.nodes.len()).rev() {
        if !needed[i] {
            continue;
        }
        let mut mark = |id: NodeId| needed[id.0 as usize] = true;
        match graph.nodes[i] {
            Node::Unary(_, x) | Node::PowI(x, _) => mark(x),
            Node::Binary(_, a, b) => {
                mark(a);
                mark(b);
            }
            Node::Select(c, a, b) => {
                mark(c);
                mark(a);
                mark(b);
            }
            Node::Const(_) | Node::Time | Node::State(_) => {}
        }
    }
    needed
}
