//! Layers and graphs for the executors' agreement tests — natively in `tests/kernels.rs` and
//! in the browser through the neural module's `nn_kernels_selfcheck` hook — built from the
//! caller's random numbers (`rnd(n)` returns `n` values), so both draw the same shapes.

use crate::graph::{Act, Binary, Conv, Graph, Layer, Op};

/// A convolution (or transposed convolution) with random weights and bias.
#[allow(clippy::too_many_arguments)]
pub fn conv(rnd: &mut dyn FnMut(usize) -> Vec<f32>, transpose: bool, cin: usize, cout: usize, groups: usize, k: usize, stride: usize, pad: usize, out_pad: usize, act: Act) -> Op {
    let weight = rnd(cout * (cin / groups) * k * k);
    Op::Conv(Conv { transpose, cin, cout, groups, k, stride, pad, out_pad, weight, bias: rnd(cout), act })
}

/// A graph of one layer reading the input.
pub fn single(op: Op, in_channels: usize) -> Graph {
    Graph { layers: vec![Layer { op, inputs: vec![0] }], in_channels, output: 1, input_hw: None }
}

/// Six layers, two of them residual adds the WGSL executor fuses into the convolution before
/// them (so its plan has 4 dispatches): v1 = conv(x); v2 = relu(conv(v1)); v3 = v2 + v1;
/// v4 = convT(v3); v5 = clip(convT(v1)); v6 = v4 + v5 (v4 is computed before v5, so the add
/// fuses into v5's layer with v4 as the residual). 3 input channels, 5 output channels at
/// twice the input size.
pub fn residual_graph(rnd: &mut dyn FnMut(usize) -> Vec<f32>) -> Graph {
    let layers = vec![
        Layer { op: conv(rnd, false, 3, 8, 1, 3, 1, 1, 0, Act::None), inputs: vec![0] },
        Layer { op: conv(rnd, false, 8, 8, 1, 3, 1, 1, 0, Act::Relu), inputs: vec![1] },
        Layer { op: Op::Binary(Binary::Add), inputs: vec![2, 1] },
        Layer { op: conv(rnd, true, 8, 5, 1, 5, 2, 2, 1, Act::None), inputs: vec![3] },
        Layer { op: conv(rnd, true, 8, 5, 1, 5, 2, 2, 1, Act::Clip(-0.5, 0.5)), inputs: vec![1] },
        Layer { op: Op::Binary(Binary::Add), inputs: vec![4, 5] },
    ];
    Graph { layers, in_channels: 3, output: 6, input_hw: None }
}
