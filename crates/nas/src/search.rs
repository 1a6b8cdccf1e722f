//! DONNA-style search: fit the accuracy predictor on a few architectures whose true accuracy
//! is looked up, run NSGA-II on (predicted accuracy ↑, cost ↓), look up the true accuracy of
//! the most promising new architectures, refit, repeat until the budget of true accuracies is
//! spent. The returned front is the Pareto set of everything looked up.
//!
//! Judged by the **mean accuracy gap**: for each point of the true Pareto front of the whole
//! table (same dataset, same cost), how many accuracy points the best architecture of the
//! judged set within that cost falls short; averaged over the front.

use rand::rngs::StdRng;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};

use std::sync::Arc;

use crate::predictor::{FeatureTable, Model, Predictor};
use crate::space::{Cell, Op, SPACE_SIZE};

/// Pareto front of `set` for (accuracy ↑, cost ↓): sorted by cost, strictly improving.
pub fn pareto_front(set: &[usize], acc: &[f64], cost: &[f64]) -> Vec<usize> {
    let mut order = set.to_vec();
    order.sort_by(|&a, &b| cost[a].total_cmp(&cost[b]).then(acc[b].total_cmp(&acc[a])).then(a.cmp(&b)));
    let mut front = Vec::new();
    let mut best = f64::NEG_INFINITY;
    for i in order {
        if acc[i] > best {
            best = acc[i];
            front.push(i);
        }
    }
    front
}

/// For each point of the true front of the whole space (cell index), how many accuracy
/// points the best of `judged` within its cost falls short (its whole accuracy when nothing
/// judged is that cheap).
pub fn front_gaps(judged: &[usize], acc: &[f64], cost: &[f64]) -> Vec<(usize, f64)> {
    let all: Vec<usize> = (0..acc.len()).collect();
    let found = pareto_front(judged, acc, cost);
    pareto_front(&all, acc, cost)
        .into_iter()
        .map(|t| {
            // found is sorted by cost.
            let best = found.iter().take_while(|&&f| cost[f] <= cost[t]).map(|&f| acc[f]).fold(f64::NEG_INFINITY, f64::max);
            (t, if best.is_finite() { (acc[t] - best).max(0.0) } else { acc[t] })
        })
        .collect()
}

/// Mean accuracy gap of `judged` against the true front of the whole space.
pub fn mean_gap(judged: &[usize], acc: &[f64], cost: &[f64]) -> f64 {
    let g = front_gaps(judged, acc, cost);
    g.iter().map(|p| p.1).sum::<f64>() / g.len() as f64
}

/// NSGA-II over cell indices with two objectives: maximise `score`, minimise `cost`.
pub struct Nsga2<'a> {
    score: &'a [f64],
    cost: &'a [f64],
    pub population: Vec<usize>,
    rng: StdRng,
    size: usize,
}

/// Non-dominated sorting: the rank (0 = best front) of each member.
fn ranks(pop: &[usize], score: &[f64], cost: &[f64]) -> Vec<usize> {
    let dominates = |a: usize, b: usize| score[a] >= score[b] && cost[a] <= cost[b] && (score[a] > score[b] || cost[a] < cost[b]);
    let n = pop.len();
    let mut rank = vec![usize::MAX; n];
    let mut left: Vec<usize> = (0..n).collect();
    let mut r = 0;
    while !left.is_empty() {
        let front: Vec<usize> = left.iter().copied().filter(|&i| !left.iter().any(|&j| dominates(pop[j], pop[i]))).collect();
        for &i in &front {
            rank[i] = r;
        }
        left.retain(|i| !front.contains(i));
        r += 1;
    }
    rank
}

/// Crowding distance of each member within its front.
fn crowding(pop: &[usize], rank: &[usize], score: &[f64], cost: &[f64]) -> Vec<f64> {
    let mut d = vec![0.0; pop.len()];
    let max_rank = rank.iter().copied().max().unwrap_or(0);
    for r in 0..=max_rank {
        let members: Vec<usize> = (0..pop.len()).filter(|&i| rank[i] == r).collect();
        for obj in [score, cost] {
            let mut m = members.clone();
            m.sort_by(|&a, &b| obj[pop[a]].total_cmp(&obj[pop[b]]));
            let (lo, hi) = (obj[pop[m[0]]], obj[pop[*m.last().expect("non-empty")]]);
            d[m[0]] = f64::INFINITY;
            d[*m.last().expect("non-empty")] = f64::INFINITY;
            if hi > lo {
                for k in 1..m.len().saturating_sub(1) {
                    d[m[k]] += (obj[pop[m[k + 1]]] - obj[pop[m[k - 1]]]) / (hi - lo);
                }
            }
        }
    }
    d
}

impl<'a> Nsga2<'a> {
    pub fn new(score: &'a [f64], cost: &'a [f64], size: usize, seed: u64) -> Nsga2<'a> {
        let mut rng = StdRng::seed_from_u64(seed);
        let population = sample(&mut rng, SPACE_SIZE, size).into_vec();
        Nsga2 { score, cost, population, rng, size }
    }

    fn mutate(&mut self, c: usize) -> usize {
        let mut ops = Cell::from_index(c).0;
        let e = self.rng.random_range(0..6);
        let now = ops[e];
        let others: Vec<Op> = Op::ALL.into_iter().filter(|&o| o != now).collect();
        ops[e] = others[self.rng.random_range(0..others.len())];
        // Each other edge changes with probability 1/6 too.
        for (k, op) in ops.iter_mut().enumerate() {
            if k != e && self.rng.random_bool(1.0 / 6.0) {
                *op = Op::ALL[self.rng.random_range(0..5)];
            }
        }
        Cell(ops).index()
    }

    /// One generation: binary tournaments on (rank, crowding), uniform crossover, mutation,
    /// then the best `size` distinct cells of parents ∪ children survive.
    pub fn generation(&mut self) {
        let pop = self.population.clone();
        let rank = ranks(&pop, self.score, self.cost);
        let crowd = crowding(&pop, &rank, self.score, self.cost);
        let better = |a: usize, b: usize| if rank[a] != rank[b] { rank[a] < rank[b] } else { crowd[a] > crowd[b] };
        let mut children = Vec::with_capacity(self.size);
        let mut tries = 0;
        while children.len() < self.size && tries < self.size * 20 {
            tries += 1;
            let pick = |rng: &mut StdRng| {
                let (a, b) = (rng.random_range(0..pop.len()), rng.random_range(0..pop.len()));
                if better(a, b) { pop[a] } else { pop[b] }
            };
            let (p1, p2) = (pick(&mut self.rng), pick(&mut self.rng));
            let (c1, c2) = (Cell::from_index(p1).0, Cell::from_index(p2).0);
            let cross = Cell(std::array::from_fn(|e| if self.rng.random_bool(0.5) { c1[e] } else { c2[e] })).index();
            let child = self.mutate(cross);
            if !pop.contains(&child) && !children.contains(&child) {
                children.push(child);
            }
        }
        let mut all = pop;
        all.extend(children);
        self.population = self.best(&all, self.size);
    }

    /// The `k` best of `cells` by (rank, crowding).
    fn best(&self, cells: &[usize], k: usize) -> Vec<usize> {
        let rank = ranks(cells, self.score, self.cost);
        let crowd = crowding(cells, &rank, self.score, self.cost);
        let mut order: Vec<usize> = (0..cells.len()).collect();
        order.sort_by(|&a, &b| rank[a].cmp(&rank[b]).then(crowd[b].total_cmp(&crowd[a])).then(cells[a].cmp(&cells[b])));
        order.into_iter().take(k).map(|i| cells[i]).collect()
    }

    /// The population ordered best first.
    pub fn ranked(&self) -> Vec<usize> {
        self.best(&self.population, self.population.len())
    }
}

/// Search settings.
#[derive(Clone, Copy, Debug)]
pub struct SearchConfig {
    /// Random architectures looked up first (the predictor's initial training set).
    pub samples: usize,
    /// True accuracies looked up in all (samples + later rounds).
    pub budget: usize,
    /// Architectures looked up per round after NSGA-II.
    pub per_round: usize,
    pub population: usize,
    pub generations: usize,
    pub model: Model,
    /// Optimism of the search objective: NSGA-II maximises predicted mean + `explore` × the
    /// forest's spread, so architectures the predictor is unsure about get looked up too.
    pub explore: f64,
    pub seed: u64,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig { samples: 40, budget: 156, per_round: 10, population: 64, generations: 30, model: Model::Forest, explore: 0.0, seed: 1 }
    }
}

/// A search in progress, advanced one round at a time ([`Search::round`]) so a page can
/// show it; `oracle` replaces the predictor by the table itself.
pub struct Search {
    pub cfg: SearchConfig,
    table: Arc<FeatureTable>,
    acc: Vec<f64>,
    cost: Vec<f64>,
    /// Cells whose true accuracy has been looked up, in order.
    pub queried: Vec<usize>,
    pub oracle: bool,
    rounds: u64,
}

/// What one round did.
pub struct Round {
    /// Population of each NSGA-II generation (for animation).
    pub generations: Vec<Vec<usize>>,
    /// Cells newly looked up.
    pub added: Vec<usize>,
    /// Predicted accuracy of every cell under this round's predictor.
    pub predicted: Vec<f64>,
}

impl Search {
    /// A search over `table`'s features, judged on `acc` (true accuracies) and `cost`.
    pub fn new(cfg: SearchConfig, table: Arc<FeatureTable>, acc: Vec<f64>, cost: Vec<f64>, oracle: bool) -> Search {
        let n0 = cfg.samples.min(cfg.budget).min(SPACE_SIZE);
        let queried = spread_sample(&cost, n0, cfg.seed);
        Search { cfg, table, acc, cost, queried, oracle, rounds: 0 }
    }

    pub fn done(&self) -> bool {
        self.queried.len() >= self.cfg.budget.min(SPACE_SIZE)
    }

    /// Fits the predictor to what has been looked up.
    pub fn predictor(&self) -> Predictor {
        let y: Vec<f64> = self.queried.iter().map(|&i| self.acc[i]).collect();
        Predictor::fit(self.cfg.model, &self.table, &self.queried, &y, self.cfg.seed ^ self.rounds)
    }

    /// One round: fit, NSGA-II, look up the best new cells.
    pub fn round(&mut self) -> Round {
        let (predicted, objective) = if self.oracle {
            (self.acc.to_vec(), self.acc.to_vec())
        } else {
            let (m, s) = self.predictor().predict_all_with_spread(&self.table);
            let o = m.iter().zip(&s).map(|(m, s)| m + self.cfg.explore * s).collect();
            (m, o)
        };
        let mut ga = Nsga2::new(&objective, &self.cost, self.cfg.population, self.cfg.seed.wrapping_mul(1000).wrapping_add(self.rounds));
        // Seed the population with the best looked-up cells so far.
        let known = pareto_front(&self.queried, &self.acc, &self.cost);
        for (slot, &k) in ga.population.iter_mut().zip(&known) {
            *slot = k;
        }
        let mut generations = vec![ga.population.clone()];
        for _ in 0..self.cfg.generations {
            ga.generation();
            generations.push(ga.population.clone());
        }
        let room = self.cfg.budget.saturating_sub(self.queried.len()).min(self.cfg.per_round);
        let mut added = Vec::new();
        for c in ga.ranked() {
            if added.len() >= room {
                break;
            }
            if !self.queried.contains(&c) {
                added.push(c);
            }
        }
        self.queried.extend(&added);
        self.rounds += 1;
        Round { generations, added, predicted }
    }

    /// Runs rounds until the budget is spent (or a round finds nothing new).
    pub fn run(&mut self) {
        while !self.done() {
            if self.round().added.is_empty() {
                break;
            }
        }
    }

    /// The Pareto front of everything looked up (true accuracies).
    pub fn front(&self) -> Vec<usize> {
        pareto_front(&self.queried, &self.acc, &self.cost)
    }

    pub fn gap(&self) -> f64 {
        mean_gap(&self.queried, &self.acc, &self.cost)
    }

    /// The cost of every cell.
    pub fn costs(&self) -> &[f64] {
        &self.cost
    }

    /// The true accuracy of every cell (what look-ups read).
    pub fn accuracies(&self) -> &[f64] {
        &self.acc
    }
}

/// `n` distinct cells spread over the cost axis: the cost range is cut into `n` equal-width
/// bins (one per distinct cost when there are fewer) and one random cell is drawn from each
/// bin in turn until `n` are drawn. The front is judged at every cost, so the first samples
/// should cover them all; uniform sampling leaves the rare cheap networks out.
pub fn spread_sample(cost: &[f64], n: usize, seed: u64) -> Vec<usize> {
    let mut rng = StdRng::seed_from_u64(seed);
    let n = n.min(cost.len());
    let mut levels: Vec<f64> = cost.to_vec();
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    let bin_of: Box<dyn Fn(f64) -> usize> = if levels.len() <= n {
        let lv = levels.clone();
        Box::new(move |c| lv.partition_point(|&v| v < c))
    } else {
        let (lo, hi) = (levels[0], levels[levels.len() - 1]);
        Box::new(move |c| (((c - lo) / (hi - lo) * n as f64) as usize).min(n - 1))
    };
    let mut bins: Vec<Vec<usize>> = Vec::new();
    for (i, &c) in cost.iter().enumerate() {
        let b = bin_of(c);
        if bins.len() <= b {
            bins.resize(b + 1, Vec::new());
        }
        bins[b].push(i);
    }
    bins.retain(|b| !b.is_empty());
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        for b in bins.iter_mut() {
            if out.len() == n || b.is_empty() {
                continue;
            }
            out.push(b.swap_remove(rng.random_range(0..b.len())));
        }
    }
    out
}

/// Mean gap of `n` random architectures (the same budget without a search).
pub fn random_gap(n: usize, acc: &[f64], cost: &[f64], seed: u64) -> f64 {
    let mut rng = StdRng::seed_from_u64(seed);
    mean_gap(&sample(&mut rng, SPACE_SIZE, n.min(SPACE_SIZE)).into_vec(), acc, cost)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_and_gap_on_a_hand_made_table() {
        let acc = [50.0, 60.0, 55.0, 70.0, 65.0];
        let cost = [1.0, 2.0, 2.0, 3.0, 4.0];
        assert_eq!(pareto_front(&[0, 1, 2, 3, 4], &acc, &cost), vec![0, 1, 3]);
        // Judged {0, 2}: front points 0 (gap 0), 1 (60 − 55), 3 (70 − 55) → 20/3.
        assert!((mean_gap(&[0, 2], &acc, &cost) - 20.0 / 3.0).abs() < 1e-12);
        assert_eq!(mean_gap(&[0, 1, 3], &acc, &cost), 0.0);
    }
}
