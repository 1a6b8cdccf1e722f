//! `edgeplay`: the command-line face of the same crates the playground runs in WebAssembly.

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
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Which path runs here: the GPU adapter or the CPU, and why.
    Info,
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
    /// Benchmarks (tables in README).
    Bench {
        #[command(subcommand)]
        what: Bench,
    },
}

#[derive(Subcommand)]
enum Bench {
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
    let cli = Cli::parse();
    let rt = Runtime::new();
    rt.set_backend(cli.backend.parse::<Backend>().map_err(anyhow::Error::msg)?);
    pollster::block_on(run(cli.cmd, &rt))
}

async fn run(cmd: Cmd, rt: &Runtime) -> Result<()> {
    match cmd {
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
        Cmd::Bench { what: Bench::Wavelet { sizes, levels, reps } } => bench_wavelet(rt, &sizes, levels, reps).await?,
    }
    Ok(())
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
        let x = Plane::new(w, h, (0..w * h).map(|i| ((i * 2654435761) % 256) as f32).collect())?;
        let mut cpu = Vec::new();
        for _ in 0..reps {
            let sw = Stopwatch::start();
            let mut c = x.clone();
            wavelet::cpu::forward(&mut c, levels);
            wavelet::cpu::inverse(&mut c, levels);
            cpu.push(sw.ms());
        }
        let cpu = median(cpu);
        let (g_ms, wall) = if let Some(g) = &gpu {
            let (c, r, _) = wavelet::gpu::roundtrip(g, &x, levels).await?;
            let mut cc = x.clone();
            wavelet::cpu::forward(&mut cc, levels);
            if c.max_abs_diff(&cc) / cc.max_abs() > 1e-4 || r.max_abs_diff(&x) > 0.05 {
                bail!("GPU result disagrees with the CPU at {w}x{h}");
            }
            let mut t = Vec::new();
            let mut wl = Vec::new();
            for _ in 0..reps {
                let sw = Stopwatch::start();
                let (_, _, tm) = wavelet::gpu::roundtrip(g, &x, levels).await?;
                wl.push(sw.ms());
                t.push(tm.ms);
            }
            (Some(median(t)), Some(median(wl)))
        } else {
            (None, None)
        };
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
