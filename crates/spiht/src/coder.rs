//! The two entropy modes behind one interface: plain bits, and context-adaptive binary
//! arithmetic coding on constriction's range coder (16-bit words, so a byte prefix loses at
//! most one byte). Encoders stop at a byte budget; decoders stop, without guessing, at the
//! first symbol the available bytes do not determine.

use std::borrow::Borrow;
use std::cell::Cell;
use std::convert::Infallible;
use std::num::NonZeroU16;
use std::rc::Rc;

use constriction::backends::ReadWords;
use constriction::stream::model::{DecoderModel, EncoderModel, EntropyModel};
use constriction::stream::queue::{RangeDecoder, SmallRangeEncoder};
use constriction::stream::{Decode, Encode};
use constriction::Queue;

/// Writes the bits of the embedded stream. `put` returns false once the budget is reached
/// (the bit that did not fit is not part of the stream).
pub trait BitSink {
    /// Whether `ctx` matters (callers skip computing contexts otherwise).
    const USES_CONTEXTS: bool;
    fn put(&mut self, bit: bool, ctx: usize) -> bool;
}

/// Reads the bits back; `None` when the stream (prefix) ends.
pub trait BitSource {
    const USES_CONTEXTS: bool;
    fn get(&mut self, ctx: usize) -> Option<bool>;
}

// ---------------------------------------------------------------- binary mode

pub struct BinaryWriter {
    pub bytes: Vec<u8>,
    nbits: usize,
    max_bits: usize,
}

impl BinaryWriter {
    pub fn new(max_bytes: Option<usize>) -> Self {
        BinaryWriter { bytes: Vec::new(), nbits: 0, max_bits: max_bytes.map_or(usize::MAX, |b| b.saturating_mul(8)) }
    }
}

impl BitSink for BinaryWriter {
    const USES_CONTEXTS: bool = false;
    #[inline]
    fn put(&mut self, bit: bool, _ctx: usize) -> bool {
        if self.nbits >= self.max_bits {
            return false;
        }
        if self.nbits.is_multiple_of(8) {
            self.bytes.push(0);
        }
        if bit {
            *self.bytes.last_mut().unwrap() |= 0x80 >> (self.nbits % 8);
        }
        self.nbits += 1;
        true
    }
}

pub struct BinaryReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> BinaryReader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        BinaryReader { data, pos: 0 }
    }
}

impl BitSource for BinaryReader<'_> {
    const USES_CONTEXTS: bool = false;
    #[inline]
    fn get(&mut self, _ctx: usize) -> Option<bool> {
        let byte = *self.data.get(self.pos / 8)?;
        let bit = byte & (0x80 >> (self.pos % 8)) != 0;
        self.pos += 1;
        Some(bit)
    }
}

// ---------------------------------------------------------------- arithmetic mode

const PRECISION: usize = 12;
const ONE: u32 = 1 << 16;

/// An adaptive probability of `false`: the mean of a fast (rate 1/16) and a slow (rate
/// 1/128) exponentially forgetting estimate, 16-bit fixed point.
#[derive(Clone, Copy)]
struct Adaptive(u32, u32);

impl Adaptive {
    const fn new() -> Self {
        Adaptive(ONE / 2, ONE / 2)
    }
    #[inline]
    fn model(self) -> BitModel {
        let p = (self.0 + self.1) >> (17 - PRECISION);
        BitModel((p as u16).clamp(1, (1 << PRECISION) - 1))
    }
    #[inline]
    fn update(&mut self, bit: bool) {
        if bit {
            self.0 -= self.0 >> 4;
            self.1 -= self.1 >> 7;
        } else {
            self.0 += (ONE - self.0) >> 4;
            self.1 += (ONE - self.1) >> 7;
        }
    }
}

/// A binary distribution for constriction: probability of `false` in units of 2^-12.
#[derive(Clone, Copy)]
struct BitModel(u16);

impl EntropyModel<PRECISION> for BitModel {
    type Symbol = bool;
    type Probability = u16;
}

impl EncoderModel<PRECISION> for BitModel {
    #[inline]
    fn left_cumulative_and_probability(&self, symbol: impl Borrow<bool>) -> Option<(u16, NonZeroU16)> {
        let p0 = self.0;
        if *symbol.borrow() {
            Some((p0, NonZeroU16::new((1 << PRECISION) - p0)?))
        } else {
            Some((0, NonZeroU16::new(p0)?))
        }
    }
}

impl DecoderModel<PRECISION> for BitModel {
    #[inline]
    fn quantile_function(&self, quantile: u16) -> (bool, u16, NonZeroU16) {
        let p0 = self.0;
        if quantile < p0 {
            (false, 0, NonZeroU16::new(p0).expect("p0 >= 1"))
        } else {
            (true, p0, NonZeroU16::new((1 << PRECISION) - p0).expect("p0 < 2^12"))
        }
    }
}

pub struct ArithWriter {
    enc: SmallRangeEncoder,
    ctx: Vec<Adaptive>,
    max_words: usize,
    max_bytes: Option<usize>,
}

impl ArithWriter {
    pub fn new(contexts: usize, max_bytes: Option<usize>) -> Self {
        ArithWriter {
            enc: SmallRangeEncoder::new(),
            ctx: vec![Adaptive::new(); contexts],
            max_words: max_bytes.map_or(usize::MAX, |b| b.div_ceil(2)),
            max_bytes,
        }
    }

    /// The stream (little-endian 16-bit words), cut to the budget.
    pub fn finish(self) -> Vec<u8> {
        let words = self.enc.into_compressed().unwrap_or_else(|e| match e {});
        let mut bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        if let Some(m) = self.max_bytes {
            bytes.truncate(m);
        }
        bytes
    }
}

impl BitSink for ArithWriter {
    const USES_CONTEXTS: bool = true;
    #[inline]
    fn put(&mut self, bit: bool, ctx: usize) -> bool {
        // Words already in the backend are final: once they cover the budget, every later
        // symbol would fall outside the cut stream.
        if self.enc.bulk().len() >= self.max_words {
            return false;
        }
        let m = &mut self.ctx[ctx];
        self.enc.encode_symbol(bit, m.model()).expect("model covers both symbols");
        m.update(bit);
        true
    }
}

/// Reads 16-bit words from a byte prefix, counting reads; past the end it supplies zeros
/// (the counter tells the reader those symbols are not determined).
struct PrefixWords<'a> {
    data: &'a [u8],
    reads: Rc<Cell<usize>>,
}

impl ReadWords<u16, Queue> for PrefixWords<'_> {
    type ReadError = Infallible;
    #[inline]
    fn read(&mut self) -> Result<Option<u16>, Infallible> {
        let i = self.reads.get();
        self.reads.set(i + 1);
        let w = match self.data.get(2 * i..2 * i + 2) {
            Some(b) => u16::from_le_bytes([b[0], b[1]]),
            None => 0,
        };
        Ok(Some(w))
    }
}

pub struct ArithReader<'a> {
    dec: RangeDecoder<u16, u32, PrefixWords<'a>>,
    reads: Rc<Cell<usize>>,
    avail: usize,
    ctx: Vec<Adaptive>,
}

impl<'a> ArithReader<'a> {
    pub fn new(data: &'a [u8], contexts: usize) -> Self {
        let reads = Rc::new(Cell::new(0));
        let dec = RangeDecoder::with_backend(PrefixWords { data, reads: reads.clone() }).unwrap_or_else(|e| match e {});
        ArithReader { dec, reads, avail: data.len() / 2, ctx: vec![Adaptive::new(); contexts] }
    }

    /// A reader for a stream known to be whole (its length is stored elsewhere): the words
    /// past its end are the zeros the encoder left out, so every symbol is determined.
    pub fn complete(data: &'a [u8], contexts: usize) -> Self {
        let mut r = Self::new(data, contexts);
        r.avail = usize::MAX;
        r
    }
}

impl BitSource for ArithReader<'_> {
    const USES_CONTEXTS: bool = true;
    #[inline]
    fn get(&mut self, ctx: usize) -> Option<bool> {
        // The decision depends only on the words read so far: if any of them was padding,
        // this symbol is beyond the prefix.
        if self.reads.get() > self.avail {
            return None;
        }
        let m = &mut self.ctx[ctx];
        let bit = self.dec.decode_symbol(m.model()).ok()?;
        m.update(bit);
        Some(bit)
    }
}
