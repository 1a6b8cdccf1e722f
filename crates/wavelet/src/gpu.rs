//! WGSL implementation: one dispatch per axis and level, ping-ponging between two storage
//! buffers, all levels in one compute pass (timed with timestamp queries when available).

use edgeplay_gpu::{wgpu, Gpu, GpuError, Timing};

use crate::{low_len, region, Direction, Plane};

/// The WGSL source of the kernels.
pub const SHADER: &str = include_str!("shaders/cdf97.wgsl");

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    n: u32,
    lines: u32,
    stride: u32,
    axis: u32,
}

const WG: u32 = 64;

struct Pass {
    bind: wgpu::BindGroup,
    groups: (u32, u32),
    forward: bool,
}

/// Records the passes of a multi-level transform; the result ends in `a`.
fn plan(gpu: &Gpu, a: &wgpu::Buffer, b: &wgpu::Buffer, w: usize, h: usize, levels: u32, dir: Direction) -> Vec<Pass> {
    let levels = levels.min(crate::max_levels(w, h));
    let entry = match dir {
        Direction::Forward => "forward",
        Direction::Inverse => "inverse",
    };
    let pipe = gpu.pipeline("edgeplay.cdf97", SHADER, entry);
    let one = |src: &wgpu::Buffer, dst: &wgpu::Buffer, rw: usize, rh: usize, axis: u32| {
        let (n, lines) = if axis == 0 { (rw, rh) } else { (rh, rw) };
        let params = Params { n: n as u32, lines: lines as u32, stride: w as u32, axis };
        let ubuf = gpu.uniform("edgeplay.cdf97.params", &params);
        let half = low_len(n) as u32;
        let groups = if axis == 0 { (half.div_ceil(WG), lines as u32) } else { ((lines as u32).div_ceil(WG), half) };
        Pass { bind: gpu.bind(&pipe, &[src, dst, &ubuf]), groups, forward: dir == Direction::Forward }
    };
    let mut passes = Vec::new();
    match dir {
        Direction::Forward => {
            for l in 0..levels {
                let (rw, rh) = region(w, h, l);
                passes.push(one(a, b, rw, rh, 0));
                passes.push(one(b, a, rw, rh, 1));
            }
        }
        Direction::Inverse => {
            for l in (0..levels).rev() {
                let (rw, rh) = region(w, h, l);
                passes.push(one(a, b, rw, rh, 1));
                passes.push(one(b, a, rw, rh, 0));
            }
        }
    }
    passes
}

fn record(gpu: &Gpu, enc: &mut wgpu::CommandEncoder, steps: &[&[Pass]], timer: &edgeplay_gpu::PassTimer) {
    let fwd = gpu.pipeline("edgeplay.cdf97", SHADER, "forward");
    let inv = gpu.pipeline("edgeplay.cdf97", SHADER, "inverse");
    let mut cp = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
        label: Some("edgeplay.cdf97"),
        timestamp_writes: timer.timestamp_writes(),
    });
    for p in steps.iter().flat_map(|s| s.iter()) {
        cp.set_pipeline(if p.forward { &fwd } else { &inv });
        cp.set_bind_group(0, &p.bind, &[]);
        cp.dispatch_workgroups(p.groups.0, p.groups.1, 1);
    }
}

fn check(gpu: &Gpu, p: &Plane) -> Result<(), GpuError> {
    let limit = gpu.device().limits().max_compute_workgroups_per_dimension as usize;
    if p.width.max(p.height) > limit {
        return Err(GpuError::TooLarge { what: "wavelet dispatch", needed: p.width.max(p.height) as u64, limit: limit as u64 });
    }
    gpu.check_storage_size("wavelet image", (p.data.len() * 4) as u64)
}

/// One multi-level transform on the GPU; returns the result and the GPU time of the pass.
pub async fn transform(gpu: &Gpu, plane: &Plane, levels: u32, dir: Direction) -> Result<(Plane, Timing), GpuError> {
    let (mut out, t) = transform_many(gpu, std::slice::from_ref(plane), levels, dir).await?;
    Ok((out.pop().expect("one plane in, one out"), t))
}

/// The same transform of several planes (e.g. Y, Cb, Cr) in one compute pass and one
/// submission; returns the results and the GPU time of the pass.
pub async fn transform_many(gpu: &Gpu, planes: &[Plane], levels: u32, dir: Direction) -> Result<(Vec<Plane>, Timing), GpuError> {
    for p in planes {
        check(gpu, p)?;
    }
    let (bufs, timer) = gpu
        .scoped(|| {
            let bufs: Vec<(wgpu::Buffer, wgpu::Buffer)> = planes
                .iter()
                .map(|p| (gpu.storage_init("edgeplay.cdf97.a", &p.data), gpu.storage("edgeplay.cdf97.b", (p.data.len() * 4) as u64)))
                .collect();
            let passes: Vec<Vec<Pass>> = planes
                .iter()
                .zip(&bufs)
                .map(|(p, (a, b))| plan(gpu, a, b, p.width, p.height, levels, dir))
                .collect();
            let steps: Vec<&[Pass]> = passes.iter().map(|v| v.as_slice()).collect();
            let timer = gpu.pass_timer();
            let mut enc = gpu.encoder("edgeplay.cdf97");
            record(gpu, &mut enc, &steps, &timer);
            timer.resolve(&mut enc);
            gpu.queue().submit(Some(enc.finish()));
            (bufs, timer)
        })
        .await?;
    let timing = timer.finish(gpu).await?;
    let mut out = Vec::with_capacity(planes.len());
    for (p, (a, _)) in planes.iter().zip(&bufs) {
        let data: Vec<f32> = gpu.read_buffer(a).await?;
        out.push(Plane { width: p.width, height: p.height, data: data[..p.width * p.height].to_vec() });
    }
    Ok((out, timing))
}

/// Forward then inverse in one compute pass (for benchmarks and the widget's timing):
/// returns the coefficients, the reconstruction and the GPU time of both transforms.
pub async fn roundtrip(gpu: &Gpu, plane: &Plane, levels: u32) -> Result<(Plane, Plane, Timing), GpuError> {
    check(gpu, plane)?;
    let (w, h) = (plane.width, plane.height);
    let bytes = (plane.data.len() * 4) as u64;
    let (a, b, coeffs, timers) = gpu
        .scoped(|| {
            let a = gpu.storage_init("edgeplay.cdf97.a", &plane.data);
            let b = gpu.storage("edgeplay.cdf97.b", bytes);
            let coeffs = gpu.storage("edgeplay.cdf97.coeffs", bytes);
            let f = plan(gpu, &a, &b, w, h, levels, Direction::Forward);
            let i = plan(gpu, &a, &b, w, h, levels, Direction::Inverse);
            let (tf, ti) = (gpu.pass_timer(), gpu.pass_timer());
            let mut enc = gpu.encoder("edgeplay.cdf97.roundtrip");
            record(gpu, &mut enc, &[&f], &tf);
            tf.resolve(&mut enc);
            enc.copy_buffer_to_buffer(&a, 0, &coeffs, 0, bytes.max(4));
            record(gpu, &mut enc, &[&i], &ti);
            ti.resolve(&mut enc);
            gpu.queue().submit(Some(enc.finish()));
            (a, b, coeffs, (tf, ti))
        })
        .await?;
    let tf = timers.0.finish(gpu).await?;
    let ti = timers.1.finish(gpu).await?;
    // Timestamps time each pass; the wall clock of the first timer already spans both.
    let timing = match tf.clock {
        edgeplay_gpu::Clock::GpuTimestamp => Timing { ms: tf.ms + ti.ms, clock: tf.clock },
        edgeplay_gpu::Clock::WallClock => tf,
    };
    let c: Vec<f32> = gpu.read_buffer(&coeffs).await?;
    let r: Vec<f32> = gpu.read_buffer(&a).await?;
    drop(b);
    Ok((
        Plane { width: w, height: h, data: c[..w * h].to_vec() },
        Plane { width: w, height: h, data: r[..w * h].to_vec() },
        timing,
    ))
}
