//! What `<ep-wavelet>` and `edgeplay wavelet` / `edgeplay bench wavelet` show: one image's
//! decomposition with GPU-vs-CPU agreement, and forward+inverse timings. The web module and
//! the CLI both call these, so the page's numbers are the terminal's.

use edgeplay_gpu::{Clock, Gpu, GpuError, Path, Runtime, Stopwatch, Timing};

use crate::{cpu, gpu, max_levels, viz, Plane, PlaneError};

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Plane(#[from] PlaneError),
    #[error(transparent)]
    Gpu(#[from] GpuError),
    #[error("the GPU result disagrees with the CPU at {0}x{1}")]
    Mismatch(usize, usize),
}

/// One image's wavelet analysis on the runtime's path.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub levels: u32,
    pub max_levels: u32,
    pub path: Path,
    /// Why the GPU was not used, when it was wanted but failed.
    pub fallback: Option<String>,
    /// Forward + inverse on the path that ran.
    pub time: Timing,
    /// Forward + inverse on the CPU, for comparison.
    pub cpu_time: Timing,
    /// Largest |GPU coefficient − CPU coefficient| / largest |coefficient| (GPU path only).
    pub gpu_cpu_rel_diff: Option<f32>,
    /// Largest |inverse(forward(x)) − x| in grey levels.
    pub roundtrip_error: f32,
    /// The coefficients on the path that ran.
    pub coeffs: Plane,
    /// Subbands as a log-magnitude RGBA picture ([`viz::render`]).
    pub rgba: Vec<u8>,
}

/// Forward and inverse transform of `plane` (levels clamped to what its size allows) on the
/// CPU, and on the GPU when the runtime has one (falling back by [`Runtime::run`]'s rule).
pub async fn analyze(rt: &Runtime, plane: &Plane, levels: u32) -> Result<Analysis, GpuError> {
    let max_levels = max_levels(plane.width, plane.height);
    let levels = levels.min(max_levels);
    let sw = Stopwatch::start();
    let mut cpu_coeffs = plane.clone();
    cpu::forward(&mut cpu_coeffs, levels);
    let mut cpu_recon = cpu_coeffs.clone();
    cpu::inverse(&mut cpu_recon, levels);
    let cpu_time = Timing { ms: sw.ms(), clock: Clock::WallClock };
    let ran = rt
        .run(
            async |g| gpu::roundtrip(g, plane, levels).await.map(Some),
            async || Ok::<_, GpuError>(None),
        )
        .await?;
    let (coeffs, recon, time, rel) = match ran.value {
        Some((c, r, t)) => {
            let rel = c.max_abs_diff(&cpu_coeffs) / cpu_coeffs.max_abs().max(1e-6);
            (c, r, t, Some(rel))
        }
        None => (cpu_coeffs, cpu_recon, cpu_time, None),
    };
    Ok(Analysis {
        levels,
        max_levels,
        path: ran.path,
        fallback: ran.fallback,
        time,
        cpu_time,
        gpu_cpu_rel_diff: rel,
        roundtrip_error: recon.max_abs_diff(plane),
        rgba: viz::render(&coeffs, levels),
        coeffs,
    })
}

/// Forward+inverse timings of one size: the CPU, and on `gpu` the kernels alone (timestamp
/// queries where the adapter has them) and with upload and readback (wall clock).
#[derive(Debug, Clone)]
pub struct BenchRow {
    pub width: usize,
    pub height: usize,
    pub levels: u32,
    pub reps: usize,
    pub cpu_ms: f64,
    pub gpu: Option<GpuBench>,
}

#[derive(Debug, Clone)]
pub struct GpuBench {
    pub kernels_ms: f64,
    pub kernels_clock: Clock,
    pub with_transfer_ms: f64,
}

/// A deterministic test picture (values 0..255) for the benchmarks.
pub fn bench_plane(width: usize, height: usize) -> Result<Plane, PlaneError> {
    Plane::new(width, height, (0..width * height).map(|i| ((i * 2654435761) % 256) as f32).collect())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Medians of `reps` runs. The GPU result is checked against the CPU first (an error if they
/// disagree), after one untimed run that compiles the pipelines.
pub async fn bench(gpu: Option<&Gpu>, width: usize, height: usize, levels: u32, reps: usize) -> Result<BenchRow, BenchError> {
    let x = bench_plane(width, height)?;
    let reps = reps.max(1);
    let mut cpu_t = Vec::new();
    for _ in 0..reps {
        let sw = Stopwatch::start();
        let mut c = x.clone();
        cpu::forward(&mut c, levels);
        cpu::inverse(&mut c, levels);
        cpu_t.push(sw.ms());
    }
    let gpu = match gpu {
        Some(g) => {
            let (c, r, _) = gpu::roundtrip(g, &x, levels).await?;
            let mut cc = x.clone();
            cpu::forward(&mut cc, levels);
            if c.max_abs_diff(&cc) / cc.max_abs().max(1e-6) > 1e-4 || r.max_abs_diff(&x) > 0.05 {
                return Err(BenchError::Mismatch(width, height));
            }
            let (mut t, mut wall, mut clock) = (Vec::new(), Vec::new(), Clock::WallClock);
            for _ in 0..reps {
                let sw = Stopwatch::start();
                let (_, _, tm) = gpu::roundtrip(g, &x, levels).await?;
                wall.push(sw.ms());
                t.push(tm.ms);
                clock = tm.clock;
            }
            Some(GpuBench { kernels_ms: median(t), kernels_clock: clock, with_transfer_ms: median(wall) })
        }
        None => None,
    };
    Ok(BenchRow { width, height, levels, reps, cpu_ms: median(cpu_t), gpu })
}
