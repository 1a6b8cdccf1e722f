//! Untrusted payloads into the progressive codec's decoder, behind a header of the committed
//! model (a foreign header is refused before any decoding): entropy decoding and latent
//! reconstruction must never panic or hang. Run in `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run pcodec_decode`.
#![no_main]

use std::sync::OnceLock;

use edgeplay_pcodec::{Decoder, Header, Model};
use libfuzzer_sys::fuzz_target;

fn model() -> &'static Model {
    static M: OnceLock<Model> = OnceLock::new();
    M.get_or_init(|| Model::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../models/pcodec/export").as_ref()).expect("committed model"))
}

fuzz_target!(|data: &[u8]| {
    // Bytes 0-1: image size (up to 256 x 256), byte 2: how much is "received", then payload.
    let [w, h, cut, payload @ ..] = data else { return };
    let m = model();
    let header = Header { model_hash: m.hash, model_id: m.id.clone(), width: *w as u32 + 1, height: *h as u32 + 1 };
    let mut stream = header.to_bytes();
    stream.extend_from_slice(payload);
    let n = stream.len() * *cut as usize / 255;
    if let Ok(d) = Decoder::new(m, &stream[..n]) {
        let y = d.latents(n);
        assert!(y.data.iter().all(|v| v.is_finite()));
        let _ = d.latents(n / 2);
    }
});
