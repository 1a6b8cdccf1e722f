//! `edgeplay video`: the video widget's numbers from a terminal — one clip coded with IPP or
//! hierarchical B (per-frame type, bytes, PSNR), the RD curves of both structures and the
//! BD-rate between them (`--rd`), and decoding of a saved stream or any prefix of it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use edgeplay_gpu::Runtime;
use edgeplay_video::{bd::bd_rate, clip, Frame, Gop, Params, LADDER};
use serde::Serialize;

pub struct Opts {
    pub input: PathBuf,
    pub gop: String,
    pub gop_size: u8,
    pub frames: usize,
    pub q: Option<f32>,
    pub bpp: Option<f64>,
    pub block: usize,
    pub max_side: usize,
    pub rd: bool,
    pub save: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub bytes: Option<usize>,
    pub json: bool,
}

pub fn read_clip(path: &Path, frames: usize, max_side: usize) -> Result<clip::Clip> {
    Ok(if path.is_dir() {
        clip::read_folder(path, frames, max_side)?
    } else {
        let data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        clip::read_y4m(&data, frames, max_side).with_context(|| format!("{} (a .y4m file or a folder of PNG/JPEG frames)", path.display()))?
    })
}

fn gop_of(name: &str, size: u8) -> Result<Gop> {
    match name {
        "ipp" => Ok(Gop::Ipp),
        "ib" => Gop::from_byte(size).filter(|g| *g != Gop::Ipp).context("--gop-size must be 2, 4, 8 or 16"),
        _ => bail!("--gop ipp or ib"),
    }
}

#[derive(Serialize)]
struct Point {
    q: f32,
    bpp: f64,
    psnr_y: f64,
    psnr_rgb: f64,
}

#[derive(Serialize)]
struct Summary {
    gop: String,
    width: usize,
    height: usize,
    frames: usize,
    q: f32,
    bytes: usize,
    bpp: f64,
    psnr_y: f64,
    psnr_rgb: f64,
    motion_search: &'static str,
    per_frame: Vec<edgeplay_video::FrameStats>,
}

async fn code(rt: &Runtime, frames: &Arc<[Frame]>, params: Params) -> Result<(edgeplay_video::Encoded, Point)> {
    let e = edgeplay_video::encode(rt, frames.clone(), params).await?;
    let n = frames.len() as f64;
    let px = (frames[0].width * frames[0].height) as f64 * n;
    let p = Point {
        q: params.q,
        bpp: e.bytes.len() as f64 * 8.0 / px,
        psnr_y: e.stats.iter().map(|s| s.psnr_y).sum::<f64>() / n,
        psnr_rgb: e.stats.iter().map(|s| s.psnr_rgb).sum::<f64>() / n,
    };
    Ok((e, p))
}

pub async fn run(rt: &Runtime, o: Opts) -> Result<()> {
    let head = std::fs::read(&o.input).ok().filter(|d| d.starts_with(&edgeplay_video::stream::MAGIC));
    if let Some(data) = head {
        return decode(rt, data, &o).await;
    }
    let c = read_clip(&o.input, o.frames, o.max_side)?;
    for n in &c.notes {
        eprintln!("note: {n}");
    }
    let frames: Arc<[Frame]> = c.frames.into();
    let (w, h) = (frames[0].width, frames[0].height);
    if o.rd {
        return rd(rt, &frames, o.block, o.gop_size, o.json).await;
    }
    let gop = gop_of(&o.gop, o.gop_size)?;
    let mut q = o.q.unwrap_or(8.0);
    if let Some(target) = o.bpp {
        // Bisection on log q: bpp falls as q grows.
        let (mut lo, mut hi) = (0.25f32, 400.0f32);
        for _ in 0..10 {
            let mid = (lo * hi).sqrt();
            let (_, p) = code(rt, &frames, Params { gop, q: mid, block: o.block }).await?;
            if p.bpp > target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        q = hi;
    }
    let (e, p) = code(rt, &frames, Params { gop, q, block: o.block }).await?;
    if let Some(s) = &o.save {
        std::fs::write(s, &e.bytes).with_context(|| format!("writing {}", s.display()))?;
    }
    if let Some(dir) = &o.out {
        write_frames(dir, e.decoded.iter())?;
    }
    let s = Summary {
        gop: gop.label(),
        width: w,
        height: h,
        frames: frames.len(),
        q,
        bytes: e.bytes.len(),
        bpp: p.bpp,
        psnr_y: p.psnr_y,
        psnr_rgb: p.psnr_rgb,
        motion_search: e.search_path(),
        per_frame: e.stats,
    };
    if o.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(());
    }
    println!("{} {}x{}, {} frames, q {:.2}: {} bytes, {:.4} bpp, PSNR-Y {:.2} dB, PSNR-RGB {:.2} dB (motion search: {})", s.gop, w, h, s.frames, q, s.bytes, s.bpp, s.psnr_y, s.psnr_rgb, s.motion_search);
    println!("{:>5}  type  {:>8}  {:>7}  {:>8}  {:>6}  {:>7}  {:>8}", "frame", "bytes", "motion", "residual", "step", "PSNR-Y", "PSNR-RGB");
    for f in &s.per_frame {
        let t = if f.level > 0 { format!("B{}", f.level) } else { f.kind.letter().to_string() };
        println!("{:>5}  {:<4}  {:>8}  {:>7}  {:>8}  {:>6.2}  {:>7.2}  {:>8.2}", f.display, t, f.bytes, f.motion_bytes, f.residual_bytes, f.step, f.psnr_y, f.psnr_rgb);
    }
    Ok(())
}

fn write_frames<'a>(dir: &Path, frames: impl Iterator<Item = &'a Frame>) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    for (i, f) in frames.enumerate() {
        let img = f.to_image();
        let p = dir.join(format!("frame-{i:04}.png"));
        image::save_buffer(&p, &img.data, img.width, img.height, image::ColorType::Rgb8).with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(())
}

async fn rd(rt: &Runtime, frames: &Arc<[Frame]>, block: usize, gop_size: u8, json: bool) -> Result<()> {
    let mut curves = Vec::new();
    for gop in [Gop::Ipp, gop_of("ib", gop_size)?] {
        let mut pts = Vec::new();
        for &q in LADDER.iter() {
            pts.push(code(rt, frames, Params { gop, q, block }).await?.1);
        }
        curves.push((gop, pts));
    }
    let xy = |pts: &[Point], rgb: bool| -> Vec<(f64, f64)> { pts.iter().map(|p| (p.bpp, if rgb { p.psnr_rgb } else { p.psnr_y })).collect() };
    let bd_y = bd_rate(&xy(&curves[0].1, false), &xy(&curves[1].1, false));
    let bd_rgb = bd_rate(&xy(&curves[0].1, true), &xy(&curves[1].1, true));
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            width: usize,
            height: usize,
            frames: usize,
            ipp: &'a [Point],
            ib: &'a [Point],
            gop: u8,
            bd_rate_y: Option<f64>,
            bd_rate_rgb: Option<f64>,
        }
        let o = Out { width: frames[0].width, height: frames[0].height, frames: frames.len(), ipp: &curves[0].1, ib: &curves[1].1, gop: gop_size, bd_rate_y: bd_y, bd_rate_rgb: bd_rgb };
        println!("{}", serde_json::to_string_pretty(&o)?);
        return Ok(());
    }
    println!("{}x{}, {} frames", frames[0].width, frames[0].height, frames.len());
    println!("{:>6}  {:>9} {:>7} {:>8}  {:>9} {:>7} {:>8}", "q", "IPP bpp", "PSNR-Y", "PSNR-RGB", "IB bpp", "PSNR-Y", "PSNR-RGB");
    for (a, b) in curves[0].1.iter().zip(&curves[1].1) {
        println!("{:>6.1}  {:>9.4} {:>7.2} {:>8.2}  {:>9.4} {:>7.2} {:>8.2}", a.q, a.bpp, a.psnr_y, a.psnr_rgb, b.bpp, b.psnr_y, b.psnr_rgb);
    }
    let f = |d: Option<f64>| d.map_or("n/a (curves do not overlap)".to_string(), |d| format!("{d:+.1} %"));
    println!("BD-rate of IB (GOP {gop_size}) vs IPP: {} (PSNR-Y), {} (PSNR-RGB)", f(bd_y), f(bd_rgb));
    Ok(())
}

async fn decode(rt: &Runtime, mut data: Vec<u8>, o: &Opts) -> Result<()> {
    if let Some(b) = o.bytes {
        data.truncate(b);
    }
    let len = data.len();
    let d = edgeplay_video::decode(rt, data).await?;
    let h = d.header;
    println!("{} {}x{}, {} frames in the stream; {} bytes read, {} frames decoded", h.gop.label(), h.width, h.height, h.frames, len, d.decoded_count());
    if let Some(n) = &d.note {
        println!("note: {n}");
    }
    if let Some(dir) = &o.out {
        write_frames(dir, d.frames.iter().flatten().map(|f| &f.frame))?;
    }
    Ok(())
}
