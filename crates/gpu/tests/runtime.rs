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

fn spin(ms: f64) {
    let sw = edgeplay_gpu::Stopwatch::start();
    while sw.ms() < ms {
        std::hint::spin_loop();
    }
}

/// Runs one call of `choice` with a GPU side taking `gpu_ms` and a CPU side `cpu_ms`.
fn call(choice: &edgeplay_gpu::PathChoice, rt: &Runtime, key: u64, gpu_ms: f64, cpu_ms: f64) -> edgeplay_gpu::Ran<&'static str> {
    pollster::block_on(choice.run(
        rt,
        key,
        async |_g| {
            spin(gpu_ms);
            Ok::<_, GpuError>("gpu")
        },
        async || {
            spin(cpu_ms);
            Ok("cpu")
        },
    ))
    .unwrap()
}

#[test]
fn path_choice_measures_both_paths_then_keeps_the_faster() {
    if pollster::block_on(Gpu::request_or_skip()).is_none() {
        return;
    }
    let rt = Runtime::new();
    // A GPU 100× slower than the CPU: two CPU runs, one GPU warm-up, then the CPU for good.
    let slow_gpu = edgeplay_gpu::PathChoice::new();
    let paths: Vec<_> = (0..6).map(|_| call(&slow_gpu, &rt, 1, 200.0, 2.0)).collect();
    assert_eq!(paths.iter().map(|r| r.value).collect::<Vec<_>>(), ["cpu", "cpu", "gpu", "cpu", "cpu", "cpu"]);
    assert!(paths.iter().all(|r| r.value == r.path.as_str() && r.choice.is_some()));
    let (p, why) = slow_gpu.decided().unwrap();
    assert_eq!(p, edgeplay_gpu::Path::Cpu);
    assert!(why.starts_with("CPU chosen: measured faster here"), "{why}");
    // A GPU 100× faster: CPU, CPU, GPU (warm-up), GPU (timed) → the GPU from then on.
    let fast_gpu = edgeplay_gpu::PathChoice::new();
    let v: Vec<_> = (0..6).map(|_| call(&fast_gpu, &rt, 1, 2.0, 200.0).value).collect();
    assert_eq!(v, ["cpu", "cpu", "gpu", "gpu", "gpu", "gpu"]);
    assert_eq!(fast_gpu.decided().unwrap().0, edgeplay_gpu::Path::Gpu);
    // A new size measures again.
    assert_eq!(call(&fast_gpu, &rt, 2, 2.0, 200.0).value, "cpu");
    assert!(fast_gpu.decided().is_none());
    // Forced backends are obeyed without measuring.
    let forced = edgeplay_gpu::PathChoice::new();
    rt.set_backend(Backend::Gpu);
    assert_eq!(call(&forced, &rt, 1, 200.0, 2.0).value, "gpu");
    rt.set_backend(Backend::Cpu);
    assert_eq!(call(&forced, &rt, 1, 2.0, 200.0).value, "cpu");
    assert!(forced.decided().is_none());
}
