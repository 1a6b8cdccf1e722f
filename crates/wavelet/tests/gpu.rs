//! GPU vs CPU on the native adapter (Mesa lavapipe in CI). Skips when there is no adapter
//! unless EDGEPLAY_REQUIRE_GPU=1, which the test script sets.

use edgeplay_gpu::{Backend, Clock, Gpu, Path, Runtime};
use edgeplay_wavelet::{cpu, gpu, Direction, Plane};
use rand::{rngs::StdRng, Rng, SeedableRng};

fn device() -> Option<Gpu> {
    pollster::block_on(Gpu::request_or_skip())
}

fn random(w: usize, h: usize, seed: u64) -> Plane {
    let mut r = StdRng::seed_from_u64(seed);
    Plane::new(w, h, (0..w * h).map(|_| r.random::<f32>() * 255.0).collect()).unwrap()
}

fn rel(a: &Plane, b: &Plane) -> f32 {
    a.max_abs_diff(b) / a.max_abs().max(1e-6)
}

#[test]
fn gpu_matches_cpu() {
    let Some(g) = device() else { return };
    eprintln!("adapter: {:?}", g.info());
    for &(w, h) in &[(1usize, 1usize), (2, 1), (1, 9), (7, 5), (64, 64), (768, 512), (1023, 767)] {
        for levels in [1u32, 5] {
            let x = random(w, h, (w * 7 + h) as u64);
            let mut c = x.clone();
            cpu::forward(&mut c, levels);
            let (gc, t) = pollster::block_on(gpu::transform(&g, &x, levels, Direction::Forward)).unwrap();
            let e = rel(&c, &gc);
            assert!(e <= 1e-4, "forward {w}x{h} L{levels}: rel err {e}");
            assert!(t.ms >= 0.0);
            let mut r = c.clone();
            cpu::inverse(&mut r, levels);
            let (gr, _) = pollster::block_on(gpu::transform(&g, &c, levels, Direction::Inverse)).unwrap();
            let e = rel(&r, &gr);
            assert!(e <= 1e-4, "inverse {w}x{h} L{levels}: rel err {e}");
            let (rc, rr, _) = pollster::block_on(gpu::roundtrip(&g, &x, levels)).unwrap();
            assert!(rel(&c, &rc) <= 1e-4 && x.max_abs_diff(&rr) <= 1e-4 * 255.0, "roundtrip {w}x{h}");
        }
    }
    // One shader, two entry points: the cache holds exactly two pipelines.
    assert_eq!(g.cached_pipelines(), 2);
}

#[test]
fn runtime_falls_back_to_cpu_after_device_loss() {
    if device().is_none() {
        return;
    }
    let rt = Runtime::new();
    let x = random(33, 17, 1);
    let a = pollster::block_on(edgeplay_wavelet::forward(&rt, &x, 3)).unwrap();
    assert_eq!(a.path, Path::Gpu);
    assert!(matches!(a.timing.clock, Clock::GpuTimestamp | Clock::WallClock));
    rt.device_if_ready().unwrap().simulate_loss();
    let b = pollster::block_on(edgeplay_wavelet::forward(&rt, &x, 3)).unwrap();
    assert_eq!(b.path, Path::Cpu);
    assert!(rel(&a.value, &b.value) <= 1e-4);
    let s = pollster::block_on(rt.status());
    assert_eq!(s.path, Path::Cpu);
    assert!(s.reason.unwrap().contains("lost"));
    // Forcing the GPU now reports the loss instead of silently using the CPU.
    rt.set_backend(Backend::Gpu);
    assert!(pollster::block_on(edgeplay_wavelet::forward(&rt, &x, 3)).is_err());
}

#[test]
fn cpu_backend_never_touches_the_gpu() {
    let rt = Runtime::new();
    rt.set_backend(Backend::Cpu);
    let x = random(16, 16, 2);
    let r = pollster::block_on(edgeplay_wavelet::forward(&rt, &x, 2)).unwrap();
    assert_eq!(r.path, Path::Cpu);
    assert!(rt.device_if_ready().is_none());
}
