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

// ---- Depth networks: grouped/depthwise conv, BatchNormalization, Clip, Resize, Concat ----

const DEPTH_OPS: &[u8] = include_bytes!("data/depth_ops.onnx");
const DEPTH_OPS_V7: &[u8] = include_bytes!("data/depth_ops_v7.onnx");
const FASTDEPTH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/fastdepth");

fn fastdepth() -> Vec<u8> {
    std::fs::read(format!("{FASTDEPTH}/fastdepth.onnx")).expect("models/fastdepth/fastdepth.onnx")
}

/// The opset-7 file as published, from the shared models folder when it is there.
fn fastdepth_v7() -> Option<Vec<u8>> {
    let dir = std::env::var("EDGEPLAY_MODELS").unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/models").into());
    let b = std::fs::read(format!("{dir}/fastdepth/fastdepth_opset7.onnx")).ok();
    if b.is_none() && std::env::var("EDGEPLAY_REQUIRE_DATA").is_ok_and(|v| v == "1") {
        panic!("EDGEPLAY_REQUIRE_DATA=1 but {dir}/fastdepth/fastdepth_opset7.onnx is missing");
    }
    b
}

/// The NYU frame the FastDepth authors published with their output (`pred.npy`, float32).
fn nyu_reference() -> (Tensor, Vec<f32>) {
    let img = image::open(format!("{FASTDEPTH}/reference/nyu-fastdepth.color.png")).unwrap().to_rgb8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut data = vec![0.0; 3 * h * w];
    for (i, p) in img.pixels().enumerate() {
        for c in 0..3 {
            data[c * h * w + i] = p[c] as f32 / 255.0;
        }
    }
    let npy = std::fs::read(format!("{FASTDEPTH}/reference/pred.npy")).unwrap();
    let header = u16::from_le_bytes([npy[8], npy[9]]) as usize;
    assert!(std::str::from_utf8(&npy[10..10 + header]).unwrap().contains("'<f4'"));
    let pred = npy[10 + header..].chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect::<Vec<_>>();
    assert_eq!(pred.len(), h * w);
    (Tensor::new(3, h, w, data).unwrap(), pred)
}

fn max_abs(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs()))
}

#[test]
fn parses_depth_operators_and_folds_batch_norm() {
    let g = Graph::from_onnx(DEPTH_OPS).unwrap();
    let convs: Vec<&edgeplay_nn::Conv> = g.layers.iter().filter_map(|l| if let Op::Conv(c) = &l.op { Some(c) } else { None }).collect();
    assert!(convs.iter().any(|c| c.groups == 8 && c.cin == 8 && c.k == 5), "depthwise 5x5");
    assert!(convs.iter().any(|c| c.groups == 4 && c.cin == 16 && c.cout == 8), "grouped 3x3");
    assert_eq!(convs.iter().filter(|c| c.act == edgeplay_nn::Act::Clip(0.0, 6.0)).count(), 2, "ReLU6 fused");
    // The BatchNormalization after the concatenation has no convolution to fold into.
    assert_eq!(convs.iter().filter(|c| c.is_channel_affine()).count(), 1);
    let resizes: Vec<&edgeplay_nn::Resize> = g.layers.iter().filter_map(|l| if let Op::Resize(r) = &l.op { Some(r) } else { None }).collect();
    assert_eq!(resizes.len(), 3);
    assert!(resizes.iter().any(|r| !r.linear && r.coord == edgeplay_nn::Coord::Asymmetric && r.nearest == edgeplay_nn::Nearest::Floor));
    assert!(resizes.iter().any(|r| r.linear && r.coord == edgeplay_nn::Coord::HalfPixel));
    assert!(resizes.iter().any(|r| r.linear && r.coord == edgeplay_nn::Coord::AlignCorners));
    assert_eq!(g.layers.iter().filter(|l| matches!(l.op, Op::Concat)).count(), 1);
    assert_eq!(g.input_hw, Some((24, 32)));

    let v7 = Graph::from_onnx(DEPTH_OPS_V7).unwrap();
    // Every BatchNormalization folded; Clip and ReLU fused; Upsample read from its attribute.
    assert!(v7.layers.iter().all(|l| !matches!(&l.op, Op::Conv(c) if c.is_channel_affine())));
    assert_eq!(v7.layers.iter().filter(|l| matches!(l.op, Op::Resize(_))).count(), 1);
    assert_eq!(v7.output_shape(32, 32).unwrap(), [1, 32, 32]);

    // FastDepth: every ReLU/ReLU6 after a BatchNormalization-folded convolution is fused into
    // it (the dead BatchNormalization once counted as a second reader and kept them apart).
    let fd = Graph::from_onnx(&fastdepth()).unwrap();
    let acts = fd.layers.iter().filter(|l| matches!(l.op, Op::Unary(edgeplay_nn::Unary::Relu | edgeplay_nn::Unary::Clip(..)))).count();
    assert_eq!(acts, 0, "standalone activations left in FastDepth");
}

#[test]
fn unsupported_operator_names_operator_and_node() {
    let e = Graph::from_onnx(include_bytes!("data/unsupported.onnx")).err().expect("HardSwish is not supported");
    let msg = e.to_string();
    assert!(msg.contains("HardSwish") && msg.contains("act0"), "{msg}");
    // Garbage is an error, not a panic.
    assert!(Graph::from_onnx(b"not an onnx file").is_err());
    assert!(Graph::from_onnx(&DEPTH_OPS[..DEPTH_OPS.len() / 2]).is_err());
}

#[test]
fn depth_operators_cpu_and_gpu_match_tract() {
    let gpu = device();
    // tract has no opset-7 Upsample: the v7 graph's reference is its opset-13 conversion.
    let v7_as13: &[u8] = include_bytes!("data/depth_ops_v7_as13.onnx");
    for (bytes, reference, sizes) in [(DEPTH_OPS, DEPTH_OPS, &[(24, 32)][..]), (DEPTH_OPS_V7, v7_as13, &[(32, 32), (21, 17), (2, 2)][..])] {
        let g = Graph::from_onnx(bytes).unwrap();
        let t = TractModel::from_onnx(reference, 3).unwrap();
        let gg = gpu.as_ref().map(|gpu| GpuGraph::new(gpu, &g));
        for (i, &(h, w)) in sizes.iter().enumerate() {
            let x = random(3, h, w, 1.0, 40 + i as u64);
            let want = t.run(&x).unwrap();
            let got = cpu::run(&g, &x).unwrap();
            assert_eq!(got.shape(), want.shape());
            let e = got.rel_max_err(&want);
            assert!(e <= 1e-5, "cpu {h}x{w}: rel err {e}");
            if let Some(gg) = &gg {
                let (got, _) = pollster::block_on(gg.run(&x)).unwrap();
                let e = got.rel_max_err(&want);
                assert!(e <= 1e-3, "gpu {h}x{w}: rel err {e}");
            }
        }
    }
}

#[test]
fn fastdepth_reproduces_the_authors_output() {
    let bytes = fastdepth();
    let g = Graph::from_onnx(&bytes).unwrap();
    assert_eq!(g.input_hw, Some((224, 224)));
    // 38 convolutions, every BatchNormalization folded, 5 nearest upsamplings.
    assert_eq!(g.layers.iter().filter(|l| matches!(l.op, Op::Conv(_))).count(), 38);
    assert_eq!(g.layers.iter().filter(|l| matches!(l.op, Op::Resize(_))).count(), 5);
    let (x, pred) = nyu_reference();
    let cpu_out = cpu::run(&g, &x).unwrap();
    assert_eq!(cpu_out.shape(), [1, 224, 224]);
    let e = max_abs(&cpu_out.data, &pred);
    assert!(e <= 1e-3, "CPU interpreter vs the authors' pred.npy: {e} m");
    let want = TractModel::from_onnx(&bytes, 3).unwrap().run(&x).unwrap();
    let e = cpu_out.rel_max_err(&want);
    assert!(e <= 1e-5, "CPU interpreter vs tract: rel err {e}");
    if let Some(gpu) = device() {
        let (got, _) = pollster::block_on(GpuGraph::new(&gpu, &g).run(&x)).unwrap();
        let e = got.rel_max_err(&want);
        assert!(e <= 1e-3, "WGSL vs tract: rel err {e}");
        let e = max_abs(&got.data, &pred);
        assert!(e <= 1e-3, "WGSL vs the authors' pred.npy: {e} m");
    }
    // The opset-7 file as published (Upsample, Clip attributes) gives the same output.
    if let Some(v7) = fastdepth_v7() {
        let g7 = Graph::from_onnx(&v7).unwrap();
        let e = cpu::run(&g7, &x).unwrap().rel_max_err(&cpu_out);
        assert!(e <= 1e-6, "opset 7 vs opset 13: rel err {e}");
    }
}

/// The depth networks trained here (models/depth/*.onnx: self-supervised, X-Distill, the
/// searched student) run on every executor: CPU interpreter = tract within 1e-5 and WGSL =
/// tract within 1e-3 (relative), with a plausible indoor depth on the NYU frame, and each is
/// its own network (not FastDepth's output).
#[test]
fn shipped_depth_networks_agree_on_every_executor() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/depth");
    let (x, fastdepth_pred) = nyu_reference();
    let gpu = device();
    let mut seen = 0;
    for name in ["selfsup", "xdistill", "student"] {
        let bytes = std::fs::read(format!("{dir}/{name}.onnx")).unwrap_or_else(|e| panic!("models/depth/{name}.onnx: {e}"));
        let g = Graph::from_onnx(&bytes).unwrap();
        assert_eq!(g.input_hw, Some((224, 224)), "{name}");
        let want = TractModel::from_onnx(&bytes, 3).unwrap().run(&x).unwrap();
        let got = cpu::run(&g, &x).unwrap();
        assert_eq!(got.shape(), [1, 224, 224], "{name}");
        let e = got.rel_max_err(&want);
        assert!(e <= 1e-5, "{name}: CPU interpreter vs tract: rel err {e}");
        if let Some(gpu) = &gpu {
            let (g_out, _) = pollster::block_on(GpuGraph::new(gpu, &g).run(&x)).unwrap();
            let e = g_out.rel_max_err(&want);
            assert!(e <= 1e-3, "{name}: WGSL vs tract: rel err {e}");
        }
        let mean = got.data.iter().sum::<f32>() / got.data.len() as f32;
        assert!((0.5..10.0).contains(&mean), "{name}: mean depth {mean} m on an indoor frame");
        let diff = max_abs(&got.data, &fastdepth_pred);
        assert!(diff > 0.05, "{name} predicts what FastDepth does (max diff {diff} m)");
        seen += 1;
    }
    assert_eq!(seen, 3);
}
