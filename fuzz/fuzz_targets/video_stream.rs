//! Untrusted bytes into `<ep-video>`'s and `edgeplay video`'s stream decoder: header, frame
//! records, motion fields, SPIHT-AC residuals, any cut — a clear error or the frames the bytes
//! hold, never a panic or a hang. Streams declaring more than 2^16 pixels a frame are only
//! parsed (decoding them is slow, not unsafe: sizes are checked before allocation). Run in
//! `fuzz/`: `mkdir -p corpus/video_stream && RUSTC_BOOTSTRAP=1 cargo fuzz run video_stream corpus/video_stream seeds/video_stream`
#![no_main]

use edgeplay_gpu::{Backend, Runtime};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(h) = edgeplay_video::stream::Header::parse(data) else { return };
    if h.width * h.height > 1 << 16 || h.frames > 64 {
        return;
    }
    let rt = Runtime::new();
    rt.set_backend(Backend::Cpu);
    if let Ok(d) = pollster::block_on(edgeplay_video::decode(&rt, data.to_vec())) {
        assert!(d.decoded_count() <= h.frames);
    }
});
