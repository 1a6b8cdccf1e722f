//! The neural wasm module: the progressive neural codec (`<ep-compress>`'s neural side) on
//! the WGSL executor or tract, and image quality. The only module with tract in it.
//!
//! The model is loaded once per engine (its bytes are fetched by the widget's worker module);
//! streams are opened into [`Decoder`]s that entropy-decode once and are kept by handle, so
//! a slider update costs only the latents of the new prefix plus the synthesis transform.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use edgeplay_gpu::{Ran, Stopwatch};
use edgeplay_nn::Tensor;
use edgeplay_pcodec::{self as pcodec, Decoder, Engine, Image, Model};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use edgeplay_web::{err, rt, to_js, with_bytes};

// The core calls every module exports (status, backend choice, test hooks).
pub use edgeplay_web::{runtime_status, set_backend};

struct State {
    model: Option<Rc<Model>>,
    decoders: HashMap<u32, Rc<Decoder>>,
    next_handle: u32,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State { model: None, decoders: HashMap::new(), next_handle: 1 });
}

fn model() -> Result<Rc<Model>, JsError> {
    STATE.with(|s| s.borrow().model.clone()).ok_or_else(|| JsError::new("the progressive codec's model is not loaded"))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ModelInfo {
    id: String,
    name: String,
    step: u64,
    n: usize,
    m: usize,
    header_len: usize,
}

/// Loads (or replaces) the model from the bytes of `tables.json` and the four networks;
/// checks them against each other. Returns `{id, name, step, n, m, headerLen}`.
#[wasm_bindgen]
pub fn pcodec_load(tables: &[u8], g_a: &[u8], g_s: &[u8], h_a: &[u8], h_s: &[u8]) -> Result<JsValue, JsError> {
    let m = Model::from_bytes(tables, [g_a, g_s, h_a, h_s]).map_err(err)?;
    let info = ModelInfo { id: m.id.clone(), name: m.name(), step: m.step, n: m.n, m: m.m, header_len: pcodec::header_len(&m) };
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.model = Some(Rc::new(m));
        s.decoders.clear();
    });
    to_js(&info)
}

async fn on_engine<T>(model: &Model, work: pcodec::Work, width: u32, height: u32, f: impl AsyncFn(Engine<'_>) -> Result<T, pcodec::Error>) -> Result<Ran<T>, JsError> {
    pcodec::on_measured_path(&rt(), model, work, width, height, f).await.map_err(err)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Encoded {
    path: &'static str,
    fallback: Option<String>,
    /// Why this path (measured GPU/CPU choice).
    choice: Option<String>,
    analysis_ms: f64,
    entropy_ms: f64,
    #[serde(skip)]
    stream: Vec<u8>,
}

/// Encodes RGBA pixels (alpha ignored) into one progressive stream (every level; any prefix
/// decodes). Returns `{stream: Uint8Array, path, analysisMs, entropyMs}`.
#[wasm_bindgen]
pub async fn pcodec_encode(rgba: Vec<u8>, width: u32, height: u32) -> Result<JsValue, JsError> {
    let model = model()?;
    let img = Image::from_rgba(width, height, &rgba).map_err(err)?;
    let sw = Stopwatch::start();
    let Ran { value: (y, z), path, fallback, choice } = on_engine(&model, pcodec::Work::Analysis, width, height, async |engine| pcodec::analyze(&model, &img, engine).await).await?;
    let path = path.as_str();
    let analysis_ms = sw.ms();
    let sw = Stopwatch::start();
    let stream = pcodec::encode_latents(&model, width, height, &y, &z).map_err(err)?;
    let out = Encoded { path, fallback, choice, analysis_ms, entropy_ms: sw.ms(), stream };
    with_bytes(&out, "stream", &out.stream, false)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Opened {
    handle: u32,
    width: u32,
    height: u32,
    bytes: usize,
    header_len: usize,
    /// Symbols the whole stream determines.
    symbols: usize,
    entropy_ms: f64,
}

/// Parses and entropy-decodes a stream once; later [`pcodec_decode`] calls rebuild any prefix
/// from it. Returns `{handle, width, height, bytes, headerLen, symbols, entropyMs}`.
#[wasm_bindgen]
pub fn pcodec_open(stream: &[u8]) -> Result<JsValue, JsError> {
    let model = model()?;
    let sw = Stopwatch::start();
    let d = Decoder::new(&model, stream).map_err(err)?;
    let out = Opened {
        handle: 0,
        width: d.header.width,
        height: d.header.height,
        bytes: stream.len(),
        header_len: d.header_len(),
        symbols: d.symbols_at(stream.len()),
        entropy_ms: sw.ms(),
    };
    let handle = STATE.with(|s| {
        let mut s = s.borrow_mut();
        let h = s.next_handle;
        s.next_handle += 1;
        s.decoders.insert(h, Rc::new(d));
        h
    });
    to_js(&Opened { handle, ..out })
}

/// Forgets an opened stream.
#[wasm_bindgen]
pub fn pcodec_close(handle: u32) {
    STATE.with(|s| s.borrow_mut().decoders.remove(&handle));
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Decoded {
    width: u32,
    height: u32,
    bytes: usize,
    symbols: usize,
    path: &'static str,
    fallback: Option<String>,
    /// Why this path (measured GPU/CPU choice).
    choice: Option<String>,
    latents_ms: f64,
    synthesis_ms: f64,
}

/// Decodes the first `bytes` bytes of an opened stream to RGBA: latents of that prefix, then
/// the synthesis transform on the GPU when the runtime has one.
#[wasm_bindgen]
pub async fn pcodec_decode(handle: u32, bytes: u32) -> Result<JsValue, JsError> {
    let model = model()?;
    let d = STATE.with(|s| s.borrow().decoders.get(&handle).cloned()).ok_or_else(|| JsError::new("this stream was closed"))?;
    let bytes = bytes as usize;
    let sw = Stopwatch::start();
    let y = d.latents(bytes);
    let latents_ms = sw.ms();
    let (w, h) = (d.header.width, d.header.height);
    let sw = Stopwatch::start();
    let Ran { value: img, path, fallback, choice } = on_engine(&model, pcodec::Work::Synthesis, w, h, async |engine| pcodec::synthesize(&model, &y, w, h, engine).await).await?;
    let path = path.as_str();
    let out = Decoded { width: w, height: h, bytes, symbols: d.symbols_at(bytes), path, fallback, choice, latents_ms, synthesis_ms: sw.ms() };
    with_bytes(&out, "rgba", &img.to_rgba(), true)
}

#[cfg(feature = "test-hooks")]
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TransformCheck {
    part: &'static str,
    rel_err: f32,
    gpu_ms: f64,
    cpu_ms: f64,
}

/// The model's transforms on the GPU (our WGSL executor) against tract on the CPU, on seeded
/// random inputs of a `width` x `height` image: relative max error per network. Needs a GPU
/// (browser tests).
#[cfg(feature = "test-hooks")]
#[wasm_bindgen]
pub async fn pcodec_selfcheck(width: u32, height: u32, seed: u32) -> Result<JsValue, JsError> {
    use rand::{Rng, SeedableRng};
    let model = model()?;
    let g = rt().device().await.map_err(err)?;
    let gm = model.gpu(&g);
    let (w, h) = ((width as usize).next_multiple_of(pcodec::ALIGN), (height as usize).next_multiple_of(pcodec::ALIGN));
    let mut r = rand::rngs::StdRng::seed_from_u64(seed as u64);
    let mut rand_t = |c: usize, h: usize, w: usize, amp: f32| {
        Tensor::new(c, h, w, (0..c * h * w).map(|_| (r.random::<f32>() * 2.0 - 1.0) * amp).collect()).expect("shape")
    };
    let inputs = [
        (pcodec::G_A, "g_a", rand_t(3, h, w, 1.0)),
        (pcodec::H_A, "h_a", rand_t(model.m, h / 16, w / 16, 4.0)),
        (pcodec::G_S, "g_s", rand_t(model.m, h / 16, w / 16, 4.0)),
    ];
    let mut rows = Vec::new();
    for (part, name, x) in inputs {
        let sw = Stopwatch::start();
        let want = Engine::Cpu.run(&model, part, &x).await.map_err(err)?;
        let cpu_ms = sw.ms();
        let sw = Stopwatch::start();
        let got = Engine::Gpu(&gm).run(&model, part, &x).await.map_err(err)?;
        rows.push(TransformCheck { part: name, rel_err: got.rel_max_err(&want), gpu_ms: sw.ms(), cpu_ms });
    }
    to_js(&rows)
}

#[cfg(feature = "test-hooks")]
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LayerCheck {
    layer: String,
    rel_err: f32,
    dispatches: usize,
}

/// The generated WGSL kernels on this page's adapter (its own tile sizes) against the CPU
/// interpreter, on seeded random layers of odd shapes — dense and transposed convolutions
/// (kernel 1–5, stride 1–3, output padding, < 4 and 12 output channels), depthwise and
/// grouped convolutions, GDN/IGDN, and a graph with fused residual adds: one row per layer
/// with its relative max error (browser tests; natively `crates/nn/tests/kernels.rs`).
#[cfg(feature = "test-hooks")]
#[wasm_bindgen]
pub async fn nn_kernels_selfcheck(seed: u32) -> Result<JsValue, JsError> {
    use edgeplay_nn::{cpu, gpu::GpuGraph, testing, Act, Op};
    use rand::{Rng, SeedableRng};
    let g = rt().device().await.map_err(err)?;
    let mut r = rand::rngs::StdRng::seed_from_u64(seed as u64);
    let mut rnd = |n: usize| -> Vec<f32> { (0..n).map(|_| r.random::<f32>() * 2.0 - 1.0).collect() };
    let single = testing::single;
    let mut cases: Vec<(String, edgeplay_nn::Graph, usize, usize)> = Vec::new();
    for t in [false, true] {
        for (i, &(k, s, p)) in [(1, 1, 0), (3, 1, 1), (3, 2, 1), (5, 2, 2), (4, 2, 1), (3, 3, 0)].iter().enumerate() {
            let (cin, cout) = [(8, 12), (6, 3)][i % 2];
            let op = if t && s > 1 { i % s } else { 0 };
            let act = [Act::None, Act::Relu, Act::Clip(-0.3, 0.4)][i % 3];
            let name = format!("{} k{k} s{s} p{p} op{op} {cin}→{cout} on 13x21", if t { "convT" } else { "conv" });
            cases.push((name, single(testing::conv(&mut rnd, t, cin, cout, 1, k, s, p, op, act), cin), 13, 21));
        }
    }
    cases.push(("depthwise k3 s2 on 17x11".into(), single(testing::conv(&mut rnd, false, 7, 7, 7, 3, 2, 1, 0, Act::Clip(0.0, 6.0)), 7), 17, 11));
    cases.push(("depthwise k5 s1 on 17x11".into(), single(testing::conv(&mut rnd, false, 7, 7, 7, 5, 1, 2, 0, Act::None), 7), 17, 11));
    cases.push(("grouped k3 on 17x11".into(), single(testing::conv(&mut rnd, false, 8, 6, 2, 3, 1, 1, 0, Act::Relu), 8), 17, 11));
    for inverse in [false, true] {
        let (beta, gamma) = (rnd(13).iter().map(|v| 1.0 + v.abs()).collect(), rnd(169).iter().map(|v| 0.1 * v.abs()).collect());
        cases.push((format!("{} 13 ch on 9x14", if inverse { "igdn" } else { "gdn" }), single(Op::Gdn { inverse, beta, gamma }, 13), 9, 14));
    }
    cases.push(("residual adds fused on 11x7".into(), testing::residual_graph(&mut rnd), 11, 7));
    let mut rows = Vec::new();
    for (layer, graph, h, w) in cases {
        let x = Tensor::new(graph.in_channels, h, w, rnd(graph.in_channels * h * w)).map_err(err)?;
        let want = cpu::run(&graph, &x).map_err(err)?;
        let gg = GpuGraph::new(&g, &graph);
        let (got, _) = gg.run(&x).await.map_err(err)?;
        if got.shape() != want.shape() {
            return Err(JsError::new(&format!("{layer}: shape {:?} vs {:?}", got.shape(), want.shape())));
        }
        rows.push(LayerCheck { layer, rel_err: got.rel_max_err(&want), dispatches: gg.dispatches().len() });
    }
    to_js(&rows)
}

/// PSNR-RGB and MS-SSIM of two RGBA images of one size (alpha ignored), exactly as
/// `edgeplay rd` computes them: `{psnr, msSsim}`.
#[wasm_bindgen]
pub fn image_quality(a: &[u8], b: &[u8], width: u32, height: u32) -> Result<JsValue, JsError> {
    edgeplay_web::quality_js(a, b, width, height)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TransformTime {
    part: String,
    engine: &'static str,
    width: usize,
    height: usize,
    median_ms: f64,
    min_ms: f64,
    reps: u32,
}

/// Wall-clock time of one transform (`"g_a"`, `"h_a"` or `"g_s"`) of a `width` x `height`
/// image on `engine` (`"cpu"`: tract in wasm; `"gpu"`: our WGSL kernels, including upload
/// and readback), on a fixed pseudo-random input: median and minimum of `reps` runs after
/// one warm-up. The benchmark against onnxruntime-web (`scripts/bench-compress.mjs`).
#[wasm_bindgen]
pub async fn pcodec_time_transform(part: &str, width: u32, height: u32, engine: &str, reps: u32) -> Result<JsValue, JsError> {
    let model = model()?;
    let idx = match part {
        "g_a" => pcodec::G_A,
        "h_a" => pcodec::H_A,
        "g_s" => pcodec::G_S,
        _ => return Err(JsError::new(&format!("no transform {part:?} (g_a, h_a, g_s)"))),
    };
    let (w, h) = ((width as usize).next_multiple_of(pcodec::ALIGN), (height as usize).next_multiple_of(pcodec::ALIGN));
    let [c, th, tw] = match idx {
        pcodec::G_A => [3, h, w],
        _ => [model.m, h / 16, w / 16],
    };
    let x = Tensor::new(c, th, tw, (0..c * th * tw).map(|i| ((i as u64 * 2654435761) % 1000) as f32 / 500.0 - 1.0).collect()).map_err(err)?;
    let gm;
    let (eng, name) = match engine {
        "cpu" => (Engine::Cpu, "cpu"),
        "gpu" => {
            gm = model.gpu(&rt().device().await.map_err(err)?);
            (Engine::Gpu(&gm), "gpu")
        }
        _ => return Err(JsError::new("engine must be \"cpu\" or \"gpu\"")),
    };
    eng.run(&model, idx, &x).await.map_err(err)?;
    let mut t = Vec::new();
    for _ in 0..reps.max(1) {
        let sw = Stopwatch::start();
        eng.run(&model, idx, &x).await.map_err(err)?;
        t.push(sw.ms());
    }
    t.sort_by(|a, b| a.total_cmp(b));
    to_js(&TransformTime { part: part.into(), engine: name, width: w, height: h, median_ms: t[t.len() / 2], min_ms: t[0], reps: reps.max(1) })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NetworkTime {
    engine: String,
    median_ms: f64,
    min_ms: f64,
    /// Median GPU time of the compute pass from timestamp queries (WGSL engines, when the
    /// adapter has them).
    gpu_ms: Option<f64>,
    reps: u32,
    /// The executor's dispatches (WGSL engines).
    dispatches: usize,
}

/// Wall-clock time of one run of an ONNX network (`bytes`) on a fixed pseudo-random
/// `c` x `h` x `w` input, on `engine`: `"tract"` (our CPU path), `"wgsl"` (our WGSL executor
/// with its tiled kernels) or `"wgsl-simple"` (the first, simple kernels) — including the
/// upload and the readback; median and minimum of `reps` runs after one warm-up. The
/// benchmark against onnxruntime-web (`scripts/bench-nn.mjs`).
#[wasm_bindgen]
pub async fn nn_time(bytes: &[u8], c: u32, h: u32, w: u32, engine: &str, reps: u32) -> Result<JsValue, JsError> {
    use edgeplay_nn::gpu::{GpuGraph, Kernels};
    let (c, h, w) = (c as usize, h as usize, w as usize);
    let n = c.checked_mul(h).and_then(|v| v.checked_mul(w)).filter(|&n| n <= 1 << 26).ok_or_else(|| JsError::new("input too large"))?;
    let x = Tensor::new(c, h, w, (0..n).map(|i| ((i as u64 * 2654435761) % 1000) as f32 / 500.0 - 1.0).collect()).map_err(err)?;
    let reps = reps.clamp(1, 100);
    let mut t = Vec::new();
    let mut gpu_t = Vec::new();
    let mut dispatches = 0;
    match engine {
        "tract" => {
            let m = edgeplay_nn::reference::TractModel::from_onnx(bytes, c).map_err(err)?;
            for i in 0..=reps {
                let sw = Stopwatch::start();
                m.run(&x).map_err(err)?;
                if i > 0 {
                    t.push(sw.ms());
                }
            }
        }
        "wgsl" | "wgsl-simple" => {
            let graph = edgeplay_nn::Graph::from_onnx(bytes).map_err(err)?;
            let kernels = if engine == "wgsl" { Kernels::Tiled } else { Kernels::Simple };
            let gg = GpuGraph::with_kernels(&rt().device().await.map_err(err)?, &graph, kernels);
            for i in 0..=reps {
                let sw = Stopwatch::start();
                let (_, timing) = gg.run(&x).await.map_err(err)?;
                if i > 0 {
                    t.push(sw.ms());
                    if timing.clock == edgeplay_gpu::Clock::GpuTimestamp {
                        gpu_t.push(timing.ms);
                    }
                }
            }
            dispatches = gg.dispatches().len();
        }
        _ => return Err(JsError::new("engine must be \"tract\", \"wgsl\" or \"wgsl-simple\"")),
    }
    let med = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let min = t.iter().copied().fold(f64::INFINITY, f64::min);
    to_js(&NetworkTime { engine: engine.into(), median_ms: med(t), min_ms: min, gpu_ms: (!gpu_t.is_empty()).then(|| med(gpu_t)), reps, dispatches })
}
