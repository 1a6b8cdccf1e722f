//! Untrusted bytes into the ONNX reader of `<ep-depth>`'s bring-your-own-model path: the
//! declared input, the graph (operators, constants, attributes), its shapes at the declared
//! size — a clear error, never a panic, no allocation from declared shapes (tensor sizes are
//! checked against the bytes present; values over `MAX_TENSOR_ELEMENTS` are refused). Small
//! graphs are also run on the CPU interpreter. Run in `fuzz/`, seeded with the test graphs:
//! `mkdir -p corpus/onnx_graph && RUSTC_BOOTSTRAP=1 cargo fuzz run onnx_graph corpus/onnx_graph seeds/onnx_graph`
#![no_main]

use edgeplay_nn::{cpu, Graph, Tensor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = edgeplay_nn::declared_input(data);
    let Ok(g) = Graph::from_onnx(data) else { return };
    let (h, w) = g.input_hw.unwrap_or((8, 8));
    let Ok(shapes) = g.shapes(h.min(64), w.min(64)) else { return };
    // Run only what stays small (the interpreter's cost is the graph's, not the reader's).
    let work: usize = shapes.iter().map(|s| s.iter().product::<usize>()).sum();
    if work <= 1 << 16 && g.macs(h.min(64), w.min(64)).is_ok_and(|m| m <= 1 << 22) {
        let x = Tensor::zeros(g.in_channels, h.min(64), w.min(64));
        let out = cpu::run(&g, &x).expect("shapes were checked");
        assert_eq!(out.shape(), shapes[g.output]);
    }
});
