//! The motion search in WGSL (`shaders/motion.wgsl`): the stages of
//! [`crate::motion::search_cpu`] as one dispatch each in one compute pass, one submission and
//! one read-back per field. Samples travel as one `u32` each; the full-resolution stages read
//! the references' 16 quarter-pixel phase planes (computed on the CPU, as the search there).

use edgeplay_gpu::{wgpu, Gpu, GpuError};

use crate::motion::{coarse, phases, stages, Mode, MotionField, Plane8};

pub const SHADER: &str = include_str!("shaders/motion.wgsl");

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    w: u32,
    h: u32,
    cols: u32,
    rows: u32,
    block: u32,
    step: i32,
    radius: i32,
    lambda: u32,
    bilateral: u32,
    scale: i32,
    margin: i32,
    phased: u32,
}

fn widen(d: &[u8]) -> Vec<u32> {
    d.iter().map(|&v| v as u32).collect()
}

/// The search on the GPU; equal to `search_cpu` vector for vector.
pub async fn search(gpu: &Gpu, a: Plane8<'_>, b: Plane8<'_>, mode: Mode, block: usize) -> Result<MotionField, GpuError> {
    let mut f = MotionField::zero(a.w, a.h, block);
    let limit = gpu.device().limits().max_compute_workgroups_per_dimension as usize;
    if f.cols.max(f.rows) > limit {
        return Err(GpuError::TooLarge { what: "motion search dispatch", needed: f.cols.max(f.rows) as u64, limit: limit as u64 });
    }
    gpu.check_storage_size("motion search phase planes", (16 * a.w * a.h * 4) as u64)?;
    let (cw, ch, ac) = coarse(a);
    let (_, _, bc) = coarse(b);
    let st = stages(block, mode);
    let vbuf = gpu
        .scoped(|| {
            let pipe = gpu.pipeline("edgeplay.motion", SHADER, "search");
            let ph = |p: Plane8| p.phases.map_or_else(|| widen(&phases(p)), widen);
            let pa = if mode == Mode::Bilateral { ph(a) } else { widen(a.data) };
            let full = (gpu.storage_init("edgeplay.motion.a", &pa), gpu.storage_init("edgeplay.motion.b", &ph(b)));
            let small = (gpu.storage_init("edgeplay.motion.ac", &widen(&ac)), gpu.storage_init("edgeplay.motion.bc", &widen(&bc)));
            let vbuf = gpu.storage_init("edgeplay.motion.vectors", &vec![[0i32; 2]; f.vectors.len()]);
            let binds: Vec<wgpu::BindGroup> = st
                .iter()
                .map(|s| {
                    let (w, h, bufs) = if s.coarse { (cw, ch, &small) } else { (a.w, a.h, &full) };
                    let params = Params {
                        w: w as u32,
                        h: h as u32,
                        cols: f.cols as u32,
                        rows: f.rows as u32,
                        block: s.block,
                        step: s.step,
                        radius: s.radius,
                        lambda: s.lambda,
                        bilateral: (mode == Mode::Bilateral) as u32,
                        scale: s.scale,
                        margin: s.margin as i32,
                        phased: !s.coarse as u32,
                    };
                    let u = gpu.uniform("edgeplay.motion.params", &params);
                    gpu.bind(&pipe, &[&bufs.0, &bufs.1, &vbuf, &u])
                })
                .collect();
            let mut enc = gpu.encoder("edgeplay.motion");
            {
                let mut cp = enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("edgeplay.motion"), timestamp_writes: None });
                cp.set_pipeline(&pipe);
                for bg in &binds {
                    cp.set_bind_group(0, bg, &[]);
                    cp.dispatch_workgroups(f.cols as u32, f.rows as u32, 1);
                }
            }
            gpu.queue().submit(Some(enc.finish()));
            vbuf
        })
        .await?;
    let v: Vec<[i32; 2]> = gpu.read_buffer(&vbuf).await?;
    let n = f.vectors.len();
    f.vectors.copy_from_slice(&v[..n]);
    Ok(f)
}
