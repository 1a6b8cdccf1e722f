//! WGSL written per layer. Shapes, strides, padding and the register tile become constants,
//! and the tile loops are unrolled in the generated text, so every accumulator is a named
//! variable (no private arrays, which GPU compilers and CPU emulators alike may spill to
//! memory) and every index is a constant offset from a few loop-invariant registers.
//!
//! Layout (all kernels): batch-1 CHW `f32` activations, unpadded. Borders are handled by
//! clamping the load index into the image and multiplying the value by a 0/1 mask; both are
//! computed once per invocation (they do not depend on the input channel), so the inner loop
//! over input channels is branch-free. Weights are packed as `vec4` over output channels,
//! `[cout/4][cin][k][k]`, padded with zero channels to a whole number of tiles.
//!
//! One invocation computes a *tile*: `tx` outputs along x (for a transposed convolution
//! `tx` input columns, i.e. `stride · tx` output columns on each of `stride` output rows)
//! times `4 · ct4` output channels. Each input value loaded is used for up to
//! `k · ct4 · 4` multiply-adds, each weight vector for `tx` of them.

use std::fmt::Write;

use crate::graph::Act;

/// Workgroup size (x, y) for an output `oh` rows high: 8×8, or 64×1 for the one-row
/// images pointwise layers are flattened into.
pub(crate) fn workgroup(oh: usize) -> (u32, u32) {
    if oh == 1 {
        (64, 1)
    } else {
        (8, 8)
    }
}

/// What a convolution-like kernel adds after the multiply-accumulate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Epilogue {
    pub act: Act,
    /// A tensor of the output's shape added after the activation (a fused residual `Add`).
    pub residual: bool,
}

/// A dense (`groups == 1`) convolution or transposed convolution with its tile.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConvSpec {
    pub transpose: bool,
    pub cin: usize,
    pub cout: usize,
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
    pub ih: usize,
    pub iw: usize,
    pub oh: usize,
    pub ow: usize,
    pub tx: usize,
    pub ct4: usize,
    pub epi: Epilogue,
}

impl ConvSpec {
    /// Output-channel vec4 groups after padding to whole tiles.
    pub fn cout4_padded(&self) -> usize {
        self.cout.div_ceil(4 * self.ct4) * self.ct4
    }

    /// For a transposed convolution: the range of `q = (o + pad) / stride` over the output
    /// (each q covers `stride` outputs, one per phase).
    fn q_range(&self, n_out: usize) -> (usize, usize) {
        (self.pad / self.stride, (n_out - 1 + self.pad) / self.stride)
    }

    /// Workgroups to dispatch.
    pub fn groups(&self) -> (u32, u32, u32) {
        let z = (self.cout4_padded() / self.ct4) as u32;
        let wg = self.wg();
        if self.transpose {
            let (qx0, qx1) = self.q_range(self.ow);
            let (qy0, qy1) = self.q_range(self.oh);
            let nx = (qx1 - qx0 + 1).div_ceil(self.tx) as u32;
            ((nx).div_ceil(wg.0), ((qy1 - qy0 + 1) as u32).div_ceil(wg.1), z)
        } else {
            ((self.ow.div_ceil(self.tx) as u32).div_ceil(wg.0), (self.oh as u32).div_ceil(wg.1), z)
        }
    }

    fn wg(&self) -> (u32, u32) {
        if self.transpose {
            let (qy0, qy1) = self.q_range(self.oh);
            workgroup(qy1 - qy0 + 1)
        } else {
            workgroup(self.oh)
        }
    }

    pub fn wgsl(&self) -> String {
        if self.transpose {
            conv_transpose(self)
        } else {
            conv(self)
        }
    }
}

/// Bindings: the input, the weights with the bias appended (one buffer: WebGPU's default
/// limit is 4 storage buffers per stage), the output, and the fused residual if any.
fn header(s: &mut String, residual: bool, wt: &str) {
    let _ = writeln!(s, "@group(0) @binding(0) var<storage, read> src: array<f32>;");
    let _ = writeln!(s, "@group(0) @binding(1) var<storage, read> wt: array<{wt}>;");
    let _ = writeln!(s, "@group(0) @binding(2) var<storage, read_write> dst: array<f32>;");
    if residual {
        let _ = writeln!(s, "@group(0) @binding(3) var<storage, read> res: array<f32>;");
    }
}

fn act_expr(act: Act, v: &str, ty: &str) -> String {
    match act {
        Act::None => v.to_string(),
        Act::Relu => format!("max({v}, {ty}(0.0))"),
        // WGSL has no infinite literals: an unbounded side (±inf from a file) becomes ±f32::MAX.
        Act::Clip(lo, hi) => format!("clamp({v}, {ty}({:?}), {ty}({:?}))", lo.clamp(f32::MIN, f32::MAX), hi.clamp(f32::MIN, f32::MAX)),
    }
}

/// Clamped index and 0/1 mask of coordinate `expr` (an i32 expression) against `[0, n)`.
fn coord(s: &mut String, name: &str, expr: &str, n: usize, scale: Option<usize>) {
    let _ = writeln!(s, "    let {name}_i = {expr};");
    let mul = scale.map(|m| format!(" * {m}u")).unwrap_or_default();
    let _ = writeln!(s, "    let {name} = u32(clamp({name}_i, 0, {})){mul};", n as i64 - 1);
    let _ = writeln!(s, "    let m{name} = select(0.0, 1.0, {name}_i >= 0 && {name}_i < {n});");
}

/// Stores vec4 accumulator `acc` for output channel group `c` at pixel (`oy`, `ox`) (u32
/// expressions), after the activation and the residual, skipping padded channels.
fn store(s: &mut String, sp: &ConvSpec, c: usize, acc: &str, oy: &str, ox: &str) {
    let plane = sp.oh * sp.ow;
    let _ = writeln!(s, "        {{");
    let _ = writeln!(s, "            let v = {};", act_expr(sp.epi.act, acc, "vec4<f32>"));
    let _ = writeln!(s, "            let co = (c0 + {c}u) * 4u;");
    let _ = writeln!(s, "            let at = co * {plane}u + ({oy}) * {}u + ({ox});", sp.ow);
    for l in 0..4 {
        let _ = write!(s, "            if co + {l}u < {}u {{ ", sp.cout);
        if sp.epi.residual {
            let _ = writeln!(s, "dst[at + {}u] = v[{l}] + res[at + {}u]; }}", l * plane, l * plane);
        } else {
            let _ = writeln!(s, "dst[at + {}u] = v[{l}]; }}", l * plane);
        }
    }
    let _ = writeln!(s, "        }}");
}

/// Accumulators `a{prefix}_{c}` for each prefix, initialised with the bias (after the
/// weights in `wt`), the per-group weight bases `w{c}`, and the head of the loop over input
/// channels (`sb`: the channel's plane, `wb`: its k×k weights).
fn channel_loop(s: &mut String, sp: &ConvSpec, prefixes: &[String]) {
    let kk = sp.k * sp.k;
    for c in 0..sp.ct4 {
        let _ = writeln!(s, "    let w{c} = (c0 + {c}u) * {}u;", sp.cin * kk);
        for p in prefixes {
            let _ = writeln!(s, "    var a{p}_{c} = wt[{} + c0 + {c}u];", sp.cout4_padded() * sp.cin * kk);
        }
    }
    let _ = writeln!(s, "    for (var ci = 0u; ci < {}u; ci++) {{", sp.cin);
    let _ = writeln!(s, "        let sb = ci * {}u;\n        let wb = ci * {kk}u;", sp.ih * sp.iw);
}

/// Opens a block with input row `r{row}` loaded into `v0 … v{span-1}` (masked).
fn load_row(s: &mut String, row: usize, span: usize) {
    let _ = writeln!(s, "        {{\n            let rb = sb + r{row};");
    for j in 0..span {
        let _ = writeln!(s, "            let v{j} = src[rb + x{j}] * (mr{row} * mx{j});");
    }
}

/// One kernel tap: its weight vectors, then `a{prefix}_{c} += v{j} * q{c}` for each
/// (prefix, j).
fn tap(s: &mut String, ct4: usize, tap: usize, uses: &[(String, usize)]) {
    let _ = writeln!(s, "            {{");
    for c in 0..ct4 {
        let _ = writeln!(s, "            let q{c} = wt[w{c} + wb + {tap}u];");
    }
    for (p, j) in uses {
        for c in 0..ct4 {
            let _ = writeln!(s, "            a{p}_{c} += v{j} * q{c};");
        }
    }
    let _ = writeln!(s, "            }}");
}

/// The head of a kernel over output rows and `tx`-pixel runs: `ox0`, `oy`, the channel line
/// `chan` (e.g. `let c0 = g.z * 2u;`), the early return outside the output, and the clamped
/// input rows `r{ky}` and columns `x{j}` with their masks.
#[allow(clippy::too_many_arguments)]
fn window_head(s: &mut String, chan: &str, (k, st, pad, tx): (usize, usize, usize, usize), ih: usize, iw: usize, oh: usize, ow: usize) {
    let span = (tx - 1) * st + k;
    let _ = writeln!(s, "fn main(@builtin(global_invocation_id) g: vec3<u32>) {{");
    let _ = writeln!(s, "    let ox0 = g.x * {tx}u;\n    let oy = g.y;\n    {chan}");
    let _ = writeln!(s, "    if ox0 >= {ow}u || oy >= {oh}u {{ return; }}");
    let _ = writeln!(s, "    let iy0 = i32(oy * {st}u) - {pad};\n    let ix0 = i32(ox0 * {st}u) - {pad};");
    for ky in 0..k {
        coord(s, &format!("r{ky}"), &format!("iy0 + {ky}"), ih, Some(iw));
    }
    for j in 0..span {
        coord(s, &format!("x{j}"), &format!("ix0 + {j}"), iw, None);
    }
}

fn conv(sp: &ConvSpec) -> String {
    let (k, st, tx, ct4) = (sp.k, sp.stride, sp.tx, sp.ct4);
    let span = (tx - 1) * st + k;
    let mut s = String::new();
    let _ = writeln!(s, "// Conv2d {}→{} k{k} s{st} p{} on {}x{} → {}x{}, tile {tx} px × {} ch (generated by edgeplay-nn)", sp.cin, sp.cout, sp.pad, sp.ih, sp.iw, sp.oh, sp.ow, ct4 * 4);
    header(&mut s, sp.epi.residual, "vec4<f32>");
    let _ = writeln!(s, "@compute @workgroup_size({}, {}, 1)", sp.wg().0, sp.wg().1);
    window_head(&mut s, &format!("let c0 = g.z * {ct4}u;"), (k, st, sp.pad, tx), sp.ih, sp.iw, sp.oh, sp.ow);
    channel_loop(&mut s, sp, &(0..tx).map(|t| t.to_string()).collect::<Vec<_>>());
    for ky in 0..k {
        load_row(&mut s, ky, span);
        for kx in 0..k {
            tap(&mut s, ct4, ky * k + kx, &(0..tx).map(|t| (t.to_string(), t * st + kx)).collect::<Vec<_>>());
        }
        let _ = writeln!(s, "        }}");
    }
    let _ = writeln!(s, "    }}");
    for t in 0..tx {
        let _ = writeln!(s, "    if ox0 + {t}u < {}u {{", sp.ow);
        for c in 0..ct4 {
            store(&mut s, sp, c, &format!("a{t}_{c}"), "oy", &format!("ox0 + {t}u"));
        }
        let _ = writeln!(s, "    }}");
    }
    let _ = writeln!(s, "}}");
    s
}

/// Transposed convolution by output phase: output `o` with `o + pad = stride·q + r` gathers
/// kernel taps `r + stride·m` from input `q − m`. One invocation takes one input-grid row
/// `qy` and `tx` columns from `qx0` and computes all `stride²` phases of them.
fn conv_transpose(sp: &ConvSpec) -> String {
    let (k, st, tx, ct4) = (sp.k, sp.stride, sp.tx, sp.ct4);
    let mt = k.div_ceil(st); // taps per phase (at most)
    let span = tx + mt - 1;
    let (qx0, _) = sp.q_range(sp.ow);
    let (qy0, qy1) = sp.q_range(sp.oh);
    let (_, qx1) = sp.q_range(sp.ow);
    let mut s = String::new();
    let _ = writeln!(s, "// ConvTranspose2d {}→{} k{k} s{st} p{} on {}x{} → {}x{}, tile {tx} input columns × {st}² phases × {} ch (generated by edgeplay-nn)", sp.cin, sp.cout, sp.pad, sp.ih, sp.iw, sp.oh, sp.ow, ct4 * 4);
    header(&mut s, sp.epi.residual, "vec4<f32>");
    let _ = writeln!(s, "@compute @workgroup_size({}, {}, 1)", sp.wg().0, sp.wg().1);
    let _ = writeln!(s, "fn main(@builtin(global_invocation_id) g: vec3<u32>) {{");
    let _ = writeln!(s, "    let qx = {qx0}u + g.x * {tx}u;\n    let qy = {qy0}u + g.y;\n    let c0 = g.z * {ct4}u;");
    let _ = writeln!(s, "    if qx > {qx1}u || qy > {qy1}u {{ return; }}");
    for m in 0..mt {
        coord(&mut s, &format!("r{m}"), &format!("i32(qy) - {m}"), sp.ih, Some(sp.iw));
    }
    for j in 0..span {
        coord(&mut s, &format!("x{j}"), &format!("i32(qx) + {}", j as i64 - (mt as i64 - 1)), sp.iw, None);
    }
    let mut prefixes = Vec::new();
    for ry in 0..st {
        for rx in 0..st {
            prefixes.extend((0..tx).map(|t| format!("{ry}{rx}_{t}")));
        }
    }
    channel_loop(&mut s, sp, &prefixes);
    for my in 0..mt {
        load_row(&mut s, my, span);
        for ry in (0..st).filter(|ry| ry + st * my < k) {
            let ky = ry + st * my;
            for rx in 0..st {
                for mx in (0..mt).filter(|mx| rx + st * mx < k) {
                    let kx = rx + st * mx;
                    // input column qx + t − mx is v[t − mx + mt − 1]
                    tap(&mut s, ct4, ky * k + kx, &(0..tx).map(|t| (format!("{ry}{rx}_{t}"), t + mt - 1 - mx)).collect::<Vec<_>>());
                }
            }
        }
        let _ = writeln!(s, "        }}");
    }
    let _ = writeln!(s, "    }}");
    for ry in 0..st {
        let _ = writeln!(s, "    let oy{ry} = i32(qy * {st}u + {ry}u) - {};", sp.pad);
        let _ = writeln!(s, "    if oy{ry} >= 0 && oy{ry} < {} {{", sp.oh);
        for rx in 0..st {
            for t in 0..tx {
                let _ = writeln!(s, "    {{\n        let ox = i32((qx + {t}u) * {st}u + {rx}u) - {};", sp.pad);
                let _ = writeln!(s, "        if ox >= 0 && ox < {} {{", sp.ow);
                for c in 0..ct4 {
                    store(&mut s, sp, c, &format!("a{ry}{rx}_{t}_{c}"), &format!("u32(oy{ry})"), "u32(ox)");
                }
                let _ = writeln!(s, "        }}\n    }}");
            }
        }
        let _ = writeln!(s, "    }}");
    }
    let _ = writeln!(s, "}}");
    s
}

/// Depthwise convolution (`groups == cin == cout`): `tx` outputs along x of one channel.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DepthwiseSpec {
    pub c: usize,
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
    pub ih: usize,
    pub iw: usize,
    pub oh: usize,
    pub ow: usize,
    pub tx: usize,
    pub act: Act,
}

impl DepthwiseSpec {
    pub fn groups(&self) -> (u32, u32, u32) {
        let wg = workgroup(self.oh);
        ((self.ow.div_ceil(self.tx) as u32).div_ceil(wg.0), (self.oh as u32).div_ceil(wg.1), self.c as u32)
    }

    pub fn wgsl(&self) -> String {
        let (k, st, tx) = (self.k, self.stride, self.tx);
        let span = (tx - 1) * st + k;
        let mut s = String::new();
        let _ = writeln!(s, "// depthwise Conv2d {} ch k{k} s{st} p{} on {}x{} → {}x{}, tile {tx} px (generated by edgeplay-nn)", self.c, self.pad, self.ih, self.iw, self.oh, self.ow);
        header(&mut s, false, "f32");
        let wg = workgroup(self.oh);
        let _ = writeln!(s, "@compute @workgroup_size({}, {}, 1)", wg.0, wg.1);
        window_head(&mut s, "let c = g.z;", (k, st, self.pad, tx), self.ih, self.iw, self.oh, self.ow);
        let _ = writeln!(s, "    let sb = c * {}u;\n    let wb = c * {}u;", self.ih * self.iw, k * k);
        for t in 0..tx {
            let _ = writeln!(s, "    var a{t} = wt[{} + c];", self.c * k * k);
        }
        for ky in 0..k {
            let _ = writeln!(s, "    {{\n        let rb = sb + r{ky};");
            for j in 0..span {
                let _ = writeln!(s, "        let v{j} = src[rb + x{j}] * (mr{ky} * mx{j});");
            }
            for kx in 0..k {
                let _ = writeln!(s, "        let q{kx} = wt[wb + {}u];", ky * k + kx);
                for t in 0..tx {
                    let _ = writeln!(s, "        a{t} += v{} * q{kx};", t * st + kx);
                }
            }
            let _ = writeln!(s, "    }}");
        }
        let _ = writeln!(s, "    let at = c * {}u + oy * {}u + ox0;", self.oh * self.ow, self.ow);
        for t in 0..tx {
            let _ = writeln!(s, "    if ox0 + {t}u < {}u {{ dst[at + {t}u] = {}; }}", self.ow, act_expr(self.act, &format!("a{t}"), "f32"));
        }
        let _ = writeln!(s, "}}");
        s
    }
}

/// GDN / IGDN: `y_c = x_c / sqrt(β_c + Σ_j γ_cj x_j²)` (IGDN multiplies), `tx` pixels along x
/// times `4 · ct4` channels per invocation; γ packed `[c/4][c]` as vec4.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GdnSpec {
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub inverse: bool,
    pub tx: usize,
    pub ct4: usize,
}

impl GdnSpec {
    pub fn c4_padded(&self) -> usize {
        self.c.div_ceil(4 * self.ct4) * self.ct4
    }

    pub fn groups(&self) -> (u32, u32, u32) {
        let wg = workgroup(self.h);
        ((self.w.div_ceil(self.tx) as u32).div_ceil(wg.0), (self.h as u32).div_ceil(wg.1), (self.c4_padded() / self.ct4) as u32)
    }

    pub fn wgsl(&self) -> String {
        let (tx, ct4, n) = (self.tx, self.ct4, self.h * self.w);
        let mut s = String::new();
        let _ = writeln!(s, "// {} {} ch on {}x{}, tile {tx} px × {} ch (generated by edgeplay-nn)", if self.inverse { "IGDN" } else { "GDN" }, self.c, self.h, self.w, 4 * ct4);
        header(&mut s, false, "vec4<f32>");
        let wg = workgroup(self.h);
        let _ = writeln!(s, "@compute @workgroup_size({}, {}, 1)", wg.0, wg.1);
        let _ = writeln!(s, "fn main(@builtin(global_invocation_id) g: vec3<u32>) {{");
        let _ = writeln!(s, "    let ox0 = g.x * {tx}u;\n    let oy = g.y;\n    let c0 = g.z * {ct4}u;");
        let _ = writeln!(s, "    if ox0 >= {}u || oy >= {}u {{ return; }}", self.w, self.h);
        let _ = writeln!(s, "    let p = oy * {}u;", self.w);
        for t in 0..tx {
            let _ = writeln!(s, "    let p{t} = p + min(ox0 + {t}u, {}u);", self.w - 1);
        }
        for c in 0..ct4 {
            let _ = writeln!(s, "    let w{c} = (c0 + {c}u) * {}u;", self.c);
            for t in 0..tx {
                let _ = writeln!(s, "    var a{t}_{c} = wt[{} + c0 + {c}u];", self.c4_padded() * self.c);
            }
        }
        let _ = writeln!(s, "    for (var j = 0u; j < {}u; j++) {{", self.c);
        let _ = writeln!(s, "        let sb = j * {n}u;");
        for t in 0..tx {
            let _ = writeln!(s, "        let x{t} = src[sb + p{t}];\n        let v{t} = x{t} * x{t};");
        }
        for c in 0..ct4 {
            let _ = writeln!(s, "        let q{c} = wt[w{c} + j];");
            for t in 0..tx {
                let _ = writeln!(s, "        a{t}_{c} += v{t} * q{c};");
            }
        }
        let _ = writeln!(s, "    }}");
        for t in 0..tx {
            let _ = writeln!(s, "    if ox0 + {t}u < {}u {{", self.w);
            for c in 0..ct4 {
                let _ = writeln!(s, "        {{\n            let r = sqrt(a{t}_{c});\n            let co = (c0 + {c}u) * 4u;");
                for l in 0..4 {
                    let op = if self.inverse { "*" } else { "/" };
                    let _ = writeln!(s, "            if co + {l}u < {}u {{ let i = (co + {l}u) * {n}u + p{t}; dst[i] = src[i] {op} r[{l}]; }}", self.c);
                }
                let _ = writeln!(s, "        }}");
            }
            let _ = writeln!(s, "    }}");
        }
        let _ = writeln!(s, "}}");
        s
    }
}
