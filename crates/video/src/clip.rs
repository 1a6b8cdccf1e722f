//! Reading clips: `.y4m` (YUV4MPEG2, via the `y4m` crate: 4:2:0, 4:2:2, 4:4:4 and mono,
//! 8 bits; studio range unless the file says `XCOLORRANGE=FULL`) and folders of PNG/JPEG
//! frames (sorted by name). Frames larger than `max_side` are area-downscaled by an integer
//! factor, with a note; at most `max_frames` frames are read.

use std::path::Path;

use edgeplay_core::Image;

use crate::frame::{downscale, Frame};
use crate::stream::{MAX_FRAMES, MAX_FRAME_PIXELS, MAX_SIDE, MAX_TOTAL_PIXELS};
use crate::Error;

/// Frames read from a file, and what was changed on the way.
#[derive(Debug, Clone)]
pub struct Clip {
    pub frames: Vec<Frame>,
    pub notes: Vec<String>,
}

/// The integer factor that brings `w x h` within `max_side`.
pub fn downscale_factor(w: usize, h: usize, max_side: usize) -> u32 {
    w.max(h).div_ceil(max_side.max(1)).max(1) as u32
}

fn fit(img: Image, max_side: usize, notes: &mut Vec<String>) -> Image {
    let mut f = downscale_factor(img.width as usize, img.height as usize, max_side);
    while (img.width / f) as u64 * (img.height / f) as u64 > MAX_FRAME_PIXELS {
        f += 1;
    }
    if f > 1 && notes.is_empty() {
        notes.push(format!("{}x{} frames downscaled by {f} to {}x{}", img.width, img.height, img.width / f, img.height / f));
    }
    downscale(&img, f)
}

fn check_total(frames: &[Frame]) -> Result<(), Error> {
    let total: u64 = frames.iter().map(|f| (f.width * f.height) as u64).sum();
    if total > MAX_TOTAL_PIXELS {
        return Err(Error::TooLarge(format!("{} frames hold more than {MAX_TOTAL_PIXELS} pixels", frames.len())));
    }
    Ok(())
}

/// Checks the stream header's sizes before the `y4m` crate sees them (it multiplies them
/// unchecked): every `W`/`H` field (the last one counts) must be 1..=16384.
fn precheck(data: &[u8]) -> Result<(), Error> {
    let line = data.iter().take(1024).position(|&b| b == b'\n').map(|n| &data[..n]).ok_or_else(|| Error::Clip("not a .y4m file (no header line)".into()))?;
    if !line.starts_with(b"YUV4MPEG2 ") {
        return Err(Error::Clip("not a .y4m file (no YUV4MPEG2 signature)".into()));
    }
    let mut seen = (false, false);
    for tok in line.split(|&b| b == b' ').skip(1) {
        let (k, v) = match tok.split_first() {
            Some((k, v)) if *k == b'W' || *k == b'H' => (*k, v),
            _ => continue,
        };
        let n: u64 = std::str::from_utf8(v).ok().and_then(|s| s.parse().ok()).ok_or_else(|| Error::Clip("bad frame size in the header".into()))?;
        if n == 0 || n > 16384 {
            return Err(Error::Clip(format!("frame {} {n} (1 to 16384)", if k == b'W' { "width" } else { "height" })));
        }
        if k == b'W' { seen.0 = true } else { seen.1 = true }
    }
    if seen != (true, true) {
        return Err(Error::Clip("the header gives no frame size".into()));
    }
    Ok(())
}

/// Reads a `.y4m` file held in memory.
pub fn read_y4m(data: &[u8], max_frames: usize, max_side: usize) -> Result<Clip, Error> {
    let max_side = max_side.min(MAX_SIDE);
    precheck(data)?;
    let mut reader = data;
    let limits = y4m::Limits { bytes: 1 << 28 };
    let mut dec = y4m::Decoder::new_with_limits(&mut reader, limits).map_err(|e| Error::Clip(format!("not a readable .y4m file ({e:?})")))?;
    let (w, h) = (dec.get_width(), dec.get_height());
    if w == 0 || h == 0 || w > 16384 || h > 16384 {
        return Err(Error::Clip(format!("{w}x{h} frames")));
    }
    if dec.get_bit_depth() != 8 {
        return Err(Error::Clip(format!("{}-bit samples (8-bit only)", dec.get_bit_depth())));
    }
    let (sx, sy) = match dec.get_colorspace() {
        y4m::Colorspace::C420 | y4m::Colorspace::C420jpeg | y4m::Colorspace::C420paldv | y4m::Colorspace::C420mpeg2 => (2, 2),
        y4m::Colorspace::C422 => (2, 1),
        y4m::Colorspace::C444 => (1, 1),
        y4m::Colorspace::Cmono => (0, 0),
        c => return Err(Error::Clip(format!("colour space {c:?} (8-bit 4:2:0, 4:2:2, 4:4:4 or mono)"))),
    };
    let full = String::from_utf8_lossy(dec.get_raw_params()).contains("XCOLORRANGE=FULL");
    let mut frames = Vec::new();
    let mut notes = Vec::new();
    while frames.len() < max_frames.min(MAX_FRAMES) {
        let f = match dec.read_frame() {
            Ok(f) => f,
            Err(y4m::Error::EOF) => break,
            Err(e) => {
                if frames.is_empty() {
                    return Err(Error::Clip(format!("no complete frame ({e:?})")));
                }
                notes.push(format!("the file ends inside frame {} ({e:?}); {} frames read", frames.len(), frames.len()));
                break;
            }
        };
        let (yp, up, vp) = (f.get_y_plane(), f.get_u_plane(), f.get_v_plane());
        let cw = if sx == 0 { 0 } else { w.div_ceil(sx) };
        let mut rgb = Vec::with_capacity(w * h * 3);
        for yy in 0..h {
            for xx in 0..w {
                let l = yp[yy * w + xx] as f32;
                let (u, v) = if sx == 0 { (128.0, 128.0) } else {
                    let ci = (yy / sy) * cw + xx / sx;
                    (up[ci] as f32, vp[ci] as f32)
                };
                let (l, u, v) = if full { (l, u - 128.0, v - 128.0) } else { ((l - 16.0) * 255.0 / 219.0, (u - 128.0) * 255.0 / 224.0, (v - 128.0) * 255.0 / 224.0) };
                let q = |x: f32| x.round().clamp(0.0, 255.0) as u8;
                rgb.extend([q(l + 1.402 * v), q(l - 0.344_136 * u - 0.714_136 * v), q(l + 1.772 * u)]);
            }
        }
        let img = Image { width: w as u32, height: h as u32, channels: 3, data: rgb };
        frames.push(Frame::from_image(&fit(img, max_side, &mut notes)));
        check_total(&frames)?;
    }
    // The y4m crate reports a frame cut short as the end of the file: count what is left.
    let cut = frames.len() < max_frames.min(MAX_FRAMES) && notes.iter().all(|n| !n.contains("ends inside"));
    let header = data.iter().position(|&b| b == b'\n').map_or(0, |n| n + 1);
    let chroma = if sx == 0 { 0 } else { 2 * w.div_ceil(sx) * h.div_ceil(sy) };
    let used = header + frames.len() * (b"FRAME\n".len() + w * h + chroma);
    if cut && data.len() > used {
        notes.push(format!("the file ends inside frame {} ({} bytes left over); {} frames read", frames.len(), data.len() - used, frames.len()));
    }
    if frames.is_empty() {
        return Err(Error::Clip("the file holds no complete frame".into()));
    }
    Ok(Clip { frames, notes })
}

/// Reads a folder of PNG/JPEG frames, sorted by file name.
pub fn read_folder(dir: &Path, max_frames: usize, max_side: usize) -> Result<Clip, Error> {
    let max_side = max_side.min(MAX_SIDE);
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::Clip(format!("{}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg")))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::Clip(format!("{}: no PNG or JPEG frames", dir.display())));
    }
    let mut frames = Vec::new();
    let mut notes = Vec::new();
    for p in files.iter().take(max_frames.min(MAX_FRAMES)) {
        let img = image::open(p).map_err(|e| Error::Clip(format!("{}: {e}", p.display())))?.to_rgb8();
        let img = Image::new(img.width(), img.height(), 3, img.into_raw()).map_err(|e| Error::Clip(format!("{}: {e}", p.display())))?;
        let f = Frame::from_image(&fit(img, max_side, &mut notes));
        if let Some(first) = frames.first() {
            let first: &Frame = first;
            if (first.width, first.height) != (f.width, f.height) {
                return Err(Error::Clip(format!("{}: {}x{} differs from the first frame's {}x{}", p.display(), f.width, f.height, first.width, first.height)));
            }
        }
        frames.push(f);
        check_total(&frames)?;
    }
    Ok(Clip { frames, notes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_sizes_are_refused_before_the_y4m_crate_sees_them() {
        // Found by `cargo fuzz run video_y4m`: W200000000002000002 overflowed inside y4m.
        let crash = include_bytes!("../tests/data/y4m-huge-width.y4m");
        assert!(matches!(read_y4m(crash, 8, 64), Err(Error::Clip(m)) if m.contains("width")));
        assert!(read_y4m(b"YUV4MPEG2 W0 H4\n", 8, 64).is_err());
        assert!(read_y4m(b"YUV4MPEG2 F25:1\n", 8, 64).is_err());
        assert!(read_y4m(b"nope", 8, 64).is_err());
        // A 5-pixel-wide clip downscaled by more than its width (found by the fuzzer).
        let thin = include_bytes!("../tests/data/y4m-thin-downscale.y4m");
        if let Ok(c) = read_y4m(thin, 8, 64) {
            assert!(c.frames.iter().all(|f| f.width >= 1 && f.height <= 64));
        }
    }

    #[test]
    fn reads_420_and_reports_a_cut_last_frame() {
        // 4x2 4:2:0: 8 luma + 2 + 2 chroma bytes a frame.
        let mut f = b"YUV4MPEG2 W4 H2 F25:1 C420jpeg\n".to_vec();
        for v in [16u8, 235] {
            f.extend_from_slice(b"FRAME\n");
            f.extend_from_slice(&[v; 8]);
            f.extend_from_slice(&[128; 4]);
        }
        let whole = read_y4m(&f, 8, 64).unwrap();
        assert_eq!(whole.frames.len(), 2);
        // Studio range: 16 is black, 235 white.
        assert_eq!(whole.frames[0].to_image().data[0], 0);
        assert_eq!(whole.frames[1].to_image().data[0], 255);
        let cut = read_y4m(&f[..f.len() - 3], 8, 64).unwrap();
        assert_eq!(cut.frames.len(), 1);
        assert!(cut.notes.iter().any(|n| n.contains("ends inside frame 1")), "{:?}", cut.notes);
        assert!(read_y4m(&f[..40], 8, 64).is_err());
    }
}
