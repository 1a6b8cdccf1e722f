//! Accuracy predictors: features of each architecture, a regressor fitted to the true
//! accuracy of a few sampled architectures, and Kendall's τ over the whole space.
//!
//! Feature sets ([`Features`]), from pure encodings to measurements:
//! * `one-hot`: the operation on each edge (30 indicators) — the usual baseline encoding.
//! * `flops+params`: the network's MACs and parameters (log).
//! * `naswot`: the NASWOT activation-pattern score measured by running the network on
//!   natural-image crops ([`crate::proxy`]).
//! * `live`: what actually reaches the output — MACs and parameters of the live edges only,
//!   live edges of each operation, the longest convolution path, whether input and output
//!   are connected ([`Cell::live_edges`]).
//! * `all`: everything above.
//!
//! Regressors: ridge (closed form) and a random forest of regression trees (bootstrap,
//! half the features per split), both seeded.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::network::{cost, NetConfig};
use crate::space::{Cell, Op, SPACE_SIZE};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Features {
    OneHot,
    Cost,
    Naswot,
    Live,
    All,
}

impl Features {
    pub const ALL: [Features; 5] = [Features::OneHot, Features::Cost, Features::Naswot, Features::Live, Features::All];

    pub fn name(self) -> &'static str {
        match self {
            Features::OneHot => "one-hot",
            Features::Cost => "flops+params",
            Features::Naswot => "naswot",
            Features::Live => "live",
            Features::All => "all",
        }
    }
}

/// A feature-set name that is none of [`Features::ALL`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown feature set '{0}' (one-hot, flops+params, naswot, live, all)")]
pub struct UnknownFeatures(pub String);

impl std::str::FromStr for Features {
    type Err = UnknownFeatures;
    fn from_str(s: &str) -> Result<Self, UnknownFeatures> {
        Features::ALL.into_iter().find(|f| f.name() == s).ok_or_else(|| UnknownFeatures(s.to_string()))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Model {
    Ridge,
    Forest,
}

impl Model {
    pub fn name(self) -> &'static str {
        match self {
            Model::Ridge => "ridge",
            Model::Forest => "forest",
        }
    }
}

/// Feature rows for every cell of the space.
pub struct FeatureTable {
    pub set: Features,
    pub dim: usize,
    pub rows: Vec<f64>,
}

impl FeatureTable {
    pub fn row(&self, i: usize) -> &[f64] {
        &self.rows[i * self.dim..(i + 1) * self.dim]
    }
}

/// Builds the feature table; `naswot` holds the measured score of every cell (needed by the
/// `naswot` and `all` sets; `-inf` scores become the lowest finite score minus one).
pub fn features(set: Features, net: NetConfig, naswot: Option<&[f64]>) -> FeatureTable {
    let floor = naswot.map(|s| s.iter().copied().filter(|v| v.is_finite()).fold(f64::INFINITY, f64::min) - 1.0).unwrap_or(0.0);
    let nw = |i: usize| naswot.map(|s| if s[i].is_finite() { s[i] } else { floor }).unwrap_or(0.0);
    let mut rows = Vec::new();
    let mut dim = 0;
    for i in 0..SPACE_SIZE {
        let cell = Cell::from_index(i);
        let mut r: Vec<f64> = Vec::new();
        let one_hot = |r: &mut Vec<f64>| {
            for op in cell.0 {
                for o in Op::ALL {
                    r.push(f64::from(op == o));
                }
            }
        };
        let full = |r: &mut Vec<f64>| {
            let c = cost(&cell, net, false);
            r.push((c.macs as f64).ln());
            r.push((c.params as f64).ln());
        };
        let live = |r: &mut Vec<f64>| {
            let c = cost(&cell, net, true);
            r.push((c.macs as f64).ln());
            r.push((c.params as f64).ln());
            let l = cell.live_edges();
            for o in [Op::Skip, Op::Conv1x1, Op::Conv3x3, Op::AvgPool] {
                r.push((0..6).filter(|&e| l[e] && cell.0[e] == o).count() as f64);
            }
            r.push(cell.conv_depth() as f64);
            r.push(f64::from(cell.connected()));
        };
        match set {
            Features::OneHot => one_hot(&mut r),
            Features::Cost => full(&mut r),
            Features::Naswot => r.push(nw(i)),
            Features::Live => live(&mut r),
            Features::All => {
                live(&mut r);
                full(&mut r);
                r.push(nw(i));
                one_hot(&mut r);
            }
        }
        dim = r.len();
        rows.extend(r);
    }
    FeatureTable { set, dim, rows }
}

/// A fitted predictor.
pub enum Predictor {
    Ridge { mean: Vec<f64>, sd: Vec<f64>, w: Vec<f64>, b: f64 },
    Forest(Vec<Tree>),
}

impl Predictor {
    /// Fits `model` to (features of `train`, `y`).
    pub fn fit(model: Model, table: &FeatureTable, train: &[usize], y: &[f64], seed: u64) -> Predictor {
        match model {
            Model::Ridge => ridge(table, train, y, 1.0),
            Model::Forest => {
                let mut rng = StdRng::seed_from_u64(seed);
                let trees = (0..100)
                    .map(|_| {
                        let boot: Vec<usize> = (0..train.len()).map(|_| rng.random_range(0..train.len())).collect();
                        Tree::grow(table, &boot.iter().map(|&b| train[b]).collect::<Vec<_>>(), &boot.iter().map(|&b| y[b]).collect::<Vec<_>>(), &mut rng)
                    })
                    .collect();
                Predictor::Forest(trees)
            }
        }
    }

    pub fn predict(&self, x: &[f64]) -> f64 {
        match self {
            Predictor::Ridge { mean, sd, w, b } => b + x.iter().zip(mean).zip(sd).zip(w).map(|(((v, m), s), w)| (v - m) / s * w).sum::<f64>(),
            Predictor::Forest(trees) => trees.iter().map(|t| t.predict(x)).sum::<f64>() / trees.len() as f64,
        }
    }

    /// Predictions for every cell.
    pub fn predict_all(&self, table: &FeatureTable) -> Vec<f64> {
        (0..SPACE_SIZE).map(|i| self.predict(table.row(i))).collect()
    }

    /// Mean and spread (standard deviation over the forest's trees; 0 for ridge) of the
    /// prediction for every cell.
    pub fn predict_all_with_spread(&self, table: &FeatureTable) -> (Vec<f64>, Vec<f64>) {
        match self {
            Predictor::Ridge { .. } => (self.predict_all(table), vec![0.0; SPACE_SIZE]),
            Predictor::Forest(trees) => (0..SPACE_SIZE)
                .map(|i| {
                    let x = table.row(i);
                    let (mut s, mut s2) = (0.0, 0.0);
                    for t in trees {
                        let v = t.predict(x);
                        s += v;
                        s2 += v * v;
                    }
                    let n = trees.len() as f64;
                    let m = s / n;
                    (m, (s2 / n - m * m).max(0.0).sqrt())
                })
                .unzip(),
        }
    }
}

fn ridge(table: &FeatureTable, train: &[usize], y: &[f64], lambda: f64) -> Predictor {
    let d = table.dim;
    let n = train.len() as f64;
    let mut mean = vec![0.0; d];
    let mut sd = vec![0.0; d];
    for &i in train {
        for (m, v) in mean.iter_mut().zip(table.row(i)) {
            *m += v / n;
        }
    }
    for &i in train {
        for ((s, v), m) in sd.iter_mut().zip(table.row(i)).zip(&mean) {
            *s += (v - m) * (v - m) / n;
        }
    }
    // Constant features get sd 1 (their standardised value is 0 in training).
    for s in &mut sd {
        *s = if *s > 1e-18 { s.sqrt() } else { 1.0 };
    }
    let ym = y.iter().sum::<f64>() / n;
    let mut a = vec![0.0; d * d];
    let mut rhs = vec![0.0; d];
    for (k, &i) in train.iter().enumerate() {
        let z: Vec<f64> = table.row(i).iter().zip(&mean).zip(&sd).map(|((v, m), s)| (v - m) / s).collect();
        for r in 0..d {
            rhs[r] += z[r] * (y[k] - ym);
            for c in 0..d {
                a[r * d + c] += z[r] * z[c];
            }
        }
    }
    for r in 0..d {
        a[r * d + r] += lambda;
    }
    let w = solve(a, rhs, d);
    Predictor::Ridge { mean, sd, w, b: ym }
}

/// Solves the symmetric positive definite system A x = b (Gaussian elimination, pivoting).
fn solve(mut a: Vec<f64>, mut b: Vec<f64>, n: usize) -> Vec<f64> {
    for col in 0..n {
        let p = (col..n).max_by(|&x, &y| a[x * n + col].abs().total_cmp(&a[y * n + col].abs())).expect("non-empty");
        if p != col {
            for c in 0..n {
                a.swap(p * n + c, col * n + c);
            }
            b.swap(p, col);
        }
        let piv = a[col * n + col];
        for r in col + 1..n {
            let f = a[r * n + col] / piv;
            for c in col..n {
                a[r * n + c] -= f * a[col * n + c];
            }
            b[r] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|c| a[r * n + c] * x[c]).sum();
        x[r] = (b[r] - s) / a[r * n + r];
    }
    x
}

/// A regression tree (variance reduction, half the features tried per split).
pub struct Tree {
    nodes: Vec<Node>,
}

enum Node {
    Leaf(f64),
    Split { feature: usize, threshold: f64, left: usize, right: usize },
}

impl Tree {
    fn grow(table: &FeatureTable, rows: &[usize], y: &[f64], rng: &mut StdRng) -> Tree {
        let mut t = Tree { nodes: Vec::new() };
        let idx: Vec<usize> = (0..rows.len()).collect();
        t.build(table, rows, y, idx, rng, 0);
        t
    }

    fn build(&mut self, table: &FeatureTable, rows: &[usize], y: &[f64], idx: Vec<usize>, rng: &mut StdRng, depth: usize) -> usize {
        let me = self.nodes.len();
        let mean = idx.iter().map(|&k| y[k]).sum::<f64>() / idx.len() as f64;
        self.nodes.push(Node::Leaf(mean));
        if idx.len() < 2 || depth > 24 {
            return me;
        }
        let d = table.dim;
        let mut feats: Vec<usize> = (0..d).collect();
        feats.shuffle(rng);
        feats.truncate(d.div_ceil(2));
        let total: f64 = idx.iter().map(|&k| y[k]).sum();
        let total2: f64 = idx.iter().map(|&k| y[k] * y[k]).sum();
        let n = idx.len() as f64;
        let base = total2 - total * total / n;
        let mut best: Option<(f64, usize, f64)> = None;
        for &f in &feats {
            let mut order = idx.clone();
            order.sort_by(|&a, &b| table.row(rows[a])[f].total_cmp(&table.row(rows[b])[f]));
            let (mut ls, mut ls2) = (0.0, 0.0);
            for s in 1..order.len() {
                let v = y[order[s - 1]];
                ls += v;
                ls2 += v * v;
                let (xa, xb) = (table.row(rows[order[s - 1]])[f], table.row(rows[order[s]])[f]);
                if xa == xb {
                    continue;
                }
                let nl = s as f64;
                let sse = (ls2 - ls * ls / nl) + ((total2 - ls2) - (total - ls) * (total - ls) / (n - nl));
                if best.is_none_or(|(b, _, _)| sse < b) {
                    best = Some((sse, f, (xa + xb) / 2.0));
                }
            }
        }
        let Some((sse, feature, threshold)) = best else { return me };
        if sse >= base - 1e-12 {
            return me;
        }
        let (l, r): (Vec<usize>, Vec<usize>) = idx.into_iter().partition(|&k| table.row(rows[k])[feature] < threshold);
        let left = self.build(table, rows, y, l, rng, depth + 1);
        let right = self.build(table, rows, y, r, rng, depth + 1);
        self.nodes[me] = Node::Split { feature, threshold, left, right };
        me
    }

    fn predict(&self, x: &[f64]) -> f64 {
        let mut i = 0;
        loop {
            match self.nodes[i] {
                Node::Leaf(v) => return v,
                Node::Split { feature, threshold, left, right } => i = if x[feature] < threshold { left } else { right },
            }
        }
    }
}

/// Kendall's τ-b between two score lists (Knight's O(n log n) algorithm; ties handled).
pub fn kendall_tau(x: &[f64], y: &[f64]) -> f64 {
    assert_eq!(x.len(), y.len());
    let n = x.len();
    if n < 2 {
        return 0.0;
    }
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]).then(y[a].total_cmp(&y[b])));
    let pairs = |groups: &mut dyn Iterator<Item = usize>| groups.map(|g| (g * g.saturating_sub(1) / 2) as u64).sum::<u64>();
    let runs = |v: &[usize], eq: &dyn Fn(usize, usize) -> bool| {
        let mut out = Vec::new();
        let mut start = 0;
        for i in 1..=v.len() {
            if i == v.len() || !eq(v[i - 1], v[i]) {
                out.push(i - start);
                start = i;
            }
        }
        out
    };
    let n1 = pairs(&mut runs(&idx, &|a, b| x[a] == x[b]).into_iter());
    let n3 = pairs(&mut runs(&idx, &|a, b| x[a] == x[b] && y[a] == y[b]).into_iter());
    // Count discordant pairs = swaps of a merge sort by y.
    let mut swaps = 0u64;
    let mut buf = vec![0usize; n];
    let mut width = 1;
    while width < n {
        let mut lo = 0;
        while lo < n {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let (mut i, mut j, mut k) = (lo, mid, lo);
            while i < mid && j < hi {
                if y[idx[j]] < y[idx[i]] {
                    buf[k] = idx[j];
                    swaps += (mid - i) as u64;
                    j += 1;
                } else {
                    buf[k] = idx[i];
                    i += 1;
                }
                k += 1;
            }
            buf[k..k + mid - i].copy_from_slice(&idx[i..mid]);
            k += mid - i;
            buf[k..k + hi - j].copy_from_slice(&idx[j..hi]);
            lo = hi;
        }
        std::mem::swap(&mut idx, &mut buf);
        width *= 2;
    }
    let n2 = pairs(&mut runs(&idx, &|a, b| y[a] == y[b]).into_iter());
    let n0 = (n * (n - 1) / 2) as u64;
    let num = n0 as f64 - n1 as f64 - n2 as f64 + n3 as f64 - 2.0 * swaps as f64;
    let den = ((n0 - n1) as f64 * (n0 - n2) as f64).sqrt();
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tau_slow(x: &[f64], y: &[f64]) -> f64 {
        let (mut c, mut d, mut tx, mut ty) = (0f64, 0f64, 0f64, 0f64);
        for i in 0..x.len() {
            for j in i + 1..x.len() {
                let (a, b) = ((x[i] - x[j]).signum(), (y[i] - y[j]).signum());
                if x[i] == x[j] && y[i] == y[j] {
                } else if x[i] == x[j] {
                    tx += 1.0;
                } else if y[i] == y[j] {
                    ty += 1.0;
                } else if a == b {
                    c += 1.0;
                } else {
                    d += 1.0;
                }
            }
        }
        (c - d) / ((c + d + tx) * (c + d + ty)).sqrt()
    }

    #[test]
    fn kendall_matches_the_pairwise_definition() {
        let mut rng = StdRng::seed_from_u64(3);
        for n in [2, 5, 40, 301] {
            let x: Vec<f64> = (0..n).map(|_| rng.random_range(0..7) as f64).collect();
            let y: Vec<f64> = (0..n).map(|i| x[i] + rng.random_range(0..5) as f64).collect();
            assert!((kendall_tau(&x, &y) - tau_slow(&x, &y)).abs() < 1e-12, "n={n}");
        }
        assert_eq!(kendall_tau(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), -1.0);
    }

    #[test]
    fn regressors_fit_a_known_function() {
        // y = 2·(#conv3x3) − (#pool): both models recover its ranking from 60 samples.
        let table = features(Features::OneHot, NetConfig::nb201(32, 10), None);
        let y_all: Vec<f64> = (0..SPACE_SIZE).map(|i| {
            let c = Cell::from_index(i);
            2.0 * c.count(Op::Conv3x3) as f64 - c.count(Op::AvgPool) as f64
        }).collect();
        let train = rand::seq::index::sample(&mut StdRng::seed_from_u64(5), SPACE_SIZE, 60).into_vec();
        let y: Vec<f64> = train.iter().map(|&i| y_all[i]).collect();
        for (m, min) in [(Model::Ridge, 0.9), (Model::Forest, 0.6)] {
            let p = Predictor::fit(m, &table, &train, &y, 1).predict_all(&table);
            let t = kendall_tau(&p, &y_all);
            assert!(t > min, "{} τ = {t}", m.name());
        }
    }
}

/// One row of the τ table: a feature set and regressor, and how well its predictions rank
/// all 15,625 architectures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TauRow {
    pub features: Features,
    pub model: Model,
    pub tau: f64,
}

/// Kendall τ (against `accuracy`) of every feature set × regressor, each fitted to the same
/// `samples` architectures drawn at random with `seed`: the table `edgeplay nas search` prints and
/// `<ep-nas>` shows.
pub fn tau_table(accuracy: &[f64], net: NetConfig, naswot: &[f64], samples: usize, seed: u64) -> Vec<TauRow> {
    let mut rng = StdRng::seed_from_u64(seed);
    let train = rand::seq::index::sample(&mut rng, SPACE_SIZE, samples.clamp(2, SPACE_SIZE)).into_vec();
    let y: Vec<f64> = train.iter().map(|&i| accuracy[i]).collect();
    let mut rows = Vec::new();
    for set in Features::ALL {
        let table = features(set, net, Some(naswot));
        for model in [Model::Ridge, Model::Forest] {
            let p = Predictor::fit(model, &table, &train, &y, seed).predict_all(&table);
            rows.push(TauRow { features: set, model, tau: kendall_tau(&p, accuracy) });
        }
    }
    rows
}
