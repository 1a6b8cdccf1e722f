//! Untrusted bytes into the SPIHT decoder: it must return an image or a clear error, never
//! panic or hang. Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run spiht_decode` in `fuzz/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks how much of the rest is "received" (any prefix must decode).
    let Some((&cut, stream)) = data.split_first() else { return };
    if let Ok(h) = edgeplay_spiht::Header::parse(stream) {
        // Sizes up to the decoder's limit are covered by unit tests; keep fuzzing fast.
        if h.width as u64 * h.height as u64 > 1 << 16 {
            return;
        }
    }
    let max = if cut == 255 { None } else { Some(stream.len() * cut as usize / 254) };
    if let Ok(img) = edgeplay_spiht::decode(stream, max) {
        assert_eq!(img.data.len(), img.width as usize * img.height as usize * img.channels as usize);
    }
});
