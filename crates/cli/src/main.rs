//! `edgeplay`: the command-line face of the same crates the playground runs in WebAssembly.

mod channel;
mod depth;
mod video;
mod nas;
mod rd;
mod wifi;

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use edgeplay_gpu::{Backend, Gpu, Runtime, Stopwatch};
use edgeplay_wavelet::{self as wavelet, Plane};

#[derive(Parser)]
#[command(name = "edgeplay", version, about = "Edgeplay's algorithms from the terminal")]
struct Cli {
    /// auto (GPU if there is one), gpu or cpu
    #[arg(long, global = true, default_value = "auto")]
    backend: String,
    /// The model: for the progressive codec its export folder (tables.json + four ONNX
    /// networks; default models/pcodec/export), for `depth` an ONNX depth network (default
    /// models/fastdepth/fastdepth.onnx).
    #[arg(long, global = true)]
    model: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Which path runs here: the GPU adapter or the CPU, and why.
    Info,
    /// Depth of a picture (16-bit PNG in millimetres, or a colour picture with --colormap;
    /// point cloud with --ply), or the accuracy over RGB-D pairs with --eval DIR.
    Depth {
        /// A picture (PNG or JPEG).
        input: Option<PathBuf>,
        #[arg(long)]
        out: Option<PathBuf>,
        /// turbo, viridis, inferno or grey: write a colour picture instead of 16-bit depth.
        #[arg(long)]
        colormap: Option<String>,
        /// Reverse the colour scale (far in warm colours).
        #[arg(long)]
        swap: bool,
        /// Write the point cloud (binary PLY with colours).
        #[arg(long)]
        ply: Option<PathBuf>,
        /// Horizontal field of view of the camera for the point cloud, degrees.
        #[arg(long, default_value_t = 60.0)]
        fov: f32,
        /// Evaluate over a folder of NAME.color.{png,jpg} + NAME.depth.png pairs.
        #[arg(long)]
        eval: Option<PathBuf>,
        /// With --eval: only pairs whose name ends in a number in A..B (inclusive), e.g.
        /// 240..299 for the kitchen video's held-out frames.
        #[arg(long)]
        frames: Option<String>,
        /// Time N runs on the picture (default a 640x480 kitchen-sized test card): median ms
        /// per frame incl. both resizes, and of the network alone, after one warm-up.
        #[arg(long)]
        bench: Option<usize>,
        /// A network you bring outputs relative inverse depth (MiDaS, Depth Anything):
        /// ImageNet normalisation, median scaling in --eval.
        #[arg(long)]
        relative: bool,
        /// Network input size WxH when the ONNX file does not declare one.
        #[arg(long)]
        size: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Code a clip (.y4m or a folder of PNG/JPEG frames) with IPP or hierarchical-B GOPs:
    /// per-frame type, bytes and PSNR; --rd: both structures over the quantizer ladder and
    /// the BD-rate between them. Given a saved stream (--save), decodes it (--bytes: a prefix).
    Video {
        input: PathBuf,
        /// ipp or ib (hierarchical B-frames).
        #[arg(long, default_value = "ib")]
        gop: String,
        /// GOP size of ib: 2, 4, 8 or 16.
        #[arg(long, default_value_t = 8)]
        gop_size: u8,
        /// Frames to read from the clip.
        #[arg(long, default_value_t = 33)]
        frames: usize,
        /// Quantizer step of the clip (per-frame factors on top; default 8).
        #[arg(long, conflicts_with = "bpp")]
        q: Option<f32>,
        /// Target bits per pixel (the step is searched).
        #[arg(long)]
        bpp: Option<f64>,
        /// Motion block size, 8 or 16.
        #[arg(long, default_value_t = 16)]
        block: usize,
        /// Larger frames are downscaled by an integer factor to fit.
        #[arg(long, default_value_t = 1920)]
        max_side: usize,
        #[arg(long)]
        rd: bool,
        /// Write the stream.
        #[arg(long)]
        save: Option<PathBuf>,
        /// Write the decoded frames (PNG) into this folder.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Decode only the first bytes of a saved stream.
        #[arg(long)]
        bytes: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// CDF 9/7 decomposition of an image's luma, rendered as the widget shows it.
    Wavelet {
        input: PathBuf,
        #[arg(long, default_value_t = 3)]
        levels: u32,
        /// Write the subband picture (PNG).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Encode an image (PNG, JPEG, PNM) into an embedded stream.
    Encode {
        /// `spiht` or `progressive` (the neural codec; see --model).
        #[arg(long, default_value = "spiht")]
        codec: String,
        /// Context-adaptive arithmetic coding ("SPIHT-AC") instead of plain bits.
        #[arg(long)]
        ac: bool,
        /// Grey (luma) instead of colour.
        #[arg(long)]
        grey: bool,
        #[command(flatten)]
        rate: Rate,
        input: PathBuf,
        output: PathBuf,
    },
    /// Decode a stream, or just its first bytes (any prefix decodes).
    Decode {
        #[command(flatten)]
        rate: Rate,
        input: PathBuf,
        output: PathBuf,
    },
    /// Rate–distortion table: bpp, PSNR-RGB, PSNR-Y, MS-SSIM per image and mean.
    Rd {
        /// Comma-separated: spiht, spiht-ac, jpeg, jpeg2000, progressive, progressive-single.
        #[arg(long, default_value = "spiht,spiht-ac,jpeg,jpeg2000")]
        codec: String,
        /// Folder of images (PNG/JPEG/PNM), or single files.
        #[arg(long, num_args = 1.., required = true)]
        images: Vec<PathBuf>,
        #[arg(long, default_value = "0.125,0.25,0.5,1,2")]
        bpp: String,
        /// Code the luma only (grey images).
        #[arg(long)]
        grey: bool,
        /// Centre crop to WxH first (e.g. 512x512).
        #[arg(long)]
        crop: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Read Nexmon CSI captures (pcap/pcapng): packets kept and skipped, access point,
    /// channel, bandwidth, subcarriers.
    Csi {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// DONNA-style hardware-aware architecture search on the NATS-Bench table.
    Nas {
        #[command(subcommand)]
        what: NasCmd,
    },
    /// WiCluster-style weakly supervised Wi-Fi positioning and its baselines on the
    /// CSUIndoorLoc captures (one path or all), or on a simulated scene.
    Wifi {
        /// The CSUIndoorLoc folder (with locations/ and data/).
        #[arg(long, default_value = "../shared/datasets/csi-csu")]
        data: PathBuf,
        /// Path 1–5 (default: all five).
        #[arg(long)]
        path: Option<u32>,
        /// Simulated scene instead of real data: office (2-D) or home (3-D, two storeys).
        #[arg(long)]
        sim: Option<String>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Packets per zone that carry a zone label (default: all).
        #[arg(long)]
        labelled: Option<usize>,
        #[arg(long, default_value_t = 1500)]
        steps: usize,
        /// Standard deviation of the noise added to the standardised CSI while training.
        #[arg(long, default_value_t = 0.5)]
        csi_noise: f32,
        #[arg(long)]
        json: bool,
    },
    /// Wireless channel tracking: NMSE of the genie and fixed Kalman filters, an LSTM and the
    /// hypernetwork Kalman filter (HKF) over Doppler, SNR and pilot spacing, with the shipped
    /// networks (models/channel) or networks trained here (--train).
    Channel {
        /// Training Doppler range A..B (normalised, f_D·T); shipped: 0.002..0.05 and 0.005..0.01.
        #[arg(long)]
        train_doppler: Option<String>,
        /// Training SNR range A..B in dB.
        #[arg(long, default_value = "0..20")]
        train_snr: String,
        /// A pilot every this many steps (training, and the Doppler and SNR tables).
        #[arg(long, default_value_t = 2)]
        spacing: usize,
        /// SNR (dB) of the Doppler and spacing tables.
        #[arg(long, default_value_t = 10.0)]
        snr: f64,
        /// Doppler of the SNR and spacing tables.
        #[arg(long, default_value_t = 0.01)]
        doppler: f64,
        /// A shipped setting by name: wide or narrow.
        #[arg(long)]
        preset: Option<String>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Train the networks here from the seed (about 4 minutes on two cores).
        #[arg(long)]
        train: bool,
        /// Training steps (default 1500, as shipped).
        #[arg(long)]
        steps: Option<usize>,
        /// With --train: write setting.json and the networks to this folder.
        #[arg(long)]
        save: Option<PathBuf>,
        /// Folder of the shipped settings (one folder each), or one setting's folder (--save's).
        #[arg(long, default_value = "models/channel")]
        weights: PathBuf,
        /// Sequences per table row.
        #[arg(long, default_value_t = 256)]
        seqs: usize,
        #[arg(long)]
        json: bool,
    },
    /// Benchmarks (tables in README).
    Bench {
        #[command(subcommand)]
        what: Bench,
    },
}

/// A rate limit: bits per pixel of the whole file, or bytes.
#[derive(clap::Args)]
struct Rate {
    /// Bits per pixel of the whole file (header included).
    #[arg(long, conflicts_with = "bytes")]
    bpp: Option<f64>,
    /// File size in bytes.
    #[arg(long)]
    bytes: Option<usize>,
}

impl Rate {
    fn max_bytes(&self, pixels: f64) -> Option<usize> {
        self.bytes.or(self.bpp.map(|b| (b * pixels / 8.0).floor() as usize))
    }
}

#[derive(Subcommand)]
enum NasCmd {
    /// Predictor Kendall τ per feature set, then the search: the found front's mean accuracy
    /// gap beside random sampling with the same budget.
    Search {
        /// NATS-Bench CSV export, or the compact table the page ships.
        #[arg(long, default_value = "www/nas/data/nats.bin")]
        data: PathBuf,
        /// NASWOT scores of the whole space (written by `nas proxies`).
        #[arg(long, default_value = "www/nas/data/naswot.f32")]
        naswot: PathBuf,
        /// cifar10, cifar100 or imagenet16
        #[arg(long, default_value = "cifar10")]
        dataset: String,
        /// True accuracies the predictor starts from.
        #[arg(long, default_value_t = 40)]
        samples: usize,
        /// True accuracies looked up in all (predictor samples + searched architectures).
        #[arg(long, default_value_t = 156)]
        budget: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Cost objective: macs or params.
        #[arg(long, default_value = "macs")]
        cost: String,
        /// Use the table's own accuracies instead of the predictor.
        #[arg(long)]
        oracle: bool,
        /// Optimism of the search: predicted mean + EXPLORE × the forest's spread.
        #[arg(long, default_value_t = 0.0)]
        explore: f64,
        /// NSGA-II population.
        #[arg(long, default_value_t = 64)]
        population: usize,
        /// NSGA-II generations per round.
        #[arg(long, default_value_t = 30)]
        generations: usize,
        /// Architectures looked up after each round.
        #[arg(long, default_value_t = 10)]
        per_round: usize,
        #[arg(long)]
        json: bool,
    },
    /// This machine's latency table (GPU unless --backend cpu), checked against whole networks.
    Measure {
        #[arg(long, default_value = "cifar10")]
        dataset: String,
        /// Timing repetitions (median).
        #[arg(long, default_value_t = 5)]
        reps: usize,
        /// Whole networks timed to check the table's sums.
        #[arg(long, default_value_t = 20)]
        check: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// Measures NASWOT for all 15,625 cells into OUT (about 20 minutes on one core).
    Proxies {
        out: PathBuf,
        #[arg(long, default_value = "www/nas/data/nats.bin")]
        data: PathBuf,
    },
    /// Writes the accuracy table (--data, e.g. NATS-Bench's CSV) in the page's compact form.
    WriteTable {
        out: PathBuf,
        #[arg(long)]
        data: PathBuf,
    },
}

#[derive(Subcommand)]
enum Bench {
    /// SPIHT encode and prefix-decode speed vs OpenJPEG (single-threaded), MPixel/s.
    Spiht {
        #[arg(long, num_args = 1.., required = true)]
        images: Vec<PathBuf>,
        #[arg(long, default_value_t = 0.5)]
        bpp: f64,
        #[arg(long, default_value_t = 3)]
        reps: usize,
    },
    /// Progressive codec stages at one prefix: encode, entropy decode (z, σ, symbols),
    /// latent rebuild, and synthesis on tract (CPU) vs the WGSL executor (GPU), median ms.
    Pcodec {
        #[arg(long, num_args = 1.., required = true)]
        images: Vec<PathBuf>,
        #[arg(long, default_value_t = 0.5)]
        bpp: f64,
        #[arg(long, default_value_t = 3)]
        reps: usize,
    },
    /// One ONNX network on every executor: tract (CPU), our WGSL executor with the tiled
    /// kernels and with the simple baseline kernels (GPU), median ms of --reps after a
    /// warm-up, with ratios; `--layers` adds each dispatch's time alone (slowest first).
    Nn {
        /// The .onnx file.
        model: PathBuf,
        /// Input as CxHxW (default: the model's declared input, else 3x224x224).
        #[arg(long)]
        input: Option<String>,
        #[arg(long, default_value_t = 5)]
        reps: usize,
        #[arg(long)]
        layers: bool,
        /// Skip the simple baseline kernels (slow).
        #[arg(long)]
        no_baseline: bool,
    },
    /// Forward+inverse CDF 9/7: CPU vs GPU (median of --reps).
    Wavelet {
        #[arg(long, default_value = "768x512,2048x2048")]
        sizes: String,
        #[arg(long, default_value_t = 5)]
        levels: u32,
        #[arg(long, default_value_t = 7)]
        reps: usize,
    },
}

fn load_luma(path: &PathBuf) -> Result<Plane> {
    let img = image::open(path).with_context(|| format!("reading {}", path.display()))?.to_rgba8();
    let (w, h) = img.dimensions();
    Ok(Plane::luma_from_rgba(img.as_raw(), w as usize, h as usize)?)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() -> Result<()> {
    // Mesa's Vulkan drivers print "XDG_RUNTIME_DIR is invalid or not set" on headless
    // machines; point it at the temp dir before any thread starts.
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir());
    }
    let cli = Cli::parse();
    let rt = Runtime::new();
    rt.set_backend(cli.backend.parse::<Backend>()?);
    pollster::block_on(run(cli.cmd, &rt, cli.model.as_deref()))
}

fn load_model(dir: &std::path::Path) -> Result<edgeplay_pcodec::Model> {
    edgeplay_pcodec::Model::load(dir).with_context(|| format!("loading the progressive codec's model from {} (--model DIR)", dir.display()))
}

/// "GPU" or "CPU (tract)", and a note on stderr when the GPU failed and the CPU took over.
fn neural_path(path: edgeplay_gpu::Path, fallback: Option<String>) -> &'static str {
    if let Some(r) = fallback {
        eprintln!("note: GPU failed, used the CPU: {r}");
    }
    match path {
        edgeplay_gpu::Path::Gpu => "GPU",
        edgeplay_gpu::Path::Cpu => "CPU (tract)",
    }
}

async fn run(cmd: Cmd, rt: &Runtime, model: Option<&std::path::Path>) -> Result<()> {
    let model_dir = model.unwrap_or(std::path::Path::new("models/pcodec/export"));
    match cmd {
        Cmd::Video { input, gop, gop_size, frames, q, bpp, block, max_side, rd, save, out, bytes, json } => {
            video::run(rt, video::Opts { input, gop, gop_size, frames, q, bpp, block, max_side, rd, save, out, bytes, json }).await?
        }
        Cmd::Depth { input, out, colormap, swap, ply, fov, eval, frames, bench, relative, size, json } => {
            depth::run(rt, model, depth::Opts { input, out, colormap, swap, ply, fov, eval, frames, bench, relative, size, json }).await?
        }
        Cmd::Info => {
            let s = rt.status().await;
            match (&s.adapter, s.path) {
                (Some(a), edgeplay_gpu::Path::Gpu) => println!(
                    "GPU · {a} (timing: {})",
                    if s.timestamps { "GPU timestamps" } else { "wall clock" }
                ),
                _ => println!("CPU · native ({})", s.reason.unwrap_or_default()),
            }
        }
        Cmd::Wavelet { input, levels, out, json } => {
            let plane = load_luma(&input)?;
            let levels = levels.min(wavelet::max_levels(plane.width, plane.height));
            let f = wavelet::forward(rt, &plane, levels).await?;
            let back = wavelet::inverse(rt, &f.value, levels).await?;
            let err = back.value.max_abs_diff(&plane);
            if let Some(out) = &out {
                let rgba = wavelet::viz::render(&f.value, levels);
                image::save_buffer(out, &rgba, plane.width as u32, plane.height as u32, image::ExtendedColorType::Rgba8)
                    .with_context(|| format!("writing {}", out.display()))?;
            }
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "width": plane.width, "height": plane.height, "levels": levels,
                        "path": f.path.as_str(), "forward_ms": f.timing.ms, "inverse_ms": back.timing.ms,
                        "clock": f.timing.clock.label(), "roundtrip_error": err,
                    })
                );
            } else {
                println!(
                    "{}x{} luma, {levels} levels on {}: forward {:.2} ms, inverse {:.2} ms ({}), max roundtrip error {err:.2e}",
                    plane.width, plane.height, f.path.as_str(), f.timing.ms, back.timing.ms, f.timing.clock.label()
                );
            }
            if let Some(r) = f.fallback {
                eprintln!("note: GPU failed, used the CPU: {r}");
            }
        }
        Cmd::Channel { train_doppler, train_snr, spacing, snr, doppler, preset, seed, train, steps, save, weights, seqs, json } => {
            channel::run(channel::Opts { train_doppler, train_snr, spacing, snr, doppler, seed, train, steps, save, weights, preset, seqs: seqs.clamp(1, 4096), json })?
        }
        Cmd::Csi { files, json } => csi_summary(&files, json)?,
        Cmd::Nas { what } => match what {
            NasCmd::WriteTable { out, data } => {
                std::fs::write(&out, nas::load_bench(&data)?.to_bytes())?;
                println!("wrote {}", out.display());
            }
            NasCmd::Proxies { out, data } => nas::proxies(&data, &out)?,
            NasCmd::Measure { dataset, reps, check, seed, json } => nas::measure(rt, &dataset, reps, check, seed, json).await?,
            NasCmd::Search { data, naswot, dataset, samples, budget, seed, cost, oracle, explore, population, generations, per_round, json } => {
                nas::run(&data, &naswot, &dataset, samples, budget, seed, &cost, oracle, explore, (population, generations, per_round), json)?
            }
        },
        Cmd::Wifi { data, path, sim, seed, labelled, steps, csi_noise, json } => wifi::run(&data, path, sim.as_deref(), seed, labelled, steps, csi_noise, json)?,
        Cmd::Bench { what: Bench::Nn { model, input, reps, layers, no_baseline } } => bench_nn(rt, &model, input.as_deref(), reps, layers, !no_baseline).await?,
        Cmd::Bench { what: Bench::Wavelet { sizes, levels, reps } } => bench_wavelet(rt, &sizes, levels, reps).await?,
        Cmd::Bench { what: Bench::Pcodec { images, bpp, reps } } => bench_pcodec(rt, &load_model(model_dir)?, &expand_images(&images)?, bpp, reps).await?,
        Cmd::Bench { what: Bench::Spiht { images, bpp, reps } } => rd::bench_speed(&expand_images(&images)?, bpp, reps)?,
        Cmd::Encode { codec, ac, grey, rate, input, output } => {
            if codec == "progressive" {
                if grey || ac {
                    bail!("--grey and --ac apply to spiht only");
                }
                let model = load_model(model_dir)?;
                let img = rd::load(&input, false)?;
                let px = img.width as f64 * img.height as f64;
                let sw = Stopwatch::start();
                let ran = edgeplay_pcodec::on_runtime(rt, &model, async |e| edgeplay_pcodec::encode(&model, &img, e).await).await?;
                let ms = sw.ms();
                let (mut out, path) = (ran.value, neural_path(ran.path, ran.fallback));
                if let Some(m) = rate.max_bytes(px) {
                    out.truncate(m);
                }
                std::fs::write(&output, &out).with_context(|| format!("writing {}", output.display()))?;
                println!("{}: {}x{} → {} bytes ({:.4} bpp) with {}, transforms on {path}, {ms:.1} ms", output.display(), img.width, img.height, out.len(), out.len() as f64 * 8.0 / px, model.name());
                return Ok(());
            }
            if codec != "spiht" {
                bail!("unknown codec '{codec}' (spiht or progressive)");
            }
            let img = rd::load(&input, grey)?;
            let px = img.width as f64 * img.height as f64;
            let max_bytes = rate.max_bytes(px);
            let mode = if ac { edgeplay_spiht::Mode::Arithmetic } else { edgeplay_spiht::Mode::Binary };
            let sw = Stopwatch::start();
            let out = edgeplay_spiht::encode(&img, &edgeplay_spiht::EncodeOptions { mode, max_bytes });
            let ms = sw.ms();
            std::fs::write(&output, &out).with_context(|| format!("writing {}", output.display()))?;
            println!(
                "{}: {}x{}x{} → {} bytes ({:.4} bpp) in {ms:.1} ms",
                output.display(), img.width, img.height, img.channels, out.len(), out.len() as f64 * 8.0 / px
            );
        }
        Cmd::Decode { rate, input, output } => {
            let data = std::fs::read(&input).with_context(|| format!("reading {}", input.display()))?;
            if data.starts_with(b"EPPC") {
                let model = load_model(model_dir)?;
                let (h, _) = edgeplay_pcodec::Header::parse(&data)?;
                let px = h.width as f64 * h.height as f64;
                let used = rate.max_bytes(px).unwrap_or(data.len()).min(data.len());
                let sw = Stopwatch::start();
                let d = edgeplay_pcodec::Decoder::new(&model, &data[..used])?;
                let ran = edgeplay_pcodec::on_runtime(rt, &model, async |e| d.decode(&model, used, e).await).await?;
                let ms = sw.ms();
                let (img, path) = (ran.value, neural_path(ran.path, ran.fallback));
                rd::save(&img, &output)?;
                println!("{}: {}x{} from {used} bytes ({:.4} bpp), synthesis on {path}, {ms:.1} ms", output.display(), img.width, img.height, used as f64 * 8.0 / px);
                return Ok(());
            }
            let h = edgeplay_spiht::Header::parse(&data)?;
            let px = h.width as f64 * h.height as f64;
            let max_bytes = rate.max_bytes(px);
            let sw = Stopwatch::start();
            let coeffs = edgeplay_spiht::decode_coefficients(&data, max_bytes)?;
            let (img, path) = coeffs.to_image_on(rt).await?;
            let ms = sw.ms();
            rd::save(&img, &output)?;
            let used = max_bytes.unwrap_or(data.len()).min(data.len());
            println!("{}: {}x{}x{} from {used} bytes ({:.4} bpp), inverse DWT on {}, {ms:.1} ms", output.display(), img.width, img.height, img.channels, used as f64 * 8.0 / px, path.as_str());
        }
        Cmd::Rd { codec, images, bpp, grey, crop, json } => {
            let crop = crop
                .map(|c| -> Result<(u32, u32)> {
                    let (w, h) = c.split_once('x').context("--crop looks like 512x512")?;
                    Ok((w.parse()?, h.parse()?))
                })
                .transpose()?;
            let codecs = rd::Codec::parse_list(&codec)?;
            let bpps: Vec<f64> = bpp.split(',').map(|b| b.trim().parse::<f64>()).collect::<Result<_, _>>().context("--bpp takes numbers like 0.25,0.5")?;
            let files = expand_images(&images)?;
            let neural = codecs.iter().any(|c| matches!(c, rd::Codec::Progressive | rd::Codec::ProgressiveSingle));
            let model = if neural && !grey { Some(load_model(model_dir)?) } else { None };
            let (points, notes) = rd::run(&codecs, &files, &bpps, grey, crop, model.as_ref())?;
            let means = rd::means(&points, &codecs, &bpps);
            if json {
                println!("{}", serde_json::json!({ "images": files.len(), "grey": grey, "notes": notes, "points": points, "mean": means }));
            } else {
                for n in &notes {
                    eprintln!("note: {n}");
                }
                println!("| image | codec | target bpp | bpp | PSNR-RGB dB | PSNR-Y dB | MS-SSIM |");
                println!("|---|---|---:|---:|---:|---:|---:|");
                for p in points.iter().chain(&means) {
                    println!("| {} | {} | {} | {:.4} | {:.2} | {:.2} | {} |", p.image, p.codec, p.target_bpp, p.bpp, p.psnr_rgb, p.psnr_y, p.ms_ssim.map(|m| format!("{m:.4}")).unwrap_or_else(|| "—".into()));
                }
            }
        }
    }
    Ok(())
}

/// Files as given, folders expanded to their images (sorted).
fn expand_images(images: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in images {
        if p.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(p)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| matches!(f.extension().and_then(|e| e.to_str()), Some("png" | "jpg" | "jpeg" | "ppm" | "pgm")))
                .collect();
            v.sort();
            files.extend(v);
        } else {
            files.push(p.clone());
        }
    }
    if files.is_empty() {
        bail!("no images found in {images:?}");
    }
    Ok(files)
}

async fn bench_wavelet(rt: &Runtime, sizes: &str, levels: u32, reps: usize) -> Result<()> {
    let gpu: Option<Gpu> = match rt.backend() {
        Backend::Cpu => None,
        _ => rt.device().await.ok(),
    };
    println!("CDF 9/7 forward+inverse, {levels} levels, median of {reps} (native)");
    println!();
    println!("| size | CPU native ms | GPU ms ({}) | GPU incl. upload+readback ms | CPU/GPU |", match &gpu {
        Some(g) => format!("{}, {}", g.info().name, if g.has_timestamps() { "timestamps" } else { "wall clock" }),
        None if rt.backend() == Backend::Cpu => "not used: --backend cpu".into(),
        None => "no adapter".into(),
    });
    println!("|---|---:|---:|---:|---:|");
    for s in sizes.split(',') {
        let (w, h) = s.split_once('x').context("sizes look like 768x512")?;
        let (w, h): (usize, usize) = (w.trim().parse()?, h.trim().parse()?);
        let r = wavelet::analysis::bench(gpu.as_ref(), w, h, levels, reps).await?;
        let cpu = r.cpu_ms;
        let (g_ms, wall) = (r.gpu.as_ref().map(|g| g.kernels_ms), r.gpu.as_ref().map(|g| g.with_transfer_ms));
        let f = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into());
        println!(
            "| {w}×{h} | {cpu:.2} | {} | {} | {} |",
            f(g_ms),
            f(wall),
            g_ms.map(|g| format!("{:.1}×", cpu / g)).unwrap_or_else(|| "—".into())
        );
    }
    Ok(())
}

async fn bench_nn(rt: &Runtime, path: &std::path::Path, input: Option<&str>, reps: usize, layers: bool, baseline: bool) -> Result<()> {
    use edgeplay_nn::gpu::{GpuGraph, Kernels};
    use edgeplay_nn::{reference::TractModel, Graph, Tensor};
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let graph = Graph::from_onnx(&bytes)?;
    let [c, h, w] = match input {
        Some(s) => {
            let v: Vec<usize> = s.split('x').map(|p| p.parse()).collect::<Result<_, _>>().with_context(|| format!("--input {s:?}: want CxHxW"))?;
            let [c, h, w] = v[..] else { bail!("--input {s:?}: want CxHxW") };
            [c, h, w]
        }
        None => {
            let (h, w) = graph.input_hw.unwrap_or((224, 224));
            [graph.in_channels, h, w]
        }
    };
    let x = Tensor::new(c, h, w, (0..c * h * w).map(|i| ((i as u64 * 2654435761) % 1000) as f32 / 500.0 - 1.0).collect())?;
    let reps = reps.max(1);
    let time = |f: &mut dyn FnMut() -> Result<()>| -> Result<f64> {
        f()?;
        let mut t = Vec::new();
        for _ in 0..reps {
            let sw = Stopwatch::start();
            f()?;
            t.push(sw.ms());
        }
        Ok(median(t))
    };
    let tract = TractModel::from_onnx(&bytes, c)?;
    let t_tract = time(&mut || {
        std::hint::black_box(tract.run(&x)?);
        Ok(())
    })?;
    println!("{} on {c}x{h}x{w}, {:.0} M MACs, median of {reps} after a warm-up", path.display(), graph.macs(h, w)? as f64 / 1e6);
    println!("| executor | ms | / tract |\n|---|---:|---:|");
    println!("| tract (CPU) | {t_tract:.1} | 1.00 |");
    let gpu = match rt.exec().await {
        Ok(edgeplay_gpu::Exec::Gpu(g)) => g,
        _ => {
            println!("no GPU adapter: WGSL columns skipped");
            return Ok(());
        }
    };
    let mut kinds = vec![Kernels::Tiled];
    if baseline {
        kinds.push(Kernels::Simple);
    }
    let mut tiled_ms = None;
    for k in kinds {
        let gg = GpuGraph::with_kernels(&gpu, &graph, k);
        let t = time(&mut || {
            std::hint::black_box(pollster::block_on(gg.run(&x))?);
            Ok(())
        })?;
        let vs_tiled = tiled_ms.map(|m: f64| format!(" ({:.1}× the tiled kernels' time)", t / m)).unwrap_or_default();
        println!("| WGSL {k:?} ({}) | {t:.1} | {:.2}{vs_tiled} |", gpu.info().name, t / t_tract);
        tiled_ms.get_or_insert(t);
        if layers && k == Kernels::Tiled {
            let mut p = gg.profile(&x).await?;
            let total: f64 = p.iter().map(|l| l.1).sum();
            p.sort_by(|a, b| b.1.total_cmp(&a.1));
            println!("\n| dispatch (alone) | ms | share |\n|---|---:|---:|");
            for (label, ms) in p {
                println!("| {label} | {ms:.1} | {:.0} % |", 100.0 * ms / total);
            }
            println!();
        }
    }
    Ok(())
}

async fn bench_pcodec(rt: &Runtime, model: &edgeplay_pcodec::Model, images: &[PathBuf], bpp: f64, reps: usize) -> Result<()> {
    use edgeplay_pcodec::{Decoder, Engine};
    let gpu = match rt.exec().await {
        Ok(edgeplay_gpu::Exec::Gpu(g)) => Some((model.on_gpu(&g), g.info().name.clone())),
        _ => None,
    };
    let mut rows: Vec<(&str, Vec<f64>)> = vec![("encode (g_a + h_a on tract, σ, entropy coding)", vec![]), ("entropy decode of the stream (z, σ, all symbols)", vec![]), ("latents at the prefix", vec![]), ("synthesis g_s, tract (CPU)", vec![])];
    if gpu.is_some() {
        rows.push(("synthesis g_s, WGSL executor (GPU)", vec![]));
    }
    for path in images {
        let img = rd::load(path, false)?;
        let bytes = (bpp * img.width as f64 * img.height as f64 / 8.0) as usize;
        let mut t: Vec<Vec<f64>> = vec![vec![]; rows.len()];
        for _ in 0..reps {
            let sw = Stopwatch::start();
            let stream = edgeplay_pcodec::encode(model, &img, Engine::Cpu).await?;
            t[0].push(sw.ms());
            let sw = Stopwatch::start();
            let d = Decoder::new(model, &stream)?;
            t[1].push(sw.ms());
            let sw = Stopwatch::start();
            let y = d.latents(bytes);
            t[2].push(sw.ms());
            let sw = Stopwatch::start();
            std::hint::black_box(edgeplay_pcodec::synthesize(model, &y, img.width, img.height, Engine::Cpu).await?);
            t[3].push(sw.ms());
            if let Some((g, _)) = &gpu {
                let sw = Stopwatch::start();
                std::hint::black_box(edgeplay_pcodec::synthesize(model, &y, img.width, img.height, Engine::Gpu(g)).await?);
                t[4].push(sw.ms());
            }
        }
        for (r, v) in rows.iter_mut().zip(t) {
            r.1.push(median(v));
        }
    }
    println!("{} image(s), prefix at {bpp} bpp, median of {reps}, mean over images; GPU: {}", images.len(), gpu.as_ref().map_or("none", |g| g.1.as_str()));
    println!("| stage | ms |\n|---|---:|");
    for (name, v) in rows {
        println!("| {name} | {:.1} |", v.iter().sum::<f64>() / v.len() as f64);
    }
    Ok(())
}

/// `edgeplay csi`: one row per capture.
fn csi_summary(files: &[PathBuf], json: bool) -> Result<()> {
    let mut rows = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
        let cap = edgeplay_wifi::read(&bytes).with_context(|| f.display().to_string())?;
        let s = &cap.stats;
        let first = cap.packets.first();
        let macs: std::collections::BTreeSet<String> = cap.packets.iter().map(|p| p.mac()).collect();
        rows.push(serde_json::json!({
            "file": f.display().to_string(),
            "frames": s.frames, "csi": s.csi, "not_ip": s.not_ip, "other_traffic": s.other_traffic,
            "bad_payload": s.bad_payload, "stopped": s.stopped,
            "access_points": macs, "channel": first.map(|p| p.channel()),
            "bandwidth_mhz": first.map(|p| p.bandwidth_mhz()), "subcarriers": first.map(|p| p.csi.len()),
            "seconds": match (cap.timestamps.first(), cap.timestamps.last()) { (Some(a), Some(b)) => Some(b - a), _ => None },
        }));
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!("| file | frames | CSI | skipped (not IP / other / bad payload) | access point | channel | MHz | subcarriers | seconds |");
    println!("|---|---:|---:|---|---|---:|---:|---:|---:|");
    for r in &rows {
        let v = |k: &str| match &r[k] { serde_json::Value::Null => "—".to_string(), x => x.to_string() };
        let aps: Vec<String> = r["access_points"].as_array().into_iter().flatten().filter_map(|m| m.as_str().map(String::from)).collect();
        let secs = r["seconds"].as_f64().map_or("—".into(), |s| format!("{s:.2}"));
        println!("| {} | {} | {} | {} / {} / {} | {} | {} | {} | {} | {} |", r["file"].as_str().unwrap_or(""), v("frames"), v("csi"),
            v("not_ip"), v("other_traffic"), v("bad_payload"), aps.join(" "), v("channel"), v("bandwidth_mhz"), v("subcarriers"), secs);
        if let Some(why) = r["stopped"].as_str() {
            println!("|   ↳ stopped early: {why} |||||||||");
        }
    }
    Ok(())
}
