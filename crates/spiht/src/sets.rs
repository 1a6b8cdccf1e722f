//! Spatial-orientation trees over a Mallat-layout decomposition and the SPIHT passes
//! (Said & Pearlman 1996, section III): LIP, LIS (type A: all descendants D; type B:
//! descendants except children L) and LSP, sorting then refinement per bit-plane.
//!
//! One traversal serves encoder and decoder: the encoder knows the magnitudes and writes
//! each test's outcome; the decoder reads it. Both update the lists identically.

use crate::coder::{BitSink, BitSource};

/// Geometry of the padded planes: `w x h`, LL band `wl x hl` (both even).
#[derive(Clone, Copy, Debug)]
pub struct Geometry {
    pub w: usize,
    pub h: usize,
    pub wl: usize,
    pub hl: usize,
    pub comps: usize,
}

impl Geometry {
    /// Top-left of the 2x2 block of children of (y, x), if any.
    #[inline]
    pub fn children(&self, y: usize, x: usize) -> Option<(usize, usize)> {
        if y < self.hl && x < self.wl {
            let (oy, ox) = (y & 1, x & 1);
            if oy == 0 && ox == 0 {
                None
            } else {
                Some((y - oy + oy * self.hl, x - ox + ox * self.wl))
            }
        } else if 2 * y < self.h && 2 * x < self.w {
            Some((2 * y, 2 * x))
        } else {
            None
        }
    }
    #[inline]
    fn has_grandchildren(&self, y: usize, x: usize) -> bool {
        self.children(y, x).is_some_and(|(cy, cx)| self.children(cy, cx).is_some())
    }
    #[inline]
    fn in_ll(&self, y: usize, x: usize) -> bool {
        y < self.hl && x < self.wl
    }
}

/// Magnitudes, signs and the precomputed maxima that make set tests O(1) (encoder only).
pub struct Magnitudes {
    pub mag: Vec<Vec<u32>>,
    pub neg: Vec<Vec<bool>>,
    /// max |c| over all descendants of each coefficient.
    pub dmax: Vec<Vec<u32>>,
    /// max |c| over descendants that are not children.
    pub lmax: Vec<Vec<u32>>,
}

impl Magnitudes {
    pub fn new(g: &Geometry, coeffs: &[Vec<i32>]) -> Self {
        let mut mag = Vec::new();
        let mut neg = Vec::new();
        let mut dmax = Vec::new();
        let mut lmax = Vec::new();
        for c in coeffs {
            let m: Vec<u32> = c.iter().map(|v| v.unsigned_abs()).collect();
            let mut d = vec![0u32; c.len()];
            let mut l = vec![0u32; c.len()];
            // Children lie after their parent in row-major order (see Geometry::children),
            // so one reverse sweep over the parents computes the maxima bottom-up.
            for y in (0..g.h / 2).rev() {
                for x in (0..g.w / 2).rev() {
                    if let Some((cy, cx)) = g.children(y, x) {
                        let mut dm = 0;
                        let mut lm = 0;
                        for (yy, xx) in [(cy, cx), (cy, cx + 1), (cy + 1, cx), (cy + 1, cx + 1)] {
                            let i = yy * g.w + xx;
                            dm = dm.max(m[i]).max(d[i]);
                            lm = lm.max(d[i]);
                        }
                        d[y * g.w + x] = dm;
                        l[y * g.w + x] = lm;
                    }
                }
            }
            neg.push(c.iter().map(|v| *v < 0).collect());
            mag.push(m);
            dmax.push(d);
            lmax.push(l);
        }
        Magnitudes { mag, neg, dmax, lmax }
    }

    pub fn top_plane(&self) -> Option<u32> {
        let m = self.mag.iter().flat_map(|c| c.iter()).copied().max().unwrap_or(0);
        (m > 0).then(|| 31 - m.leading_zeros())
    }
}

// Packed list entries: component (2 bits) | y (14 bits) | x (14 bits), bit 31 = LIS type B.
const TYPE_B: u32 = 1 << 31;
#[inline]
fn pack(c: usize, y: usize, x: usize) -> u32 {
    ((c as u32) << 28) | ((y as u32) << 14) | x as u32
}
#[inline]
fn unpack(e: u32) -> (usize, usize, usize) {
    (((e >> 28) & 3) as usize, ((e >> 14) & 0x3fff) as usize, (e & 0x3fff) as usize)
}

// Context numbering for the arithmetic mode. "nb" is the significance of the 8 neighbours
// (as in EBCOT): horizontal+vertical count 0,1,2+ times diagonal count 0,1,2+ (9 values).
const C_LIP: usize = 0; // chroma(2) x ll(2) x nb(9) = 36
const C_D: usize = 36; // chroma(2) x ll(2) x self significant(2) x any neighbour significant(2) = 16
const C_L: usize = 52; // chroma(2) x self significant(2) = 4
const C_CHILD: usize = 56; // chroma(2) x significant siblings so far 0..3 (4) x nb(9) = 72
const C_SIGN: usize = 128; // chroma(2) x left neighbour sign(3) x upper neighbour sign(3) = 18
const C_REF: usize = 146; // chroma(2) x first refinement(2) = 4
pub const CONTEXTS: usize = 150;

/// What one side of the codec does with the outcome of each test.
pub enum Side<'a> {
    Encode(&'a Magnitudes),
    /// Reconstructed values per component (midpoint reconstruction).
    Decode(Vec<Vec<f32>>),
}

struct State<'a> {
    g: Geometry,
    side: Side<'a>,
    sig: Vec<Vec<bool>>,
    /// Sign of each significant coefficient (for sign contexts).
    neg: Vec<Vec<bool>>,
    /// Plane at which each LSP entry became significant (for refinement contexts).
    lip: Vec<u32>,
    lis: Vec<u32>,
    lsp: Vec<u32>,
    lsp_plane: Vec<u8>,
}

/// A unifying view of a sink or a source: `code(truth, ctx)` writes `truth` (encoder) or
/// reads the bit (decoder). `None` ends the stream.
pub trait Channel {
    const USES_CONTEXTS: bool;
    fn code(&mut self, truth: Option<bool>, ctx: usize) -> Option<bool>;
}

pub struct Enc<S: BitSink>(pub S);
pub struct Dec<S: BitSource>(pub S);

impl<S: BitSink> Channel for Enc<S> {
    const USES_CONTEXTS: bool = S::USES_CONTEXTS;
    #[inline]
    fn code(&mut self, truth: Option<bool>, ctx: usize) -> Option<bool> {
        let b = truth.expect("encoder knows every outcome");
        self.0.put(b, ctx).then_some(b)
    }
}
impl<S: BitSource> Channel for Dec<S> {
    const USES_CONTEXTS: bool = S::USES_CONTEXTS;
    #[inline]
    fn code(&mut self, _truth: Option<bool>, ctx: usize) -> Option<bool> {
        self.0.get(ctx)
    }
}

impl State<'_> {
    #[inline]
    fn mags(&self) -> Option<&Magnitudes> {
        match &self.side {
            Side::Encode(m) => Some(m),
            Side::Decode(_) => None,
        }
    }

    /// Neighbourhood significance context 0..9 (see the context table).
    #[inline]
    fn neighbours(&self, c: usize, y: usize, x: usize) -> usize {
        let s = &self.sig[c];
        let (w, h) = (self.g.w, self.g.h);
        let at = |yy: usize, xx: usize| s[yy * w + xx] as usize;
        let (l, r, u, d) = (x > 0, x + 1 < w, y > 0, y + 1 < h);
        let mut hv = 0;
        let mut dg = 0;
        if l {
            hv += at(y, x - 1);
        }
        if r {
            hv += at(y, x + 1);
        }
        if u {
            hv += at(y - 1, x);
            if l {
                dg += at(y - 1, x - 1);
            }
            if r {
                dg += at(y - 1, x + 1);
            }
        }
        if d {
            hv += at(y + 1, x);
            if l {
                dg += at(y + 1, x - 1);
            }
            if r {
                dg += at(y + 1, x + 1);
            }
        }
        hv.min(2) * 3 + dg.min(2)
    }

    /// Sign context: left and upper neighbours' signs (insignificant, +, -).
    #[inline]
    fn sign_ctx(&self, c: usize, y: usize, x: usize) -> usize {
        let w = self.g.w;
        let s = |i: usize| if !self.sig[c][i] { 0 } else if self.neg[c][i] { 2 } else { 1 };
        let left = if x > 0 { s(y * w + x - 1) } else { 0 };
        let up = if y > 0 { s((y - 1) * w + x) } else { 0 };
        ((c > 0) as usize * 3 + left) * 3 + up
    }

    /// Codes the sign of a newly significant coefficient and records it.
    #[inline]
    fn significant<Ch: Channel>(&mut self, ch: &mut Ch, c: usize, y: usize, x: usize, n: u32) -> Option<()> {
        let i = y * self.g.w + x;
        let truth = self.mags().map(|m| m.neg[c][i]);
        let ctx = if Ch::USES_CONTEXTS { C_SIGN + self.sign_ctx(c, y, x) } else { 0 };
        let negative = ch.code(truth, ctx)?;
        self.sig[c][i] = true;
        self.neg[c][i] = negative;
        self.lsp.push(pack(c, y, x));
        self.lsp_plane.push(n as u8);
        if let Side::Decode(rec) = &mut self.side {
            // Midpoint of the integers in [2^n, 2^(n+1)).
            let v = 1.5 * (1u64 << n) as f32 - 0.5;
            rec[c][i] = if negative { -v } else { v };
        }
        Some(())
    }

    fn sorting<Ch: Channel>(&mut self, ch: &mut Ch, n: u32) -> Option<()> {
        let t = 1u32 << n;
        // LIP
        let mut keep = Vec::with_capacity(self.lip.len());
        let lip = std::mem::take(&mut self.lip);
        let mut res = Some(());
        let mut k = 0;
        while k < lip.len() {
            let e = lip[k];
            let (c, y, x) = unpack(e);
            let ctx = if Ch::USES_CONTEXTS {
                C_LIP + (((c > 0) as usize * 2 + self.g.in_ll(y, x) as usize) * 9 + self.neighbours(c, y, x))
            } else {
                0
            };
            let truth = self.mags().map(|m| m.mag[c][y * self.g.w + x] >= t);
            match ch.code(truth, ctx) {
                None => {
                    res = None;
                    break;
                }
                Some(true) => {
                    if self.significant(ch, c, y, x, n).is_none() {
                        // The sign is beyond the stream: the coefficient stays unknown.
                        keep.push(e);
                        res = None;
                        k += 1;
                        break;
                    }
                }
                Some(false) => keep.push(e),
            }
            k += 1;
        }
        keep.extend_from_slice(&lip[k.min(lip.len())..]);
        self.lip = keep;
        res?;

        // LIS (grows while it is processed)
        let mut k = 0;
        while k < self.lis.len() {
            let e = self.lis[k];
            let (c, y, x) = unpack(e & !TYPE_B);
            let i = y * self.g.w + x;
            let chroma = (c > 0) as usize;
            if e & TYPE_B == 0 {
                let ctx = if Ch::USES_CONTEXTS {
                    let near = (self.neighbours(c, y, x) > 0) as usize;
                    C_D + ((chroma * 2 + self.g.in_ll(y, x) as usize) * 2 + self.sig[c][i] as usize) * 2 + near
                } else {
                    0
                };
                let truth = self.mags().map(|m| m.dmax[c][i] >= t);
                if ch.code(truth, ctx)? {
                    let (cy, cx) = self.g.children(y, x).expect("LIS entries have children");
                    // Without grandchildren, D significant means a child is: if the first
                    // three children are not, the fourth is, and costs no bit.
                    let leaf = !self.g.has_grandchildren(y, x);
                    let mut sibs = 0;
                    for (k, (yy, xx)) in [(cy, cx), (cy, cx + 1), (cy + 1, cx), (cy + 1, cx + 1)].into_iter().enumerate() {
                        let ctx = if Ch::USES_CONTEXTS { C_CHILD + ((chroma * 4 + sibs) * 9 + self.neighbours(c, yy, xx)) } else { 0 };
                        let truth = self.mags().map(|m| m.mag[c][yy * self.g.w + xx] >= t);
                        let implied = leaf && k == 3 && sibs == 0;
                        if implied || ch.code(truth, ctx)? {
                            sibs += 1;
                            self.significant(ch, c, yy, xx, n)?;
                        } else {
                            self.lip.push(pack(c, yy, xx));
                        }
                    }
                    if self.g.has_grandchildren(y, x) {
                        self.lis.push(e | TYPE_B);
                    }
                    self.lis[k] = u32::MAX; // removed
                }
            } else {
                let truth = self.mags().map(|m| m.lmax[c][i] >= t);
                if ch.code(truth, C_L + chroma * 2 + self.sig[c][i] as usize)? {
                    let (cy, cx) = self.g.children(y, x).expect("type B entries have children");
                    for (yy, xx) in [(cy, cx), (cy, cx + 1), (cy + 1, cx), (cy + 1, cx + 1)] {
                        self.lis.push(pack(c, yy, xx));
                    }
                    self.lis[k] = u32::MAX;
                }
            }
            k += 1;
        }
        self.lis.retain(|&e| e != u32::MAX);
        Some(())
    }

    fn refinement<Ch: Channel>(&mut self, ch: &mut Ch, n: u32, old: usize) -> Option<()> {
        let half = if n > 0 { (1u64 << (n - 1)) as f32 } else { 0.5 };
        for k in 0..old {
            let (c, y, x) = unpack(self.lsp[k]);
            let i = y * self.g.w + x;
            let first = (self.lsp_plane[k] as u32 == n + 1) as usize;
            let truth = self.mags().map(|m| m.mag[c][i] & (1 << n) != 0);
            let bit = ch.code(truth, C_REF + (c > 0) as usize * 2 + first)?;
            if let Side::Decode(rec) = &mut self.side {
                let v = &mut rec[c][i];
                let d = if bit { half } else { -half };
                *v += if *v < 0.0 { -d } else { d };
            }
        }
        Some(())
    }
}

/// Runs the SPIHT passes from bit-plane `top` down to 0 until the channel ends.
/// Returns the decoder's reconstruction (None when encoding).
pub fn run<Ch: Channel>(g: Geometry, side: Side<'_>, ch: &mut Ch, top: Option<u32>) -> Option<Vec<Vec<f32>>> {
    let mut st = State {
        g,
        side,
        sig: vec![vec![false; g.w * g.h]; g.comps],
        neg: vec![vec![false; g.w * g.h]; g.comps],
        lip: Vec::new(),
        lis: Vec::new(),
        lsp: Vec::new(),
        lsp_plane: Vec::new(),
    };
    // Components interleaved at the root: every bit-plane codes all of them.
    for y in 0..g.hl {
        for x in 0..g.wl {
            for c in 0..g.comps {
                st.lip.push(pack(c, y, x));
                if g.children(y, x).is_some() {
                    st.lis.push(pack(c, y, x));
                }
            }
        }
    }
    if let Some(top) = top {
        for n in (0..=top).rev() {
            let old = st.lsp.len();
            if st.sorting(ch, n).is_none() || st.refinement(ch, n, old).is_none() {
                break;
            }
        }
    }
    match st.side {
        Side::Decode(rec) => Some(rec),
        Side::Encode(_) => None,
    }
}
