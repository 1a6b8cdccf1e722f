//! `edgeplay rd`: rate–distortion of SPIHT and baselines on a folder of images.
//! Baselines: JPEG (the `image` crate's encoder, quality binary-searched to the largest file
//! not above the target size) and JPEG 2000 through OpenJPEG's `opj_compress -I` (9/7) when
//! it is installed.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use edgeplay_core::metrics;
use edgeplay_nn::Tensor;
use edgeplay_pcodec::{self as pcodec, Engine, Model};
use edgeplay_spiht::{self as spiht, EncodeOptions, Image, Mode};
use pollster::block_on;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Spiht,
    SpihtAc,
    Jpeg,
    Jpeg2000,
    /// The progressive neural codec: one stream, every rate a prefix.
    Progressive,
    /// The same model coded non-progressively, quantization step searched per rate.
    ProgressiveSingle,
}

impl Codec {
    pub fn parse_list(s: &str) -> Result<Vec<Codec>> {
        s.split(',')
            .map(|c| match c.trim() {
                "spiht" => Ok(Codec::Spiht),
                "spiht-ac" => Ok(Codec::SpihtAc),
                "jpeg" => Ok(Codec::Jpeg),
                "jpeg2000" | "j2k" => Ok(Codec::Jpeg2000),
                "progressive" => Ok(Codec::Progressive),
                "progressive-single" => Ok(Codec::ProgressiveSingle),
                o => bail!("unknown codec '{o}' (spiht, spiht-ac, jpeg, jpeg2000, progressive, progressive-single)"),
            })
            .collect()
    }
    pub fn name(self) -> &'static str {
        match self {
            Codec::Spiht => "spiht",
            Codec::SpihtAc => "spiht-ac",
            Codec::Jpeg => "jpeg",
            Codec::Jpeg2000 => "jpeg2000",
            Codec::Progressive => "progressive",
            Codec::ProgressiveSingle => "progressive-single",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub image: String,
    pub codec: &'static str,
    pub target_bpp: f64,
    pub bytes: usize,
    pub bpp: f64,
    pub psnr_rgb: f64,
    pub psnr_y: f64,
    pub ms_ssim: Option<f64>,
}

pub fn load(path: &Path, grey: bool) -> Result<Image> {
    let img = image::open(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(if grey {
        let g = img.to_luma8();
        Image::new(g.width(), g.height(), 1, g.into_raw())?
    } else {
        let g = img.to_rgb8();
        Image::new(g.width(), g.height(), 3, g.into_raw())?
    })
}

pub fn save(img: &Image, path: &Path) -> Result<()> {
    let t = if img.channels == 1 { image::ExtendedColorType::L8 } else { image::ExtendedColorType::Rgb8 };
    image::save_buffer(path, &img.data, img.width, img.height, t).with_context(|| format!("writing {}", path.display()))
}

fn jpeg_at(img: &Image, q: u8) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let t = if img.channels == 1 { image::ExtendedColorType::L8 } else { image::ExtendedColorType::Rgb8 };
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, q).encode(&img.data, img.width, img.height, t)?;
    Ok(out)
}

/// Largest-quality JPEG whose size is at most `bytes` (quality 1 if none fits).
fn jpeg(img: &Image, bytes: usize) -> Result<(usize, Image)> {
    let (mut lo, mut hi) = (1u8, 100u8);
    let mut best = jpeg_at(img, 1)?;
    while lo <= hi {
        let mid = (lo + hi) / 2;
        let f = jpeg_at(img, mid)?;
        if f.len() <= bytes {
            best = f;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    let dec = image::load_from_memory_with_format(&best, image::ImageFormat::Jpeg)?;
    let data = if img.channels == 1 { dec.to_luma8().into_raw() } else { dec.to_rgb8().into_raw() };
    Ok((best.len(), Image::new(img.width, img.height, img.channels, data)?))
}

pub fn opj_available() -> bool {
    Command::new("opj_compress").arg("-h").output().is_ok()
}

/// JPEG 2000 (irreversible 9/7) at a compression ratio from the target rate.
fn jpeg2000(img: &Image, bpp: f64, dir: &Path) -> Result<(usize, Image)> {
    let ext = if img.channels == 1 { "pgm" } else { "ppm" };
    let src = dir.join(format!("in.{ext}"));
    let j2k = dir.join("out.j2k");
    let back = dir.join(format!("back.{ext}"));
    save(img, &src)?;
    let ratio = 8.0 * img.channels as f64 / bpp;
    let run = |cmd: &mut Command| -> Result<()> {
        let o = cmd.output().context("running OpenJPEG")?;
        if !o.status.success() {
            bail!("{:?} failed: {}", cmd, String::from_utf8_lossy(&o.stderr));
        }
        Ok(())
    };
    run(Command::new("opj_compress").arg("-I").arg("-r").arg(format!("{ratio}")).arg("-i").arg(&src).arg("-o").arg(&j2k))?;
    run(Command::new("opj_decompress").arg("-i").arg(&j2k).arg("-o").arg(&back))?;
    let bytes = std::fs::metadata(&j2k)?.len() as usize;
    Ok((bytes, load(&back, img.channels == 1)?))
}

pub fn measure(name: &str, codec: Codec, target_bpp: f64, img: &Image, bytes: usize, dec: &Image) -> Point {
    let px = (img.width * img.height) as f64;
    Point {
        image: name.to_string(),
        codec: codec.name(),
        target_bpp,
        bytes,
        bpp: bytes as f64 * 8.0 / px,
        psnr_rgb: metrics::psnr(&img.data, &dec.data),
        psnr_y: metrics::psnr_y(&img.data, &dec.data, img.channels as usize),
        ms_ssim: metrics::ms_ssim(&img.data, &dec.data, img.width as usize, img.height as usize, img.channels as usize),
    }
}

/// Centre crop (no-op when the image is not larger).
pub fn crop(img: &Image, w: u32, h: u32) -> Result<Image> {
    let (w, h) = (w.min(img.width), h.min(img.height));
    let (x0, y0) = ((img.width - w) / 2, (img.height - h) / 2);
    let c = img.channels as usize;
    let data = (y0..y0 + h)
        .flat_map(|y| {
            let s = ((y * img.width + x0) as usize) * c;
            img.data[s..s + w as usize * c].to_vec()
        })
        .collect();
    Ok(Image::new(w, h, img.channels, data)?)
}

/// Largest step Δ whose non-progressive stream fits `bytes` (bisection in log Δ), with its
/// size and latents.
fn single_at(model: &Model, y: &Tensor, z: &Tensor, bytes: usize) -> Result<(usize, Tensor)> {
    let hl = pcodec::header_len(model);
    let (mut lo, mut hi) = (0.25f64.ln(), 64f64.ln());
    let mut best = pcodec::single::code(model, hl, y, z, hi.exp())?;
    for _ in 0..14 {
        let mid = (lo + hi) / 2.0;
        let r = pcodec::single::code(model, hl, y, z, mid.exp())?;
        if r.0 <= bytes {
            best = r;
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(best)
}

pub fn run(codecs: &[Codec], images: &[PathBuf], bpps: &[f64], grey: bool, crop_to: Option<(u32, u32)>, model: Option<&Model>) -> Result<(Vec<Point>, Vec<String>)> {
    let mut notes = Vec::new();
    let neural = codecs.iter().any(|c| matches!(c, Codec::Progressive | Codec::ProgressiveSingle));
    if neural && grey {
        notes.push("progressive codecs skipped: the model codes RGB only".to_string());
    }
    let model = match (neural && !grey, model) {
        (true, Some(m)) => Some(m),
        (true, None) => bail!("the progressive codec needs --model DIR"),
        _ => None,
    };
    let opj = opj_available();
    if codecs.contains(&Codec::Jpeg2000) && !opj {
        notes.push("JPEG 2000 skipped: opj_compress not found (Debian package libopenjp2-tools)".to_string());
    }
    let tmp = std::env::temp_dir().join(format!("edgeplay-rd-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let mut points = Vec::new();
    for path in images {
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let mut img = load(path, grey)?;
        if let Some((w, h)) = crop_to {
            img = crop(&img, w, h)?;
        }
        let px = (img.width * img.height) as f64;
        // One full embedded stream per SPIHT mode; every rate is a prefix of it.
        let full_bin = codecs.contains(&Codec::Spiht).then(|| spiht::encode(&img, &EncodeOptions { mode: Mode::Binary, max_bytes: None }));
        let full_ac = codecs.contains(&Codec::SpihtAc).then(|| spiht::encode(&img, &EncodeOptions { mode: Mode::Arithmetic, max_bytes: None }));
        // One progressive stream; the non-progressive reference reuses its analysis.
        let neural = match model {
            Some(m) => {
                let (y, z) = block_on(pcodec::analyze(m, &img, Engine::Cpu))?;
                let full = pcodec::encode_latents(m, img.width, img.height, &y, &z)?;
                let dec = pcodec::Decoder::new(m, &full)?;
                Some((m, y, z, full, dec))
            }
            None => None,
        };
        for &bpp in bpps {
            let bytes = (bpp * px / 8.0).floor() as usize;
            for &c in codecs {
                let (n, dec) = match c {
                    Codec::Spiht | Codec::SpihtAc => {
                        let full = if c == Codec::Spiht { full_bin.as_ref() } else { full_ac.as_ref() }.unwrap();
                        let n = bytes.min(full.len());
                        (n, spiht::decode(full, Some(n))?)
                    }
                    Codec::Jpeg => jpeg(&img, bytes)?,
                    Codec::Jpeg2000 if opj => jpeg2000(&img, bpp, &tmp)?,
                    Codec::Jpeg2000 => continue,
                    Codec::Progressive | Codec::ProgressiveSingle => {
                        let Some((m, y, z, full, dec)) = neural.as_ref() else { continue };
                        if c == Codec::Progressive {
                            let n = bytes.min(full.len());
                            (n, block_on(dec.decode(m, n, Engine::Cpu))?)
                        } else {
                            let (n, yh) = single_at(m, y, z, bytes)?;
                            (n, block_on(pcodec::synthesize(m, &yh, img.width, img.height, Engine::Cpu))?)
                        }
                    }
                };
                points.push(measure(&name, c, bpp, &img, n, &dec));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    Ok((points, notes))
}

/// Mean over images per (codec, target rate).
pub fn means(points: &[Point], codecs: &[Codec], bpps: &[f64]) -> Vec<Point> {
    let mut out = Vec::new();
    for &c in codecs {
        for &b in bpps {
            let ps: Vec<&Point> = points.iter().filter(|p| p.codec == c.name() && p.target_bpp == b).collect();
            if ps.is_empty() {
                continue;
            }
            let n = ps.len() as f64;
            let mean = |f: &dyn Fn(&Point) -> f64| ps.iter().map(|p| f(p)).sum::<f64>() / n;
            out.push(Point {
                image: "mean".into(),
                codec: c.name(),
                target_bpp: b,
                bytes: (ps.iter().map(|p| p.bytes).sum::<usize>() as f64 / n) as usize,
                bpp: mean(&|p| p.bpp),
                psnr_rgb: mean(&|p| p.psnr_rgb),
                psnr_y: mean(&|p| p.psnr_y),
                ms_ssim: ps.iter().map(|p| p.ms_ssim).sum::<Option<f64>>().map(|s| s / n),
            });
        }
    }
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// "encode time: 12 ms" style lines printed by opj_compress / opj_decompress.
fn opj_time(out: &[u8], key: &str) -> Option<f64> {
    let text = String::from_utf8_lossy(out);
    let line = text.lines().find(|l| l.contains(key))?;
    let num: String = line.split(':').nth(1)?.trim().chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    let v: f64 = num.parse().ok()?;
    Some(if line.contains(" s") && !line.contains("ms") { v * 1e3 } else { v })
}

/// Encode and decode MPixel/s of SPIHT (binary, AC) against OpenJPEG at the same rate, colour,
/// one thread; OpenJPEG's times are those it reports itself (codec only, no file I/O).
pub fn bench_speed(images: &[PathBuf], bpp: f64, reps: usize) -> Result<()> {
    use edgeplay_gpu::Stopwatch;
    let tmp = std::env::temp_dir().join(format!("edgeplay-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let opj = opj_available();
    let mut px_total = 0.0;
    let mut t: std::collections::BTreeMap<&str, f64> = Default::default();
    for path in images {
        let img = load(path, false)?;
        let px = (img.width * img.height) as f64;
        px_total += px;
        let budget = (bpp * px / 8.0).floor() as usize;
        for (name, mode) in [("spiht", Mode::Binary), ("spiht-ac", Mode::Arithmetic)] {
            let mut enc = Vec::new();
            let mut dec = Vec::new();
            for _ in 0..reps {
                let sw = Stopwatch::start();
                let stream = spiht::encode(&img, &EncodeOptions { mode, max_bytes: Some(budget) });
                enc.push(sw.ms());
                let sw = Stopwatch::start();
                let d = spiht::decode(&stream, None)?;
                dec.push(sw.ms());
                std::hint::black_box(d);
            }
            *t.entry(if name == "spiht" { "spiht enc" } else { "spiht-ac enc" }).or_default() += median(enc);
            *t.entry(if name == "spiht" { "spiht dec" } else { "spiht-ac dec" }).or_default() += median(dec);
        }
        if opj {
            let src = tmp.join("in.ppm");
            let j2k = tmp.join("out.j2k");
            let back = tmp.join("back.ppm");
            save(&img, &src)?;
            let ratio = 24.0 / bpp;
            let mut enc = Vec::new();
            let mut dec = Vec::new();
            for _ in 0..reps {
                let o = Command::new("opj_compress").env("OPJ_NUM_THREADS", "1").arg("-I").arg("-r").arg(format!("{ratio}"))
                    .arg("-i").arg(&src).arg("-o").arg(&j2k).output()?;
                enc.push(opj_time(&o.stdout, "encode time").context("opj_compress printed no encode time")?);
                let o = Command::new("opj_decompress").env("OPJ_NUM_THREADS", "1").arg("-threads").arg("1")
                    .arg("-i").arg(&j2k).arg("-o").arg(&back).output()?;
                dec.push(opj_time(&o.stdout, "decode time").context("opj_decompress printed no decode time")?);
            }
            *t.entry("openjpeg enc").or_default() += median(enc);
            *t.entry("openjpeg dec").or_default() += median(dec);
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    let mp = px_total / 1e6;
    println!("{} colour images, {mp:.2} MPixel, {bpp} bpp, median of {reps}, one thread (native)", images.len());
    println!();
    println!("| codec | encode MPixel/s | decode MPixel/s | decode ms per 768×512 | encode vs OpenJPEG | decode vs OpenJPEG |");
    println!("|---|---:|---:|---:|---:|---:|");
    let oe = t.get("openjpeg enc").copied();
    let od = t.get("openjpeg dec").copied();
    for name in ["spiht", "spiht-ac", "openjpeg"] {
        let (Some(e), Some(d)) = (t.get(format!("{name} enc").as_str()), t.get(format!("{name} dec").as_str())) else { continue };
        let ratio = |o: Option<f64>, x: f64| o.map(|o| format!("{:.2}×", o / x)).unwrap_or_else(|| "—".into());
        let per = d / mp * (768.0 * 512.0 / 1e6);
        println!("| {name} | {:.1} | {:.1} | {per:.1} | {} | {} |", mp / (e / 1e3), mp / (d / 1e3), ratio(oe, *e), ratio(od, *d));
    }
    if !opj {
        println!("\nOpenJPEG not found (Debian package libopenjp2-tools): no comparison.");
    }
    Ok(())
}
