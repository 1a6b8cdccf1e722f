//! Encoder/decoder round trips, prefixes and corrupt streams, GPU = CPU motion search, and
//! the claim itself on a panned picture: hierarchical B spends fewer bits than IPP.

use std::sync::Arc;

use edgeplay_gpu::{Backend, Runtime};
use edgeplay_video::motion::{search_cpu, Mode, Plane8};
use edgeplay_video::{bd::bd_rate, decode, encode, Frame, Gop, Kind, Params};

fn kodim23() -> image::RgbImage {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/samples/kodim23.png");
    image::open(p).expect("www/samples/kodim23.png").to_rgb8()
}

/// `n` frames of `w x h`: a window panning across kodim23 by (3, 1) pixels per frame, then
/// halved (so the motion is (1.5, 0.5) pixels per frame, sub-pixel as a camera gives).
fn pan(n: usize, w: u32, h: u32) -> Arc<[Frame]> {
    let src = kodim23();
    (0..n as u32)
        .map(|t| {
            let win = image::imageops::crop_imm(&src, 120 + 3 * t, 100 + t, 2 * w, 2 * h).to_image();
            let img = edgeplay_core::Image::new(2 * w, 2 * h, 3, win.into_raw()).unwrap();
            Frame::from_image(&edgeplay_video::frame::downscale(&img, 2))
        })
        .collect()
}

fn cpu() -> Runtime {
    let rt = Runtime::new();
    rt.set_backend(Backend::Cpu);
    rt
}

fn params(gop: Gop, q: f32) -> Params {
    Params { gop, q, block: 16 }
}

#[test]
fn decoder_reproduces_the_encoders_frames_for_both_gops() {
    let clip = pan(17, 96, 64);
    let rt = cpu();
    for gop in [Gop::Ipp, Gop::Hierarchical(8)] {
        let enc = pollster::block_on(encode(&rt, clip.clone(), params(gop, 6.0))).unwrap();
        let dec = pollster::block_on(decode(&rt, enc.bytes.clone())).unwrap();
        assert_eq!(dec.note, None);
        for (i, f) in dec.frames.iter().enumerate() {
            let f = f.as_ref().expect("every frame decoded");
            assert_eq!(f.frame, enc.decoded[i], "{gop:?} frame {i}");
            assert_eq!(f.kind, enc.stats[i].kind);
            assert_eq!(f.bytes, enc.stats[i].bytes);
        }
        let total: usize = enc.stats.iter().map(|s| s.bytes).sum();
        assert_eq!(total + edgeplay_video::stream::HEADER_LEN, enc.bytes.len());
        assert!(enc.stats.iter().all(|s| s.psnr_y > 33.0), "{:?}", enc.stats.iter().map(|s| s.psnr_y).collect::<Vec<_>>());
        if gop == Gop::Ipp {
            assert!(enc.stats[1..].iter().all(|s| s.kind == Kind::P));
        } else {
            assert_eq!(enc.stats[8].kind, Kind::P);
            assert_eq!(enc.stats[4].kind, Kind::B);
        }
    }
}

#[test]
fn every_prefix_decodes_what_it_holds() {
    let clip = pan(5, 40, 24);
    let rt = cpu();
    let enc = pollster::block_on(encode(&rt, clip, params(Gop::Hierarchical(4), 8.0))).unwrap();
    let mut last = 0;
    for cut in 0..=enc.bytes.len() {
        match pollster::block_on(decode(&rt, enc.bytes[..cut].to_vec())) {
            Ok(d) => {
                assert!(d.decoded_count() >= last, "more bytes never decode fewer frames");
                last = d.decoded_count();
                if cut < enc.bytes.len() {
                    assert!(d.note.is_some() || d.frames.iter().all(Option::is_some));
                }
            }
            Err(e) => assert!(cut < edgeplay_video::stream::HEADER_LEN, "cut {cut}: {e}"),
        }
    }
    assert_eq!(last, 5);
}

#[test]
fn corrupt_streams_give_errors_not_panics() {
    let clip = pan(3, 32, 32);
    let rt = cpu();
    let enc = pollster::block_on(encode(&rt, clip, params(Gop::Ipp, 8.0))).unwrap();
    let mut seed = 12345u64;
    for i in 0..400 {
        let mut b = enc.bytes.clone();
        for _ in 0..1 + i % 4 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let at = (seed >> 33) as usize % b.len();
            b[at] ^= 1 << ((seed >> 20) % 8);
        }
        let _ = pollster::block_on(decode(&rt, b));
    }
    for bad in [&b"EPVC"[..], b"EPVC\x01\x00\x10\x00\xff\xff\xff\xff\x01\x00\x00\x00", b"nope", b""] {
        assert!(pollster::block_on(decode(&rt, bad.to_vec())).is_err());
    }
}

#[test]
fn one_frame_and_odd_sizes() {
    let rt = cpu();
    for (n, w, h) in [(1, 33, 17), (4, 7, 5), (3, 1, 1)] {
        let clip = pan(n, w, h);
        let enc = pollster::block_on(encode(&rt, clip.clone(), Params { gop: Gop::Hierarchical(2), q: 2.0, block: 8 })).unwrap();
        let dec = pollster::block_on(decode(&rt, enc.bytes)).unwrap();
        assert_eq!(dec.decoded_count(), n);
        assert!(enc.stats.iter().all(|s| s.psnr_y > 38.0), "{n} {w}x{h}");
    }
}

#[test]
fn gpu_search_equals_cpu_search() {
    let Some(gpu) = pollster::block_on(edgeplay_gpu::Gpu::request_or_skip()) else { return };
    let clip = pan(9, 120, 72);
    for (a, b, mode, block) in [(&clip[1], &clip[0], Mode::Forward, 16), (&clip[0], &clip[8], Mode::Bilateral, 16), (&clip[3], &clip[2], Mode::Forward, 8)] {
        let (pa, pb) = (Plane8::new(a.width, a.height, &a.planes[0]), Plane8::new(b.width, b.height, &b.planes[0]));
        let g = pollster::block_on(edgeplay_video::gpu::search(&gpu, pa, pb, mode, block)).unwrap();
        assert_eq!(g, search_cpu(pa, pb, mode, block), "{mode:?} block {block}");
    }
}

#[test]
fn known_pan_gives_its_vectors() {
    let clip = pan(2, 96, 64);
    let (a, b) = (&clip[1], &clip[0]);
    let f = search_cpu(Plane8::new(96, 64, &a.planes[0]), Plane8::new(96, 64, &b.planes[0]), Mode::Forward, 16);
    // The window moved right/down by (1.5, 0.5) pixels: cur(x) = ref(x + (1.5, 0.5)).
    let inner: Vec<[i32; 2]> = (1..f.rows - 1).flat_map(|r| (1..f.cols - 1).map(move |c| (r, c))).map(|(r, c)| f.vectors[r * f.cols + c]).collect();
    let hits = inner.iter().filter(|v| **v == [6, 2]).count();
    assert!(hits * 4 >= inner.len() * 3, "{inner:?}");
}

#[test]
fn hierarchical_b_spends_fewer_bits_than_ipp_on_a_pan() {
    let clip = pan(17, 128, 80);
    let rt = cpu();
    let curve = |gop| -> Vec<(f64, f64)> {
        [16.0f32, 10.0, 6.0, 4.0]
            .iter()
            .map(|&q| {
                let e = pollster::block_on(encode(&rt, clip.clone(), params(gop, q))).unwrap();
                let px = (128 * 80 * clip.len()) as f64;
                (e.bytes.len() as f64 * 8.0 / px, e.stats.iter().map(|s| s.psnr_y).sum::<f64>() / clip.len() as f64)
            })
            .collect()
    };
    let (p, b) = (curve(Gop::Ipp), curve(Gop::Hierarchical(8)));
    let d = bd_rate(&p, &b).unwrap();
    assert!(d < -5.0, "BD-rate of IB vs IPP {d:.1} %: P {p:?} B {b:?}");
}
