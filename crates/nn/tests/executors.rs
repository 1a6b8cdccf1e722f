//! The three executors agree: the plain-Rust interpreter and the WGSL kernels against tract
//! on random inputs, for a graph with every supported operator (`tests/data/ops.onnx`) and
//! for the progressive codec's four exported networks. GPU tests run on the native adapter
//! (Mesa lavapipe in CI); they skip without one unless EDGEPLAY_REQUIRE_GPU=1.

use edgeplay_gpu::Gpu;
use edgeplay_nn::gpu::GpuGraph;
use edgeplay_nn::reference::TractModel;
use edgeplay_nn::{cpu, Graph, Op, Tensor};
use rand::{rngs::StdRng, Rng, SeedableRng};

const OPS: &[u8] = include_bytes!("data/ops.onnx");
const CODEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/pcodec/export");

fn device() -> Option<Gpu> {
    pollster::block_on(Gpu::request_or_skip())
}

fn random(c: usize, h: usize, w: usize, scale: f32, seed: u64) -> Tensor {
    let mut r = StdRng::seed_from_u64(seed);
    Tensor::new(c, h, w, (0..c * h * w).map(|_| (r.random::<f32>() * 2.0 - 1.0) * scale).collect()).unwrap()
}

#[test]
fn parses_and_fuses_the_operator_graph() {
    let g = Graph::from_onnx(OPS).unwrap();
    let gdn: Vec<bool> = g
        .layers
        .iter()
        .filter_map(|l| match &l.op {
            Op::Gdn { inverse, .. } => Some(*inverse),
            _ => None,
        })
        .collect();
    assert_eq!(gdn, [false, true], "both GDN decompositions fused");
    let relu_convs = g.layers.iter().filter(|l| matches!(&l.op, Op::Conv(c) if c.act == edgeplay_nn::Act::Relu)).count();
    assert_eq!(relu_convs, 1);
    assert_eq!(g.output_shape(16, 16).unwrap(), [4, 16, 16]);
    assert_eq!(g.output_shape(13, 21).unwrap(), [4, 14, 22]);
}

#[test]
fn cpu_interpreter_matches_tract() {
    let g = Graph::from_onnx(OPS).unwrap();
    let t = TractModel::from_onnx(OPS, 3).unwrap();
    for (i, (h, w)) in [(16, 16), (13, 21), (1, 1), (40, 9)].into_iter().enumerate() {
        let x = random(3, h, w, 1.0, i as u64);
        let want = t.run(&x).unwrap();
        let got = cpu::run(&g, &x).unwrap();
        assert_eq!(got.shape(), want.shape());
        let e = got.rel_max_err(&want);
        assert!(e <= 1e-5, "{h}x{w}: rel err {e}");
        // Deterministic: the same bits every time.
        assert_eq!(cpu::run(&g, &x).unwrap().data, got.data);
    }
}

#[test]
fn gpu_matches_tract() {
    let Some(gpu) = device() else { return };
    let g = Graph::from_onnx(OPS).unwrap();
    let t = TractModel::from_onnx(OPS, 3).unwrap();
    let gg = GpuGraph::new(&gpu, &g);
    for (i, (h, w)) in [(16, 16), (13, 21), (1, 1), (40, 9)].into_iter().enumerate() {
        let x = random(3, h, w, 1.0, 10 + i as u64);
        let want = t.run(&x).unwrap();
        let (got, _) = pollster::block_on(gg.run(&x)).unwrap();
        let e = got.rel_max_err(&want);
        assert!(e <= 1e-3, "{h}x{w}: rel err {e}");
    }
}

/// The codec's networks with their input channel counts and a typical input scale.
fn codec_parts() -> Vec<(&'static str, usize, f32, usize)> {
    // (name, input channels, scale, input size)
    let tables: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{CODEC}/tables.json")).expect("models/pcodec/export/tables.json (python3 models/pcodec/export.py)")).unwrap();
    let n = tables["n"].as_u64().unwrap() as usize;
    let m = tables["m"].as_u64().unwrap() as usize;
    vec![("g_a", 3, 1.0, 64), ("g_s", m, 8.0, 4), ("h_a", m, 8.0, 4), ("h_s", n, 3.0, 2)]
}

#[test]
fn codec_networks_agree_on_all_executors() {
    let gpu = device();
    for (name, c, scale, size) in codec_parts() {
        let bytes = std::fs::read(format!("{CODEC}/{name}.onnx")).unwrap();
        let g = Graph::from_onnx(&bytes).unwrap();
        let t = TractModel::from_onnx(&bytes, c).unwrap();
        let x = random(c, size, size * 3 / 2, scale, 99);
        let want = t.run(&x).unwrap();
        let got = cpu::run(&g, &x).unwrap();
        let e = got.rel_max_err(&want);
        assert!(e <= 1e-4, "{name} cpu: rel err {e}");
        if let Some(gpu) = &gpu {
            let (got, _) = pollster::block_on(GpuGraph::new(gpu, &g).run(&x)).unwrap();
            let e = got.rel_max_err(&want);
            assert!(e <= 1e-3, "{name} gpu: rel err {e}");
        }
    }
}

#[test]
fn rejects_bad_models() {
    assert!(Graph::from_onnx(b"").is_err());
    assert!(Graph::from_onnx(b"definitely not protobuf \xff\xff\xff").is_err());
    for cut in [10, OPS.len() / 2, OPS.len() - 1] {
        assert!(Graph::from_onnx(&OPS[..cut]).is_err(), "truncated at {cut}");
    }
    let g = Graph::from_onnx(OPS).unwrap();
    assert!(cpu::run(&g, &Tensor::zeros(2, 8, 8)).is_err(), "wrong channel count");
}
