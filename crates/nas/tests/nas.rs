//! The NAS crate on the shipped table: ground truth read correctly, networks equal on the CPU
//! interpreter and the WGSL kernels, shipped NASWOT scores reproducible, search seeded.

use edgeplay_gpu::Gpu;
use edgeplay_nas::network::{build, NetConfig};
use edgeplay_nas::predictor::{features, kendall_tau, Features, Model, Predictor};
use edgeplay_nas::proxy::{naswot, table_from_bytes, ProxyConfig};
use edgeplay_nas::search::{random_gap, Search, SearchConfig};
use edgeplay_nas::space::{Cell, SPACE_SIZE};
use edgeplay_nas::{Bench, Dataset};
use edgeplay_nn::{cpu, gpu::GpuGraph, Tensor};

const TABLE: &[u8] = include_bytes!("../../../www/nas/data/nats.bin");
const NASWOT: &[u8] = include_bytes!("../../../www/nas/data/naswot.f32");

fn bench() -> Bench {
    Bench::from_bytes(TABLE).unwrap()
}

#[test]
fn table_holds_the_nats_bench_accuracies() {
    let b = bench();
    // First rows of the NATS-Bench CSV export.
    let c = Cell::parse("|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|").unwrap();
    assert!((b.accuracy(c.index(), Dataset::Cifar10) - 85.863_333).abs() < 1e-4);
    assert!((b.accuracy(c.index(), Dataset::Cifar100) - 52.913_333).abs() < 1e-4);
    assert!((b.accuracy(c.index(), Dataset::ImageNet16) - 26.633_333).abs() < 1e-4);
    let c10 = b.accuracies(Dataset::Cifar10);
    let best = (0..SPACE_SIZE).max_by(|&a, &b| c10[a].total_cmp(&c10[b])).unwrap();
    assert!(c10[best] > 94.3 && c10[best] < 94.5, "{}", c10[best]);
    // Disconnected cells never learn: 10 % on CIFAR-10.
    let dead: Vec<usize> = (0..SPACE_SIZE).filter(|&i| !Cell::from_index(i).connected()).collect();
    assert_eq!(dead.len(), 341);
    assert!(dead.iter().all(|&i| c10[i] < 11.0));
    // Isomorphism classes as NATS-Bench counts them.
    let mut classes = b.classes().to_vec();
    classes.sort();
    classes.dedup();
    assert_eq!(classes.len(), 6466);
}

#[test]
fn hostile_tables_are_refused() {
    assert!(Bench::from_bytes(&TABLE[..TABLE.len() - 1]).is_err());
    assert!(Bench::from_bytes(b"EPNATS1\0").is_err());
    let mut bad = TABLE.to_vec();
    bad[8..12].copy_from_slice(&f32::NAN.to_le_bytes());
    assert!(Bench::from_bytes(&bad).is_err());
    let csv = "CIFAR10TestAccuracy200Epochs,CIFAR100TestAccuracy200Epochs,ImageNetTestAccuracy200Epochs,ArchitectureString,UniqueString\n";
    assert!(Bench::from_csv(csv.as_bytes()).is_err(), "empty table");
    let row = format!("{csv}1,2,3,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,x\n");
    let err = Bench::from_csv(row.as_bytes()).unwrap_err().to_string();
    assert!(err.contains("missing"), "{err}");
    let twice = format!("{row}1,2,3,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,x\n");
    assert!(Bench::from_csv(twice.as_bytes()).unwrap_err().to_string().contains("twice"));
    assert!(Bench::from_csv(format!("{csv}x,2,3,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,x\n").as_bytes()).is_err());
    assert!(Bench::from_csv(b"a,b\n1,2\n").is_err());
}

fn input(side: usize, seed: u32) -> Tensor {
    let data = (0..3 * side * side).map(|i| (((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) >> 16) as f32 / 65536.0) * 2.0 - 1.0).collect();
    Tensor::new(3, side, side, data).unwrap()
}

#[test]
fn wgsl_network_equals_the_cpu_interpreter() {
    let Some(gpu) = pollster::block_on(Gpu::request_or_skip()) else { return };
    let cells = [
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    ];
    for (k, s) in cells.iter().enumerate() {
        let cell = Cell::parse(s).unwrap();
        for (side, classes) in [(32, 10), (16, 120)] {
            let g = build(&cell, NetConfig::nb201(side, classes), k as u64);
            let x = input(side, k as u32);
            let want = cpu::run(&g, &x).unwrap();
            let (got, _) = pollster::block_on(GpuGraph::new(&gpu, &g).run(&x)).unwrap();
            let err = got.rel_max_err(&want);
            assert!(err <= 1e-3, "{s} at {side}px: rel. error {err}");
            assert_eq!(want.shape(), [classes, 1, 1]);
        }
    }
}

#[test]
fn shipped_naswot_scores_are_what_the_code_measures() {
    let table = table_from_bytes(NASWOT).unwrap();
    let cfg = ProxyConfig::default();
    for s in ["|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", "|none~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|none~1|avg_pool_3x3~2|"] {
        let c = Cell::parse(s).unwrap();
        let classes = bench();
        // The table holds the score of the class's first member.
        let first = (0..SPACE_SIZE).find(|&i| classes.classes()[i] == classes.classes()[c.index()]).unwrap();
        assert_eq!(naswot(&Cell::from_index(first), &cfg).unwrap() as f32 as f64, table[c.index()], "{s}");
    }
    // The measurement ranks architectures: τ with CIFAR-10 accuracy well above chance.
    let t = kendall_tau(&table.iter().map(|v| if v.is_finite() { *v } else { -1e9 }).collect::<Vec<_>>(), &bench().accuracies(Dataset::Cifar10));
    assert!(t > 0.4, "NASWOT τ {t}");
}

#[test]
fn measured_features_beat_the_one_hot_baseline() {
    let b = bench();
    let acc = b.accuracies(Dataset::Cifar10);
    let nw = table_from_bytes(NASWOT).unwrap();
    let net = NetConfig::nb201(32, 10);
    let train: Vec<usize> = (0..100).map(|k| (k * 7919 + 13) % SPACE_SIZE).collect();
    let y: Vec<f64> = train.iter().map(|&i| acc[i]).collect();
    let tau = |set, model| {
        let t = features(set, net, Some(&nw));
        kendall_tau(&Predictor::fit(model, &t, &train, &y, 1).predict_all(&t), &acc)
    };
    let base = tau(Features::OneHot, Model::Ridge);
    let ours = tau(Features::All, Model::Forest);
    assert!(base < 0.5 && ours > base + 0.15, "one-hot ridge {base}, all forest {ours}");
}

#[test]
fn search_is_seeded_and_beats_random_sampling() {
    let b = bench();
    let acc = b.accuracies(Dataset::Cifar10);
    let net = NetConfig::nb201(32, 10);
    let cost: Vec<f64> = (0..SPACE_SIZE).map(|i| edgeplay_nas::network::cost(&Cell::from_index(i), net, false).macs as f64).collect();
    let nw = table_from_bytes(NASWOT).unwrap();
    let table = std::sync::Arc::new(features(Features::All, net, Some(&nw)));
    let run = |seed| {
        let mut s = Search::new(SearchConfig { seed, ..SearchConfig::default() }, table.clone(), acc.clone(), cost.clone(), false);
        s.run();
        (s.queried.clone(), s.gap())
    };
    let (a, gap) = run(1);
    assert_eq!(a.len(), 156);
    assert_eq!(run(1).0, a, "same seed, same search");
    assert_ne!(run(2).0, a, "another seed, another search");
    let random = random_gap(156, &acc, &cost, 1);
    assert!(gap < random, "search gap {gap} vs random {random}");
    // With the table as an oracle the search finds nearly the true front.
    let mut o = Search::new(SearchConfig::default(), table.clone(), acc.clone(), cost.clone(), true);
    o.run();
    assert!(o.gap() < 0.1, "oracle gap {}", o.gap());
}
