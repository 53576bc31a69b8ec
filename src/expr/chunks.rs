//! Splitting a program into consecutive chunks of instructions, one native function each, and
//! the registers that must cross from one chunk to the next.
//!
//! Cranelift's compile time grows faster than linearly with the size of one function (register
//! allocation over thousands of simultaneously live values), so a large program becomes several
//! functions run one after the other. Inside a chunk every register is an SSA value, as in a
//! one-function program; a value written in one chunk and read in a later one goes through the
//! caller's register file (the bytecode's own), stored at the end of the chunk that wrote it and
//! loaded where it is read. Only such values are stored: a classic backward liveness pass.

use super::program::Instr;

/// How a program's instructions are split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ChunkPlan {
    /// The instruction ranges of the chunks, in order; at least one (possibly empty).
    pub(super) ranges: Vec<std::ops::Range<usize>>,
    /// Per chunk: the registers whose value at the end of the chunk a later chunk reads, or
    /// the results need (the last chunk writes the results itself and stores nothing).
    pub(super) stores: Vec<Vec<u16>>,
}

impl ChunkPlan {
    /// Splits `instructions` into chunks of at most `chunk` instructions (`chunk` ≥ 1) for a
    /// register file of `registers` entries whose `results` registers are read at the end.
    pub(super) fn new(instructions: &[Instr], results: &[u16], registers: usize, chunk: usize) -> Self {
        let chunk = chunk.max(1);
        let mut ranges: Vec<_> = (0..instructions.len())
            .step_by(chunk)
            .map(|start| start..(start + chunk).min(instructions.len()))
            .collect();
        if ranges.is_empty() {
            ranges.push(0..0);
        }
        // Backward liveness: `live[r]` while walking backwards means "r is read later before
        // being written again".
        let mut live = vec![false; registers];
        for &r in results {
            live[usize::from(r)] = true;
        }
        let mut stores = vec![Vec::new(); ranges.len()];
        for (k, range) in ranges.iter().enumerate().rev() {
            let body = &instructions[range.clone()];
            if k + 1 < ranges.len() {
                let mut stored = vec![false; registers];
                for instruction in body {
                    let (d, _) = instruction.registers();
                    let d_index = usize::from(d);
                    if live[d_index] && !stored[d_index] {
                        stored[d_index] = true;
                        stores[k].push(d);
                    }
                }
            }
            for instruction in body.iter().rev() {
                let (d, operands) = instruction.registers();
                live[usize::from(d)] = false;
                for r in operands {
                    live[usize::from(r)] = true;
                }
            }
        }
        Self { ranges, stores }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_values_read_later_cross_a_chunk_boundary() {
        // r3 = r1 + r2; r4 = r3 * r3; r3 = r4 - r1; r5 = r3 + r4; results r5, r4.
        let program = [
            Instr::Add(3, 1, 2),
            Instr::Mul(4, 3, 3),
            Instr::Sub(3, 4, 1),
            Instr::Add(5, 3, 4),
        ];
        let plan = ChunkPlan::new(&program, &[5, 4], 6, 1);
        assert_eq!(plan.ranges, vec![0..1, 1..2, 2..3, 3..4]);
        // Chunk 0's r3 is read by chunk 1; chunk 1's r4 by chunks 2 and 3 and as a result;
        // chunk 2's r3 by chunk 3; the last chunk stores nothing.
        assert_eq!(plan.stores, vec![vec![3], vec![4], vec![3], vec![]]);
        // The first r3 is dead after chunk 1, so a split after two instructions stores only r4.
        let plan = ChunkPlan::new(&program, &[5, 4], 6, 2);
        assert_eq!(plan.stores, vec![vec![4], vec![]]);
        // One chunk: nothing crosses; an empty program is one empty chunk.
        assert_eq!(
            ChunkPlan::new(&program, &[5], 6, 10).stores,
            vec![Vec::<u16>::new()]
        );
        assert_eq!(ChunkPlan::new(&[], &[1], 6, 10).ranges, vec![0..0]);
    }
}
