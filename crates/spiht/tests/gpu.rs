//! The decoder's inverse DWT on the GPU (lavapipe in CI) gives the CPU decoder's pixels.

use edgeplay_spiht::{decode, decode_coefficients, encode, EncodeOptions, Image, Mode};
use edgeplay_wavelet::{Path, Runtime};

#[test]
fn gpu_inverse_matches_cpu_decode() {
    let rt = Runtime::new();
    if let Err(e) = pollster::block_on(rt.device()) {
        assert!(std::env::var("EDGEPLAY_REQUIRE_GPU").map_or(true, |v| v != "1"), "no GPU: {e}");
        eprintln!("skipping: {e}");
        return;
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/samples/kodim19.png");
    let img = image::open(path).unwrap().to_rgb8();
    let img = Image::new(img.width(), img.height(), 3, img.into_raw()).unwrap();
    let stream = encode(&img, &EncodeOptions { mode: Mode::Arithmetic, max_bytes: None });
    for bytes in [2_000, 30_000] {
        let cpu = decode(&stream, Some(bytes)).unwrap();
        let (gpu, p) = pollster::block_on(decode_coefficients(&stream, Some(bytes)).unwrap().to_image_on(&rt)).unwrap();
        assert_eq!(p, Path::Gpu);
        let max = cpu.data.iter().zip(&gpu.data).map(|(a, b)| (*a as i32 - *b as i32).abs()).max().unwrap();
        assert!(max <= 1, "{bytes} bytes: GPU and CPU pixels differ by {max}");
    }
}
