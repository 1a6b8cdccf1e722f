//! The 2-D CDF 9/7 wavelet transform (the irreversible JPEG 2000 filter pair) by lifting:
//! forward and inverse, multi-level (Mallat layout: the LL band of each level in the
//! top-left corner), whole-sample symmetric extension, any width and height including odd
//! (the low band of an axis of length n has ceil(n/2) samples).
//!
//! Two implementations with the same result: [`cpu`] (in-place lifting) and [`gpu`] (WGSL,
//! one dispatch per axis and level). [`forward`] and [`inverse`] pick the path through the
//! shared [`Runtime`] and fall back to the CPU when the GPU fails.
//!
//! Normalisation: the low-pass output has DC gain √2 per axis (so a 2-D level scales the LL
//! band of a constant image by 2) and the transform is close to orthonormal, which is what
//! bit-plane coders such as SPIHT want.

pub mod analysis;
pub mod cpu;
pub mod gpu;
mod plane;
pub mod viz;

pub use edgeplay_gpu::{Clock, Exec, GpuError, Path, Runtime, Timing};
pub use plane::{Plane, PlaneError, MAX_DIM};

/// Lifting constants of the CDF 9/7 wavelet (Daubechies & Sweldens 1998), as published.
#[allow(clippy::excessive_precision)]
pub const ALPHA: f32 = -1.586_134_342_059_924;
#[allow(clippy::excessive_precision)]
pub const BETA: f32 = -0.052_980_118_572_961;
#[allow(clippy::excessive_precision)]
pub const GAMMA: f32 = 0.882_911_075_530_934;
#[allow(clippy::excessive_precision)]
pub const DELTA: f32 = 0.443_506_852_043_971;
/// Scaling: low-pass samples are multiplied by ZETA, high-pass samples divided by it.
#[allow(clippy::excessive_precision)]
pub const ZETA: f32 = 1.149_604_398_860_241;

/// Length of the low band of an axis of length `n`.
pub const fn low_len(n: usize) -> usize {
    n.div_ceil(2)
}

/// Size of the region transformed at `level` (0 = full image).
pub fn region(width: usize, height: usize, level: u32) -> (usize, usize) {
    let mut w = width;
    let mut h = height;
    for _ in 0..level {
        w = low_len(w);
        h = low_len(h);
    }
    (w, h)
}

/// Number of levels after which both axes of the LL band have length 1; more levels change
/// nothing, so requests are clamped to this.
pub fn max_levels(width: usize, height: usize) -> u32 {
    let mut l = 0;
    let (mut w, mut h) = (width, height);
    while w > 1 || h > 1 {
        w = low_len(w);
        h = low_len(h);
        l += 1;
    }
    l
}

/// A result with the time it took and the path it ran on.
#[derive(Debug, Clone)]
pub struct Timed<T> {
    pub value: T,
    pub timing: Timing,
    pub path: Path,
    /// Why the GPU was not used, when it was wanted but failed.
    pub fallback: Option<String>,
}

/// Forward transform on the runtime's current path (GPU if available, else CPU).
pub async fn forward(rt: &Runtime, plane: &Plane, levels: u32) -> Result<Timed<Plane>, GpuError> {
    run(rt, plane, levels, Direction::Forward).await
}

/// Inverse transform on the runtime's current path (GPU if available, else CPU).
pub async fn inverse(rt: &Runtime, coeffs: &Plane, levels: u32) -> Result<Timed<Plane>, GpuError> {
    run(rt, coeffs, levels, Direction::Inverse).await
}

/// Inverse transform of several planes of one image (one GPU submission for all of them).
pub async fn inverse_many(rt: &Runtime, planes: &[Plane], levels: u32) -> Result<Timed<Vec<Plane>>, GpuError> {
    let r = rt
        .run(
            async |g| gpu::transform_many(g, planes, levels, Direction::Inverse).await,
            async || {
                let sw = edgeplay_gpu::Stopwatch::start();
                let value = planes
                    .iter()
                    .map(|p| {
                        let mut out = p.clone();
                        cpu::inverse(&mut out, levels);
                        out
                    })
                    .collect();
                Ok((value, Timing { ms: sw.ms(), clock: Clock::WallClock }))
            },
        )
        .await?;
    Ok(Timed { value: r.value.0, timing: r.value.1, path: r.path, fallback: r.fallback })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Inverse,
}

async fn run(rt: &Runtime, plane: &Plane, levels: u32, dir: Direction) -> Result<Timed<Plane>, GpuError> {
    let r = rt
        .run(
            async |g| gpu::transform(g, plane, levels, dir).await,
            async || {
                let sw = edgeplay_gpu::Stopwatch::start();
                let mut out = plane.clone();
                match dir {
                    Direction::Forward => cpu::forward(&mut out, levels),
                    Direction::Inverse => cpu::inverse(&mut out, levels),
                }
                Ok((out, Timing { ms: sw.ms(), clock: Clock::WallClock }))
            },
        )
        .await?;
    Ok(Timed { value: r.value.0, timing: r.value.1, path: r.path, fallback: r.fallback })
}
