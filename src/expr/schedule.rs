//! Instruction order and register assignment for [`super::Program`].
//!
//! Registers `0 ..= state_count` hold `t` and the states, then one register per constant
//! (preloaded once, never overwritten), then temporaries. A temporary's register is reused as
//! soon as its last reader has run, so a long chain (a sum of 100,000 terms and its time
//! derivative) needs a handful of registers instead of one per node. Instructions are emitted in
//! node-id order, which is the order the expressions were written in; only if that order keeps
//! more values alive than the register file holds are they emitted depth-first from the roots
//! (first to last, then last to first), which keeps a chain's live values few. Neither changes any computed value: every
//! instruction reads its operands before it writes its destination.

use super::graph::{Graph, Node, NodeId};
use super::select::children;

/// Where each node's value lives, and in what order the instructions run.
pub(super) struct Layout {
    /// The nodes that get an instruction, in execution order.
    pub(super) order: Vec<NodeId>,
    /// The register of every node that has one (`u16::MAX` for the others).
    pub(super) register_of: Vec<u16>,
    /// Registers in use: all indices are below this.
    pub(super) used_registers: usize,
}

/// Too many registers would be needed: at least this many.
pub(super) struct TooManyRegisters(pub(super) usize);

/// Lays out the needed, non-absorbed nodes of `graph` in at most `limit` registers.
pub(super) fn layout(
    graph: &Graph,
    roots: &[NodeId],
    (needed, absorbed): (&[bool], &[bool]),
    state_count: usize,
    limit: usize,
) -> Result<Layout, TooManyRegisters> {
    let computed = |i: usize| {
        needed[i]
            && !absorbed[i]
            && matches!(
                graph.nodes[i],
                Node::Unary(..) | Node::Binary(..) | Node::Select(..)
            )
    };
    let in_id_order: Vec<NodeId> = (0..graph.nodes.len())
        .filter(|&i| computed(i))
        .map(node_id)
        .collect();
    let operands = Operands { graph, absorbed };
    let mut result = assign(&operands, roots, in_id_order, (needed, state_count), limit);
    // Depth-first orders, tried in turn: operands created last first (a derivative's chain
    // before the chain it differentiates, whose links it reads one by one), then in operand
    // order; roots first to last, then last to first (a long chain computed first as one root
    // keeps every link alive for a later root that reads them).
    let reversed: Vec<NodeId> = roots.iter().rev().copied().collect();
    for newest_first in [true, false] {
        for start in [roots, &reversed[..]] {
            if result.is_ok() {
                return result;
            }
            let depth_first = depth_first_order(&operands, start, &computed, newest_first);
            result = assign(&operands, roots, depth_first, (needed, state_count), limit);
        }
    }
    result
}

fn node_id(i: usize) -> NodeId {
    NodeId(u32::try_from(i).expect("fewer than 2^32 nodes"))
}

/// What each instruction reads: its operands, or for an absorbed (fused) operand, that
/// operand's own operands.
struct Operands<'a> {
    graph: &'a Graph,
    absorbed: &'a [bool],
}

impl Operands<'_> {
    fn read_by(&self, id: NodeId, visit: &mut impl FnMut(NodeId)) {
        let mut direct = |c: NodeId| {
            if self.absorbed[c.0 as usize] {
                children(self.graph.nodes[c.0 as usize], &mut *visit);
            } else {
                visit(c);
            }
        };
        children(self.graph.nodes[id.0 as usize], &mut direct);
    }
}

/// Every computed node reachable from the roots, operands before users; the operands of a node
/// are visited newest (largest id) first if `newest_first`, else left to right.
fn depth_first_order(
    operands: &Operands<'_>,
    roots: &[NodeId],
    computed: &dyn Fn(usize) -> bool,
    newest_first: bool,
) -> Vec<NodeId> {
    let mut visited = vec![false; operands.graph.nodes.len()];
    let mut order = Vec::new();
    // (node, its operands are already on the stack)
    let mut stack: Vec<(NodeId, bool)> = roots.iter().rev().map(|&r| (r, false)).collect();
    while let Some((id, expanded)) = stack.pop() {
        let i = id.0 as usize;
        if expanded {
            order.push(id);
            continue;
        }
        if visited[i] || !computed(i) {
            continue;
        }
        visited[i] = true;
        stack.push((id, true));
        let mut reads = Vec::new();
        operands.read_by(id, &mut |c| reads.push(c));
        if newest_first {
            reads.sort_unstable();
        } else {
            reads.reverse();
        }
        // The stack pops the last pushed first.
        stack.extend(reads.into_iter().map(|c| (c, false)));
    }
    order
}

/// Assigns registers for `order`, reusing a temporary's register after its last reader.
fn assign(
    operands: &Operands<'_>,
    roots: &[NodeId],
    order: Vec<NodeId>,
    (needed, state_count): (&[bool], usize),
    limit: usize,
) -> Result<Layout, TooManyRegisters> {
    let graph = operands.graph;
    let mut register_of = vec![u16::MAX; graph.nodes.len()];
    let mut next = 1 + state_count;
    for (i, node) in graph.nodes.iter().enumerate() {
        register_of[i] = match *node {
            Node::Time => 0,
            Node::State(k) => 1 + k as u16,
            Node::Const(_) if needed[i] => {
                next += 1;
                (next - 1) as u16
            }
            _ => continue,
        };
    }
    if next > limit {
        return Err(TooManyRegisters(next));
    }
    let last_use = last_uses(operands, roots, &order);
    let mut free: Vec<u16> = Vec::new();
    let mut released = vec![false; graph.nodes.len()];
    for (position, &id) in order.iter().enumerate() {
        // Operands are read before the destination is written, so an operand's register that
        // dies here may be this instruction's destination.
        operands.read_by(id, &mut |c| {
            let c = c.0 as usize;
            if last_use[c] == position && is_temporary(graph.nodes[c]) && !released[c] {
                released[c] = true;
                free.push(register_of[c]);
            }
        });
        let register = free.pop().unwrap_or_else(|| {
            next += 1;
            u16::try_from(next - 1).unwrap_or(u16::MAX)
        });
        if next > limit {
            return Err(TooManyRegisters(next));
        }
        register_of[id.0 as usize] = register;
    }
    Ok(Layout {
        order,
        register_of,
        used_registers: next,
    })
}

fn is_temporary(node: Node) -> bool {
    matches!(node, Node::Unary(..) | Node::Binary(..) | Node::Select(..))
}

/// For each node, the position in `order` of the last instruction reading it (roots: never).
fn last_uses(operands: &Operands<'_>, roots: &[NodeId], order: &[NodeId]) -> Vec<usize> {
    let mut last_use = vec![0; operands.graph.nodes.len()];
    for (position, &id) in order.iter().enumerate() {
        operands.read_by(id, &mut |c| last_use[c.0 as usize] = position);
    }
    for root in roots {
        last_use[root.0 as usize] = usize::MAX;
    }
    last_use
}
