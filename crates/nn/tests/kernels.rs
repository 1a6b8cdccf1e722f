//! The generated WGSL kernels against the CPU interpreter (itself checked against tract in
//! `executors.rs`) on random layers: dense and transposed convolutions of every kernel size,
//! stride, padding and output padding our models use and some they do not, odd sizes, 1×1
//! inputs, channel counts that are not multiples of the register tile, depthwise and grouped
//! convolutions, kernels too large to unroll (fixed kernels instead), GDN/IGDN, and residual adds fused into the convolution before them — with the
//! tiled kernels and with the simple baseline kernels. GPU tests run on the native adapter
//! (Mesa lavapipe in CI); they skip without one unless EDGEPLAY_REQUIRE_GPU=1.

use edgeplay_gpu::Gpu;
use edgeplay_nn::gpu::{GpuGraph, Kernels, Tiles};
use edgeplay_nn::{cpu, testing, Act, Graph, Op, Tensor};
use rand::{rngs::StdRng, Rng, SeedableRng};

fn device() -> Option<Gpu> {
    pollster::block_on(Gpu::request_or_skip())
}

fn random(r: &mut StdRng, n: usize) -> Vec<f32> {
    (0..n).map(|_| r.random::<f32>() * 2.0 - 1.0).collect()
}

#[allow(clippy::too_many_arguments)]
fn conv(r: &mut StdRng, transpose: bool, cin: usize, cout: usize, groups: usize, k: usize, stride: usize, pad: usize, out_pad: usize, act: Act) -> Op {
    testing::conv(&mut |n| random(r, n), transpose, cin, cout, groups, k, stride, pad, out_pad, act)
}

fn check(gpu: &Gpu, g: &Graph, h: usize, w: usize, seed: u64, what: &str) {
    check_with(gpu, g, h, w, seed, what, 0b1111)
}

/// `sets`: bit 0 the software tiles, 1 the GPU tiles, 2 the simple kernels, 3 odd tiles.
/// Compiling the unrolled shaders dominates these tests' time on lavapipe (about a second
/// each without Mesa's shader cache), so the random-layer sweep spreads the sets over layers.
fn check_with(gpu: &Gpu, g: &Graph, h: usize, w: usize, seed: u64, what: &str, sets: u32) {
    let mut r = StdRng::seed_from_u64(seed);
    let x = Tensor::new(g.in_channels, h, w, random(&mut r, g.in_channels * h * w)).unwrap();
    let want = cpu::run(g, &x).unwrap();
    // Both tile sets (a software adapter's and a GPU's), odd ones, and the simple kernels.
    let odd = Tiles { conv: (3, 3), conv_transpose: (5, 2), gdn: (3, 3), depthwise: 3 };
    let mut graphs = vec![];
    if sets & 1 != 0 {
        graphs.push(("software tiles", GpuGraph::with_tiles(gpu, g, SOFTWARE)));
    }
    if sets & 2 != 0 {
        graphs.push(("gpu tiles", GpuGraph::with_tiles(gpu, g, HARDWARE)));
    }
    if sets & 4 != 0 {
        graphs.push(("simple kernels", GpuGraph::with_kernels(gpu, g, Kernels::Simple)));
    }
    if sets & 8 != 0 {
        graphs.push(("odd tiles", GpuGraph::with_tiles(gpu, g, odd)));
    }
    for (kind, gg) in &graphs {
        // Twice: the second run reuses the plan built by the first.
        for run in 0..2 {
            let (got, _) = pollster::block_on(gg.run(&x)).unwrap();
            assert_eq!(got.shape(), want.shape(), "{what} {kind}");
            let e = got.rel_max_err(&want);
            assert!(e <= 1e-4, "{what} on {h}x{w}, {kind} run {run}: rel err {e}");
        }
    }
}

const SOFTWARE: Tiles = Tiles { conv: (8, 2), conv_transpose: (16, 1), gdn: (16, 4), depthwise: 4 };
const HARDWARE: Tiles = Tiles { conv: (4, 2), conv_transpose: (2, 2), gdn: (4, 2), depthwise: 4 };

#[test]
fn tiles_follow_the_adapter() {
    let Some(gpu) = device() else { return };
    let want = if gpu.info().is_software() { SOFTWARE } else { HARDWARE };
    assert_eq!(Tiles::for_adapter(gpu.info()), want);
}

#[test]
fn random_convolutions_match_the_interpreter() {
    let Some(gpu) = device() else { return };
    let mut r = StdRng::seed_from_u64(7);
    let acts = [Act::None, Act::Relu, Act::Clip(-0.3, 0.4), Act::Clip(f32::NEG_INFINITY, 0.2)];
    let mut n = 0;
    for transpose in [false, true] {
        for &(k, stride, pad) in &[(1, 1, 0), (3, 1, 1), (3, 2, 1), (5, 2, 2), (4, 2, 1), (5, 1, 2), (3, 3, 0), (2, 2, 0), (9, 1, 4)] {
            // 12 outputs: one and a half tiles of 8 channels; 3: fewer than one vec4.
            for &(cin, cout) in &[(8, 12), (6, 3)] {
                let out_pad = if transpose && stride > 1 { n % stride } else { 0 };
                let op = conv(&mut r, transpose, cin, cout, 1, k, stride, pad, out_pad, acts[n % 4]);
                let g = testing::single(op, cin);
                // Every layer with the software tiles at 13x21; the other sets and the 1x1
                // input on some of the layers each.
                for (h, w) in [(13, 21), (1, 1)] {
                    if g.shapes(h, w).is_err() || (h == 1 && n % 4 != 0) {
                        continue;
                    }
                    let sets = 1 | [2, 4, 8][n % 3];
                    let what = format!("{} k{k} s{stride} p{pad} op{out_pad} {cin}→{cout}", if transpose { "convT" } else { "conv" });
                    check_with(&gpu, &g, h, w, n as u64, &what, sets);
                }
                n += 1;
            }
        }
    }
}

#[test]
fn depthwise_grouped_and_gdn_match_the_interpreter() {
    let Some(gpu) = device() else { return };
    let mut r = StdRng::seed_from_u64(8);
    for &(k, stride, pad) in &[(3, 1, 1), (3, 2, 1), (5, 1, 2), (5, 2, 2), (9, 1, 4)] {
        let g = testing::single(conv(&mut r, false, 7, 7, 7, k, stride, pad, 0, Act::Clip(0.0, 6.0)), 7);
        check_with(&gpu, &g, 17, 11, k as u64, &format!("depthwise k{k} s{stride}"), 0b111);
        let g = testing::single(conv(&mut r, false, 8, 6, 2, k, stride, pad, 0, Act::Relu), 8);
        check(&gpu, &g, 17, 11, k as u64, &format!("grouped k{k} s{stride}"));
    }
    for inverse in [false, true] {
        for c in [3, 13] {
            let beta: Vec<f32> = (0..c).map(|_| 0.5 + r.random::<f32>()).collect();
            let gamma: Vec<f32> = (0..c * c).map(|_| 0.1 * r.random::<f32>()).collect();
            let g = testing::single(Op::Gdn { inverse, beta, gamma }, c);
            check(&gpu, &g, 9, 14, c as u64, &format!("gdn inverse={inverse} c={c}"));
        }
    }
}

#[test]
fn residual_adds_fuse_into_the_convolution() {
    let Some(gpu) = device() else { return };
    let mut r = StdRng::seed_from_u64(9);
    let g = testing::residual_graph(&mut |n| random(&mut r, n));
    check(&gpu, &g, 11, 7, 1, "residual graph");
    // Both adds are gone from the plan: 4 dispatches, two of them with the add.
    let gg = GpuGraph::new(&gpu, &g);
    let x = Tensor::zeros(3, 11, 7);
    pollster::block_on(gg.run(&x)).unwrap();
    let d = gg.dispatches();
    assert_eq!(d.len(), 4, "{d:?}");
    assert_eq!(d.iter().filter(|l| l.ends_with("+ add")).count(), 2, "{d:?}");
}
