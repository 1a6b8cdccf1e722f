//! The runtime on the native adapter (lavapipe in CI). GPU parts skip without an adapter
//! unless EDGEPLAY_REQUIRE_GPU=1.

use edgeplay_gpu::{wgpu, Backend, Clock, Exec, Gpu, GpuError, Path, Runtime};

fn device() -> Option<Gpu> {
    pollster::block_on(Gpu::request_or_skip())
}

const DOUBLE: &str = r#"
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@compute @workgroup_size(64)
fn double(@builtin(global_invocation_id) id: vec3<u32>) {
    if (id.x < arrayLength(&src)) { dst[id.x] = 2.0 * src[id.x]; }
}
@compute @workgroup_size(64)
fn negate(@builtin(global_invocation_id) id: vec3<u32>) {
    if (id.x < arrayLength(&src)) { dst[id.x] = -src[id.x]; }
}
"#;

#[test]
fn backend_parses() {
    assert_eq!("auto".parse::<Backend>(), Ok(Backend::Auto));
    assert_eq!("WebGPU".parse::<Backend>(), Ok(Backend::Gpu));
    assert_eq!("cpu".parse::<Backend>(), Ok(Backend::Cpu));
    assert!("tpu".parse::<Backend>().is_err());
}

#[test]
fn dispatch_readback_cache_and_timing() {
    let Some(g) = device() else { return };
    let input: Vec<f32> = (0..1000).map(|i| i as f32 * 0.5).collect();
    let src = g.storage_init("src", &input);
    let dst = g.storage("dst", 4000);
    for (entry, want) in [("double", 2.0f32), ("negate", -1.0)] {
        let p = g.pipeline("test", DOUBLE, entry);
        let bind = g.bind(&p, &[&src, &dst]);
        let timer = g.pass_timer();
        let mut enc = g.encoder("test");
        {
            let mut cp = enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: None, timestamp_writes: timer.timestamp_writes() });
            cp.set_pipeline(&p);
            cp.set_bind_group(0, &bind, &[]);
            cp.dispatch_workgroups(1000u32.div_ceil(64), 1, 1);
        }
        timer.resolve(&mut enc);
        g.queue().submit(Some(enc.finish()));
        let t = pollster::block_on(timer.finish(&g)).unwrap();
        assert!(t.ms >= 0.0 && t.ms < 10_000.0);
        assert_eq!(t.clock, if g.has_timestamps() { Clock::GpuTimestamp } else { Clock::WallClock });
        let out: Vec<f32> = pollster::block_on(g.read_buffer(&dst)).unwrap();
        assert!(out.iter().zip(&input).all(|(o, i)| *o == want * i), "{entry}");
    }
    g.pipeline("test", DOUBLE, "double");
    assert_eq!(g.cached_pipelines(), 2, "same shader and entry point must hit the cache");
}

#[test]
fn validation_errors_come_back_as_values() {
    let Some(g) = device() else { return };
    let r = pollster::block_on(g.scoped(|| {
        // A uniform buffer is not a valid storage binding for this pipeline.
        let p = g.pipeline("test", DOUBLE, "double");
        let u = g.uniform("u", &[0u32; 4]);
        g.bind(&p, &[&u, &u]);
    }));
    assert!(matches!(r, Err(GpuError::Device(_))), "{r:?}");
}

#[test]
fn too_large_is_refused_before_allocation() {
    let Some(g) = device() else { return };
    assert!(matches!(g.check_storage_size("x", u64::MAX / 2), Err(GpuError::TooLarge { .. })));
    assert!(g.check_storage_size("x", 1024).is_ok());
}

#[test]
fn runtime_is_lazy_and_reports_loss() {
    let rt = Runtime::new();
    assert!(rt.device_if_ready().is_none(), "nothing is created before the first use");
    if device().is_none() {
        return;
    }
    assert!(matches!(pollster::block_on(rt.exec()).unwrap(), Exec::Gpu(_)));
    let s = pollster::block_on(rt.status());
    assert_eq!(s.path, Path::Gpu);
    assert!(s.adapter.is_some());
    rt.set_backend(Backend::Cpu);
    assert!(matches!(pollster::block_on(rt.exec()).unwrap(), Exec::Cpu));
    rt.set_backend(Backend::Auto);
    rt.device_if_ready().unwrap().simulate_loss();
    assert!(matches!(pollster::block_on(rt.exec()).unwrap(), Exec::Cpu));
    rt.set_backend(Backend::Gpu);
    assert!(matches!(pollster::block_on(rt.exec()), Err(GpuError::DeviceLost(_))));
}
