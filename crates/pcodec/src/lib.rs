//! Progressive neural image codec: a learned transform codec (analysis g_a, synthesis g_s,
//! scale hyperprior h_a/h_s; `models/pcodec/`) whose latents are sent by nested quantization
//! and latent ordering, after Lu, Yang, Zhu, Said and Cohen, "Progressive Neural Image
//! Compression with Nested Quantization and Latent Ordering" (ICIP 2021).
//!
//! Stream: header, then one range-coded stream of
//! 1. the hyper-latent z (per-channel discretised logistic prior),
//! 2. level 0: every latent's index on the step-9 grid,
//! 3. level 1, level 2: one ternary refinement per latent (step 3, then step 1),
//!
//! where, within each level, latents go in decreasing order of their hyperprior scale σ
//! (ties by position) — an order the decoder rebuilds from z alone. Every symbol is coded
//! with the Gaussian mass of its cell under N(0, σ²) (σ snapped to a 64-entry log table).
//! Any byte prefix decodes: the decoder stops at the first symbol the prefix does not
//! determine, and every latent sits at the conditional mean of the finest cell it knows.

use std::path::Path;

use constriction::stream::queue::{DefaultRangeEncoder, RangeDecoder};
use constriction::stream::{Decode, Encode};
use edgeplay_gpu::{Gpu, Ran, Runtime};
use edgeplay_nn::gpu::GpuGraph;
use edgeplay_nn::reference::TractModel;
use edgeplay_nn::{cpu, Graph, Tensor};
use sha2::{Digest, Sha256};

pub mod entropy;
mod header;
pub mod single;

pub use edgeplay_core::{Image, ImageError};
pub use header::{Header, MAX_PIXELS, MAX_SIDE};

use entropy::{Models, A_MAX, F_MAX, Z_MAX};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not a progressive-codec stream (bad magic)")]
    BadMagic,
    #[error("stream too short for its header ({0} bytes)")]
    ShortHeader(usize),
    #[error("unsupported stream version {0}")]
    Version(u8),
    #[error("invalid header: {0}")]
    InvalidHeader(&'static str),
    #[error("image {0}x{1} exceeds the limits (8192 per side, 2^24 pixels)")]
    TooLarge(u32, u32),
    #[error("stream was made with model {stream} but the loaded model is {model}")]
    ModelMismatch { stream: String, model: String },
    #[error("model files: {0}")]
    Model(String),
    #[error("input: {0}")]
    Input(String),
    #[error(transparent)]
    Nn(#[from] edgeplay_nn::Error),
    #[error(transparent)]
    Image(#[from] ImageError),
}

impl From<edgeplay_gpu::GpuError> for Error {
    fn from(e: edgeplay_gpu::GpuError) -> Self {
        Error::Nn(e.into())
    }
}

/// Images are padded (edge replication) to a multiple of this before the transforms.
pub const ALIGN: usize = 64;

#[derive(serde::Deserialize)]
struct Tables {
    format: String,
    version: u32,
    n: usize,
    m: usize,
    steps: Vec<f64>,
    sigma_min: f64,
    z_prior: ZPrior,
    onnx_sha256: std::collections::HashMap<String, String>,
    #[serde(default)]
    step: u64,
}

#[derive(serde::Deserialize)]
struct ZPrior {
    kind: String,
    loc: Vec<f64>,
    scale: Vec<f64>,
}

/// The four ONNX networks of a trained model plus its entropy tables.
pub struct Model {
    pub id: String,
    /// First 8 bytes of the SHA-256 of tables.json (which holds the networks' hashes).
    pub hash: [u8; 8],
    pub n: usize,
    pub m: usize,
    /// Training iterations of the exported checkpoint.
    pub step: u64,
    pub graphs: [Graph; 4],
    tract: [TractModel; 3],
    z_models: Vec<entropy::Model>,
    /// The transforms on the last GPU device asked for ([`Model::gpu`]).
    gpu: std::sync::Mutex<Option<(Gpu, std::sync::Arc<GpuModel>)>>,
    /// Measured GPU/CPU choices for analysis (encode) and synthesis (decode): [`Model::choose`].
    choices: [edgeplay_gpu::PathChoice; 2],
}

/// What [`on_measured_path`] runs: the encoder's transforms or the decoder's synthesis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    Analysis,
    Synthesis,
}

/// The networks' file names, in `Model::graphs` order.
pub const PARTS: [&str; 4] = ["g_a", "g_s", "h_a", "h_s"];
/// Indices into [`PARTS`] / `Model::graphs`.
pub const G_A: usize = 0;
pub const G_S: usize = 1;
pub const H_A: usize = 2;
pub const H_S: usize = 3;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl Model {
    /// Loads `tables.json`, `g_a.onnx`, `g_s.onnx`, `h_a.onnx`, `h_s.onnx` from `dir`.
    pub fn load(dir: &Path) -> Result<Model, Error> {
        let read = |f: &str| std::fs::read(dir.join(f)).map_err(|e| Error::Model(format!("{}: {e}", dir.join(f).display())));
        let tables = read("tables.json")?;
        let nets = [read("g_a.onnx")?, read("g_s.onnx")?, read("h_a.onnx")?, read("h_s.onnx")?];
        Model::from_bytes(&tables, [&nets[0], &nets[1], &nets[2], &nets[3]])
    }

    /// Builds the model from the bytes of tables.json and the four networks (in [`PARTS`]
    /// order), checking every network against the hash recorded in the tables.
    pub fn from_bytes(tables: &[u8], nets: [&[u8]; 4]) -> Result<Model, Error> {
        let t: Tables = serde_json::from_slice(tables).map_err(|e| Error::Model(format!("tables.json: {e}")))?;
        if t.format != "edgeplay-pcodec-tables" || t.version != 1 {
            return Err(Error::Model(format!("tables.json: format {:?} version {} (expected edgeplay-pcodec-tables 1)", t.format, t.version)));
        }
        let steps: Vec<i32> = t.steps.iter().map(|&s| s as i32).collect();
        if steps != entropy::STEPS || t.sigma_min != entropy::SIGMA_MIN {
            return Err(Error::Model(format!("tables.json: steps {:?}, sigma_min {} (this decoder: {:?}, {})", t.steps, t.sigma_min, entropy::STEPS, entropy::SIGMA_MIN)));
        }
        if t.z_prior.kind != "logistic" || t.z_prior.loc.len() != t.n || t.z_prior.scale.len() != t.n || t.z_prior.scale.iter().any(|&s| !(s > 0.0 && s.is_finite())) {
            return Err(Error::Model("tables.json: z prior must be logistic with n positive scales".into()));
        }
        for (name, bytes) in PARTS.iter().zip(nets) {
            let want = t.onnx_sha256.get(*name).ok_or_else(|| Error::Model(format!("tables.json has no hash for {name}.onnx")))?;
            let got = hex(&Sha256::digest(bytes));
            if &got != want {
                return Err(Error::Model(format!("{name}.onnx does not match tables.json (sha256 {}…, expected {}…): files from different exports", &got[..12], &want[..want.len().min(12)])));
            }
        }
        let graphs = [Graph::from_onnx(nets[0])?, Graph::from_onnx(nets[1])?, Graph::from_onnx(nets[2])?, Graph::from_onnx(nets[3])?];
        let chans = [3, t.m, t.m, t.n];
        for (i, g) in graphs.iter().enumerate() {
            if g.in_channels != chans[i] {
                return Err(Error::Model(format!("{}.onnx takes {} channels, tables say {}", PARTS[i], g.in_channels, chans[i])));
            }
        }
        let tract = [
            TractModel::from_onnx(nets[G_A], 3)?,
            TractModel::from_onnx(nets[G_S], t.m)?,
            TractModel::from_onnx(nets[H_A], t.m)?,
        ];
        let hash: [u8; 8] = Sha256::digest(tables)[..8].try_into().expect("8 bytes");
        Ok(Model {
            id: format!("pcodec-n{}-m{}", t.n, t.m),
            hash,
            n: t.n,
            m: t.m,
            step: t.step,
            graphs,
            tract,
            z_models: entropy::z_models(&t.z_prior.loc, &t.z_prior.scale),
            gpu: Default::default(),
            choices: Default::default(),
        })
    }

    /// The full model id with its hash, as errors and the CLI print it.
    pub fn name(&self) -> String {
        format!("{}#{}", self.id, hex(&self.hash))
    }

    /// The transforms on `g`, uploaded on first use and kept until another device is asked for.
    #[allow(clippy::arc_with_non_send_sync)] // wgpu objects are not Send in the browser
    pub fn gpu(&self, g: &Gpu) -> std::sync::Arc<GpuModel> {
        let mut cache = self.gpu.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((dev, gm)) = &*cache {
            if dev.same_device(g) {
                return gm.clone();
            }
        }
        let gm = std::sync::Arc::new(self.on_gpu(g));
        *cache = Some((g.clone(), gm.clone()));
        gm
    }

    /// Uploads the transforms to a GPU.
    pub fn on_gpu(&self, gpu: &Gpu) -> GpuModel {
        GpuModel { g_a: GpuGraph::new(gpu, &self.graphs[G_A]), g_s: GpuGraph::new(gpu, &self.graphs[G_S]), h_a: GpuGraph::new(gpu, &self.graphs[H_A]) }
    }

    /// σ from the hyper-latent, on the deterministic interpreter (bit-identical everywhere).
    pub fn sigma(&self, z: &Tensor) -> Result<Tensor, Error> {
        Ok(cpu::run(&self.graphs[H_S], z)?)
    }
}

/// The transforms resident on a GPU.
pub struct GpuModel {
    g_a: GpuGraph,
    g_s: GpuGraph,
    h_a: GpuGraph,
}

/// Where the analysis and synthesis transforms run.
#[derive(Clone, Copy)]
pub enum Engine<'a> {
    /// tract-onnx on the CPU.
    Cpu,
    Gpu(&'a GpuModel),
}

impl Engine<'_> {
    /// Runs one of the transforms ([`G_A`], [`G_S`] or [`H_A`]; σ from [`H_S`] always runs
    /// on the deterministic interpreter, see [`Model::sigma`]).
    pub async fn run(&self, model: &Model, part: usize, x: &Tensor) -> Result<Tensor, Error> {
        if part == H_S || part >= PARTS.len() {
            return Err(Error::Input(format!("Engine::run: part {part} is not g_a, g_s or h_a")));
        }
        Ok(match self {
            Engine::Cpu => model.tract[part].run(x)?,
            Engine::Gpu(g) => {
                let gg = match part {
                    G_A => &g.g_a,
                    G_S => &g.g_s,
                    _ => &g.h_a,
                };
                gg.run(x).await?.0
            }
        })
    }
}

/// RGB image → padded CHW tensor in [0, 1].
/// Runs `f` with the transforms on the runtime's GPU (our WGSL executor) or on tract, by the
/// runtime's one fallback rule ([`Runtime::run`]): what the web module and the CLI use.
pub async fn on_runtime<T>(rt: &Runtime, model: &Model, f: impl AsyncFn(Engine<'_>) -> Result<T, Error>) -> Result<Ran<T>, Error> {
    rt.run(async |g| f(Engine::Gpu(&model.gpu(g))).await, async || f(Engine::Cpu).await).await
}

/// Like [`on_runtime`], but under the automatic backend the GPU runs `work` only where it was
/// measured faster than tract for images of this size ([`edgeplay_gpu::PathChoice`]): what
/// the page uses, so a slow adapter (SwiftShader) does not make the slider crawl.
pub async fn on_measured_path<T>(rt: &Runtime, model: &Model, work: Work, width: u32, height: u32, f: impl AsyncFn(Engine<'_>) -> Result<T, Error>) -> Result<Ran<T>, Error> {
    let key = (u64::from(width) << 32) | u64::from(height);
    model.choices[work as usize].run(rt, key, async |g| f(Engine::Gpu(&model.gpu(g))).await, async || f(Engine::Cpu).await).await
}

pub fn to_tensor(img: &Image) -> Result<Tensor, Error> {
    if img.channels != 3 {
        return Err(Error::Input("the progressive codec takes RGB images".into()));
    }
    let (w, h) = (img.width as usize, img.height as usize);
    let (pw, ph) = (w.next_multiple_of(ALIGN), h.next_multiple_of(ALIGN));
    let mut t = Tensor::zeros(3, ph, pw);
    for c in 0..3 {
        for y in 0..ph {
            for x in 0..pw {
                let v = img.data[(y.min(h - 1) * w + x.min(w - 1)) * 3 + c];
                t.data[(c * ph + y) * pw + x] = v as f32 / 255.0;
            }
        }
    }
    Ok(t)
}

/// CHW tensor in [0, 1] → RGB image cropped to `w` x `h`.
pub fn to_image(t: &Tensor, w: u32, h: u32) -> Image {
    let (w, h) = (w as usize, h as usize);
    let mut data = vec![0u8; w * h * 3];
    for y in 0..h.min(t.h) {
        for x in 0..w.min(t.w) {
            for c in 0..3 {
                let v = t.data[(c * t.h + y) * t.w + x];
                data[(y * w + x) * 3 + c] = (v * 255.0).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    Image { width: w as u32, height: h as u32, channels: 3, data }
}

/// Latent positions in coding order: decreasing table scale, ties by position.
fn order(scales: &[u8]) -> Vec<u32> {
    let mut o: Vec<u32> = (0..scales.len() as u32).collect();
    o.sort_by_key(|&i| std::cmp::Reverse(scales[i as usize]));
    o
}

/// Encodes `img` into one progressive stream (all levels; truncate it for lower rates).
pub async fn encode(model: &Model, img: &Image, engine: Engine<'_>) -> Result<Vec<u8>, Error> {
    let (y, z) = analyze(model, img, engine).await?;
    encode_latents(model, img.width, img.height, &y, &z)
}

/// The analysis transforms: latents y and hyper-latents z (unquantized).
pub async fn analyze(model: &Model, img: &Image, engine: Engine<'_>) -> Result<(Tensor, Tensor), Error> {
    Header::check_size(img.width, img.height)?;
    let x = to_tensor(img)?;
    let y = engine.run(model, G_A, &x).await?;
    let z = engine.run(model, H_A, &y).await?;
    Ok((y, z))
}

/// The synthesis transform of latents, cropped to `width` x `height`.
pub async fn synthesize(model: &Model, y: &Tensor, width: u32, height: u32, engine: Engine<'_>) -> Result<Image, Error> {
    Ok(to_image(&engine.run(model, G_S, y).await?, width, height))
}

/// Header length of streams of this model.
pub fn header_len(model: &Model) -> usize {
    Header { model_hash: model.hash, model_id: model.id.clone(), width: 1, height: 1 }.encoded_len()
}

/// Quantizes the hyper-latent, range-codes it under the per-channel prior and returns the σ
/// the decoder will compute from it (the first part of every stream, progressive or not).
pub(crate) fn code_z(model: &Model, z: &Tensor, enc: &mut DefaultRangeEncoder) -> Result<Tensor, Error> {
    let zq = Tensor { data: z.data.iter().map(|v| (v + 0.5).floor().clamp(-Z_MAX as f32, Z_MAX as f32)).collect(), ..z.clone() };
    let plane = zq.h * zq.w;
    for (i, v) in zq.data.iter().enumerate() {
        let sym = (*v as i32 + Z_MAX) as usize;
        enc.encode_symbol(sym, &model.z_models[i / plane]).map_err(|e| Error::Input(format!("z: {e:?}")))?;
    }
    model.sigma(&zq)
}

/// The entropy-coding half of [`encode`], from the analysis transform's outputs.
pub fn encode_latents(model: &Model, width: u32, height: u32, y: &Tensor, z: &Tensor) -> Result<Vec<u8>, Error> {
    let mut enc = DefaultRangeEncoder::new();
    let sigma = code_z(model, z, &mut enc)?;
    if sigma.shape() != y.shape() {
        return Err(Error::Model(format!("σ {:?} vs latents {:?}", sigma.shape(), y.shape())));
    }
    let scales: Vec<u8> = sigma.data.iter().map(|&s| entropy::scale_index(s)).collect();
    let ord = order(&scales);
    let fine: Vec<i32> = y.data.iter().map(|v| ((v + 0.5).floor() as i32).clamp(-F_MAX, F_MAX)).collect();
    let mut models = Models::default();
    let err = |e| Error::Input(format!("latent: {e:?}"));
    for &i in &ord {
        let (a, _, _) = entropy::split(fine[i as usize]);
        enc.encode_symbol((a + A_MAX) as usize, models.level0(scales[i as usize])).map_err(err)?;
    }
    for (lvl, step) in [(1, 3), (2, 1)] {
        for &i in &ord {
            let (a, b, c) = entropy::split(fine[i as usize]);
            let p0 = entropy::level0_cell(a);
            let (parent, d) = if lvl == 1 { (p0, b) } else { (entropy::sub_cell(p0, 3, b), c) };
            enc.encode_symbol((d + 1) as usize, models.refine(scales[i as usize], parent, step)).map_err(err)?;
        }
    }
    let mut words = enc.into_compressed().unwrap_or_else(|e| match e {});
    // The decoder reads up to two words ahead of the symbol it decodes; two zero words (what
    // a sealed range coder implies past its end) let it tell that the last symbols are
    // determined by the stream.
    words.extend([0, 0]);
    let header = Header { model_hash: model.hash, model_id: model.id.clone(), width, height };
    let mut out = header.to_bytes();
    out.extend(words.iter().flat_map(|w| w.to_le_bytes()));
    Ok(out)
}

/// A parsed stream, entropy-decoded once as far as its bytes go; [`Decoder::latents`] then
/// rebuilds the latents any shorter prefix would give, without decoding again.
pub struct Decoder {
    pub header: Header,
    header_len: usize,
    /// Latent tensor shape (m, h/16, w/16) and hyper-latent shape.
    y_shape: [usize; 3],
    sigma: Vec<f32>,
    order: Vec<u32>,
    /// Decoded symbols in stream order (z, then level 0, 1, 2 in `order`).
    symbols: Vec<i8>,
    /// Words the decoder had read before each symbol: a prefix of `k` payload words
    /// determines exactly the symbols with `need <= k`.
    need: Vec<u32>,
    nz: usize,
}

impl Decoder {
    pub fn new(model: &Model, data: &[u8]) -> Result<Decoder, Error> {
        let (header, header_len) = Header::parse(data)?;
        if header.model_hash != model.hash || header.model_id != model.id {
            return Err(Error::ModelMismatch { stream: format!("{}#{}", header.model_id, hex(&header.model_hash)), model: model.name() });
        }
        let (pw, ph) = ((header.width as usize).next_multiple_of(ALIGN), (header.height as usize).next_multiple_of(ALIGN));
        let y_shape = [model.m, ph / 16, pw / 16];
        let z_shape = [model.n, ph / 64, pw / 64];
        let payload = &data[header_len..];
        let avail = payload.len() / 4;
        let (words, reads) = entropy::PrefixWords::new(payload);
        let mut dec: RangeDecoder<u32, u64, _> = RangeDecoder::with_backend(words).unwrap_or_else(|e| match e {});
        let nz = z_shape.iter().product::<usize>();
        let ny = y_shape.iter().product::<usize>();
        let mut symbols = Vec::new();
        let mut need = Vec::new();
        // z
        let mut zq = Tensor::zeros(z_shape[0], z_shape[1], z_shape[2]);
        let plane = z_shape[1] * z_shape[2];
        let mut complete = true;
        for i in 0..nz {
            if reads.get() > avail {
                complete = false;
                break;
            }
            need.push(reads.get() as u32);
            // Invalid data (only in corrupt streams) ends the decodable prefix.
            let Ok(s) = dec.decode_symbol(&model.z_models[i / plane]) else {
                need.pop();
                complete = false;
                break;
            };
            zq.data[i] = (s as i32 - Z_MAX) as f32;
            symbols.push(0);
        }
        let (sigma, order) = if complete {
            let sigma = model.sigma(&zq)?;
            if sigma.shape() != y_shape {
                return Err(Error::Model(format!("σ {:?} vs latents {y_shape:?}", sigma.shape())));
            }
            let scales: Vec<u8> = sigma.data.iter().map(|&s| entropy::scale_index(s)).collect();
            let ord = order(&scales);
            let mut models = Models::default();
            let mut a_of = vec![0i32; ny];
            let mut b_of = vec![0i32; ny];
            'levels: for lvl in 0..3 {
                for &i in &ord {
                    if reads.get() > avail {
                        break 'levels;
                    }
                    need.push(reads.get() as u32);
                    let i = i as usize;
                    let k = scales[i];
                    let decoded = match lvl {
                        0 => dec.decode_symbol(models.level0(k)).map(|s| {
                            a_of[i] = s as i32 - A_MAX;
                            a_of[i]
                        }),
                        1 => dec.decode_symbol(models.refine(k, entropy::level0_cell(a_of[i]), 3)).map(|s| {
                            b_of[i] = s as i32 - 1;
                            b_of[i]
                        }),
                        _ => {
                            let p = entropy::sub_cell(entropy::level0_cell(a_of[i]), 3, b_of[i]);
                            dec.decode_symbol(models.refine(k, p, 1)).map(|s| s as i32 - 1)
                        }
                    };
                    let Ok(sym) = decoded else {
                        need.pop();
                        break 'levels;
                    };
                    symbols.push(sym as i8);
                }
            }
            (sigma.data, ord)
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Decoder { header, header_len, y_shape, sigma, order, symbols, need, nz })
    }

    /// Bytes of the stream this decoder was given that carry symbols (header included).
    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// Symbols determined by the first `bytes` bytes of the stream (header included).
    pub fn symbols_at(&self, bytes: usize) -> usize {
        let k = (bytes.saturating_sub(self.header_len) / 4) as u32;
        self.need.partition_point(|&n| n <= k)
    }

    /// The latents the first `bytes` bytes of the stream give (every latent at the
    /// conditional mean of the finest cell known; 0 while z is incomplete).
    pub fn latents(&self, bytes: usize) -> Tensor {
        let [m, h, w] = self.y_shape;
        let mut y = Tensor::zeros(m, h, w);
        let d = self.symbols_at(bytes);
        if d < self.nz || self.sigma.is_empty() {
            return y;
        }
        let ny = self.order.len();
        let known = |lvl: usize, r: usize| self.nz + lvl * ny + r < d;
        for (r, &i) in self.order.iter().enumerate() {
            if !known(0, r) {
                continue;
            }
            let sym = |lvl: usize| self.symbols[self.nz + lvl * ny + r] as i32;
            let mut cell = entropy::level0_cell(sym(0));
            if known(1, r) {
                cell = entropy::sub_cell(cell, 3, sym(1));
                if known(2, r) {
                    cell = entropy::sub_cell(cell, 1, sym(2));
                }
            }
            let s = self.sigma[i as usize].max(entropy::SIGMA_MIN as f32) as f64;
            y.data[i as usize] = if cell.0 == cell.1 && cell.0.abs() < F_MAX { cell.0 as f32 } else { entropy::conditional_mean(cell.0, cell.1, s) };
        }
        y
    }

    /// Decodes the image the first `bytes` bytes give.
    pub async fn decode(&self, model: &Model, bytes: usize, engine: Engine<'_>) -> Result<Image, Error> {
        synthesize(model, &self.latents(bytes), self.header.width, self.header.height, engine).await
    }
}

/// Decodes a (possibly truncated) stream at its full length.
pub async fn decode(model: &Model, data: &[u8], engine: Engine<'_>) -> Result<Image, Error> {
    let d = Decoder::new(model, data)?;
    d.decode(model, data.len(), engine).await
}
