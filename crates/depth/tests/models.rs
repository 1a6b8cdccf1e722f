//! The bring-your-own-model path on small random-weight graphs with the real architectures'
//! operators (crates/nn/tests/data/make_depth_ops.py): MiDaS-small-like runs on our executor
//! (and its GPU path equals tract), DPT/Depth-Anything-like falls back to tract with the
//! operator named; graphs that are not picture → depth, garbage and truncated files are
//! refused with a message; FastDepth predicts at the picture's own size.

use edgeplay_depth::{DepthModel, ModelSpec, Output};
use edgeplay_gpu::{Backend, Runtime};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../nn/tests/data");

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DATA}/{name}")).unwrap()
}

fn picture(w: usize, h: usize) -> Vec<u8> {
    (0..w * h).flat_map(|i| [(i % w * 255 / w) as u8, (i / w * 255 / h) as u8, 90]).collect()
}

#[test]
fn midas_like_runs_on_our_executor_on_both_paths() {
    let m = DepthModel::from_onnx("midas", &read("midas_small_like.onnx"), ModelSpec::relative(32, 32)).unwrap();
    assert!(m.tract_only().is_none(), "{:?}", m.tract_only());
    let rgb = picture(50, 30);
    let mut maps = Vec::new();
    for backend in [Backend::Cpu, Backend::Gpu] {
        let rt = Runtime::new();
        rt.set_backend(backend);
        match pollster::block_on(m.predict(&rt, &rgb, 3, 50, 30)) {
            Ok(ran) => {
                assert_eq!((ran.value.width, ran.value.height, ran.value.output), (50, 30, Output::Relative));
                maps.push(ran.value.values);
            }
            Err(e) => {
                assert_eq!(backend, Backend::Gpu, "{e}");
                assert!(std::env::var("EDGEPLAY_REQUIRE_GPU").as_deref() != Ok("1"), "no GPU: {e}");
            }
        }
    }
    if let [cpu, gpu] = maps.as_slice() {
        let scale = cpu.iter().fold(0f32, |a, v| a.max(v.abs())).max(1e-6);
        let err = cpu.iter().zip(gpu).fold(0f32, |a, (x, y)| a.max((x - y).abs())) / scale;
        assert!(err <= 1e-3, "WGSL vs tract: rel err {err}");
    }
}

#[test]
fn dpt_like_falls_back_to_tract_and_says_why() {
    let m = DepthModel::from_onnx("dpt", &read("dpt_like.onnx"), ModelSpec::relative(32, 32)).unwrap();
    let why = m.tract_only().expect("transformer operators are not in our executor");
    assert!(why.contains("operator"), "{why}");
    let rt = Runtime::new();
    let ran = pollster::block_on(m.predict(&rt, &picture(40, 40), 3, 40, 40)).unwrap();
    assert_eq!(ran.path, edgeplay_gpu::Path::Cpu);
    assert!(ran.fallback.is_none(), "not a GPU failure");
    assert_eq!(ran.value.values.len(), 40 * 40);
}

#[test]
fn refuses_what_is_not_a_depth_network() {
    let spec = ModelSpec { height: 8, width: 8, ..ModelSpec::FASTDEPTH };
    for (name, bytes) in [
        ("garbage", b"\x08\x07garbage that is not protobuf".to_vec()),
        ("empty", vec![]),
        ("truncated", read("depth_ops.onnx")[..3000].to_vec()),
        ("four channels out", read("unsupported.onnx")),
    ] {
        let e = DepthModel::from_onnx(name, &bytes, spec).err().unwrap_or_else(|| panic!("{name} was accepted"));
        assert!(!e.to_string().is_empty());
    }
    let e = DepthModel::from_onnx("tiny", &read("midas_small_like.onnx"), ModelSpec::relative(4, 4)).err().unwrap();
    assert!(e.to_string().contains("8..2048"), "{e}");
}

#[test]
fn fastdepth_keeps_the_pictures_size() {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/fastdepth/fastdepth.onnx")).unwrap();
    let m = DepthModel::fastdepth(&bytes).unwrap();
    let rt = Runtime::new();
    rt.set_backend(Backend::Cpu);
    for (w, h) in [(300, 100), (97, 211)] {
        let d = pollster::block_on(m.predict(&rt, &picture(w, h), 3, w, h)).unwrap().value;
        assert_eq!((d.width, d.height, d.values.len()), (w, h, w * h));
        assert!(d.values.iter().all(|v| v.is_finite() && *v > 0.0));
    }
    assert!(pollster::block_on(m.predict(&rt, &[0u8; 10], 3, 300, 100)).is_err(), "too few bytes");
    assert!(pollster::block_on(m.predict(&rt, &[], 3, 0, 0)).is_err(), "empty picture");
}
