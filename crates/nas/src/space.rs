//! The NAS-Bench-201 cell space: a 4-node DAG whose 6 edges each carry one of 5 operations,
//! 5⁶ = 15,625 cells. A cell is numbered by its edge operations read as a base-5 number
//! (edge 0 most significant), so the whole space is `0..15_625`.
//!
//! Architecture strings are NAS-Bench-201's: `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`, node by
//! node, each entry `operation~source node`.

use crate::Error;

/// One edge operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    None = 0,
    Skip = 1,
    Conv1x1 = 2,
    Conv3x3 = 3,
    AvgPool = 4,
}

impl Op {
    pub const ALL: [Op; 5] = [Op::None, Op::Skip, Op::Conv1x1, Op::Conv3x3, Op::AvgPool];

    /// NAS-Bench-201's name.
    pub fn name(self) -> &'static str {
        match self {
            Op::None => "none",
            Op::Skip => "skip_connect",
            Op::Conv1x1 => "nor_conv_1x1",
            Op::Conv3x3 => "nor_conv_3x3",
            Op::AvgPool => "avg_pool_3x3",
        }
    }

    /// A short label for plots and diagrams.
    pub fn short(self) -> &'static str {
        match self {
            Op::None => "none",
            Op::Skip => "skip",
            Op::Conv1x1 => "conv1×1",
            Op::Conv3x3 => "conv3×3",
            Op::AvgPool => "pool3×3",
        }
    }

    pub fn from_name(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|o| o.name() == s)
    }

    pub fn is_conv(self) -> bool {
        matches!(self, Op::Conv1x1 | Op::Conv3x3)
    }
}

/// The (source, target) nodes of the six edges, in NAS-Bench-201's string order.
pub const EDGES: [(usize, usize); 6] = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)];

/// Number of cells in the space.
pub const SPACE_SIZE: usize = 15_625;

/// A cell: the operation on each of the six [`EDGES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cell(pub [Op; 6]);

impl Cell {
    /// The cell numbered `index` (< 15,625).
    pub fn from_index(index: usize) -> Cell {
        assert!(index < SPACE_SIZE, "cell index {index} out of range");
        let mut ops = [Op::None; 6];
        let mut v = index;
        for e in (0..6).rev() {
            ops[e] = Op::ALL[v % 5];
            v /= 5;
        }
        Cell(ops)
    }

    pub fn index(&self) -> usize {
        self.0.iter().fold(0, |acc, &o| acc * 5 + o as usize)
    }

    /// Parses a NAS-Bench-201 architecture string.
    pub fn parse(s: &str) -> Result<Cell, Error> {
        let bad = |why: &str| Error::Arch(format!("'{}': {why}", s.chars().take(120).collect::<String>()));
        let nodes: Vec<&str> = s.trim().split('+').collect();
        if nodes.len() != 3 {
            return Err(bad("expected 3 nodes separated by '+'"));
        }
        let mut ops = [Op::None; 6];
        let mut e = 0;
        for (n, node) in nodes.iter().enumerate() {
            let inner = node.strip_prefix('|').and_then(|v| v.strip_suffix('|')).ok_or_else(|| bad("a node must be wrapped in '|'"))?;
            let entries: Vec<&str> = inner.split('|').collect();
            if entries.len() != n + 1 {
                return Err(bad(&format!("node {} needs {} inputs", n + 1, n + 1)));
            }
            for (src, entry) in entries.iter().enumerate() {
                let (name, from) = entry.split_once('~').ok_or_else(|| bad("an entry is 'operation~source'"))?;
                if from != src.to_string() {
                    return Err(bad(&format!("node {} input {src} names source '{from}'", n + 1)));
                }
                ops[e] = Op::from_name(name).ok_or_else(|| bad(&format!("unknown operation '{name}'")))?;
                e += 1;
            }
        }
        Ok(Cell(ops))
    }

    /// The NAS-Bench-201 string.
    pub fn to_arch_string(&self) -> String {
        let o = |e: usize| self.0[e].name();
        format!("|{}~0|+|{}~0|{}~1|+|{}~0|{}~1|{}~2|", o(0), o(1), o(2), o(3), o(4), o(5))
    }

    /// Edges whose operation can change the cell's output: not `none`, fed (through
    /// non-`none` edges) from the cell input, and feeding the cell output. The others are
    /// computed by the network but their result is lost or always zero.
    pub fn live_edges(&self) -> [bool; 6] {
        let on = |e: usize| self.0[e] != Op::None;
        let mut from_in = [true, false, false, false];
        for j in 1..4 {
            from_in[j] = EDGES.iter().enumerate().any(|(e, &(a, b))| b == j && on(e) && from_in[a]);
        }
        let mut to_out = [false, false, false, true];
        for i in (0..3).rev() {
            to_out[i] = EDGES.iter().enumerate().any(|(e, &(a, b))| a == i && on(e) && to_out[b]);
        }
        std::array::from_fn(|e| on(e) && from_in[EDGES[e].0] && to_out[EDGES[e].1])
    }

    /// Whether any path connects the cell's input to its output (else the output is zero).
    pub fn connected(&self) -> bool {
        self.live_edges().iter().any(|&l| l)
    }

    /// Number of edges carrying `op`.
    pub fn count(&self, op: Op) -> usize {
        self.0.iter().filter(|&&o| o == op).count()
    }

    /// The largest number of convolutions on one input→output path of live edges.
    pub fn conv_depth(&self) -> usize {
        let live = self.live_edges();
        let mut best = [Some(0usize), None, None, None];
        for j in 1..4 {
            for (e, &(a, b)) in EDGES.iter().enumerate() {
                if b == j && live[e] {
                    if let Some(d) = best[a] {
                        let d = d + usize::from(self.0[e].is_conv());
                        best[j] = Some(best[j].map_or(d, |v: usize| v.max(d)));
                    }
                }
            }
        }
        best[3].unwrap_or(0)
    }
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_arch_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_indices_round_trip() {
        for i in [0, 1, 4, 5, 777, 15_624] {
            let c = Cell::from_index(i);
            assert_eq!(c.index(), i);
            assert_eq!(Cell::parse(&c.to_arch_string()).unwrap(), c);
        }
        let c = Cell::parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|").unwrap();
        assert_eq!(c.0, [Op::Conv3x3, Op::Conv3x3, Op::AvgPool, Op::Skip, Op::Conv3x3, Op::Skip]);
    }

    #[test]
    fn rejects_malformed_strings() {
        for s in ["", "|none~0|", "|none~0|+|none~0|none~1|+|none~0|none~1|", "|none~1|+|none~0|none~1|+|none~0|none~1|none~2|",
            "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|", "none~0+|none~0|none~1|+|none~0|none~1|none~2|"] {
            assert!(Cell::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn live_edges_follow_paths() {
        // 0→1 conv, but node 1 feeds nothing: dead. 0→3 skip is the only path.
        let c = Cell([Op::Conv3x3, Op::None, Op::None, Op::Skip, Op::None, Op::None]);
        assert_eq!(c.live_edges(), [false, false, false, true, false, false]);
        assert_eq!(c.conv_depth(), 0);
        // 0→2 pool feeds 2→3 conv; 1 has no input so 1→3 is dead.
        let c = Cell([Op::None, Op::AvgPool, Op::Conv1x1, Op::None, Op::Conv3x3, Op::Conv3x3]);
        assert_eq!(c.live_edges(), [false, true, false, false, false, true]);
        assert_eq!(c.conv_depth(), 1);
        let c = Cell([Op::Conv3x3, Op::None, Op::Conv3x3, Op::None, Op::None, Op::Conv1x1]);
        assert_eq!(c.conv_depth(), 3);
        assert!(!Cell([Op::Conv3x3, Op::Conv3x3, Op::Conv3x3, Op::None, Op::None, Op::None]).connected());
    }
}
