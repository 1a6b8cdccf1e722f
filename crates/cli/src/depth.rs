//! `edgeplay depth`: the depth widget's numbers and files from a terminal — a picture's depth
//! as a 16-bit PNG (millimetres) or a colour picture, its point cloud as PLY, and the
//! accuracy over folders of RGB-D pairs.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use edgeplay_depth::{eval, export, Colormap, DepthModel, ModelSpec, Output};
use edgeplay_gpu::Runtime;

pub const DEFAULT_MODEL: &str = "models/fastdepth/fastdepth.onnx";

pub struct Opts {
    pub input: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub colormap: Option<String>,
    pub swap: bool,
    pub ply: Option<PathBuf>,
    pub fov: f32,
    pub eval: Option<PathBuf>,
    pub frames: Option<String>,
    pub bench: Option<usize>,
    pub relative: bool,
    pub size: Option<String>,
    pub json: bool,
}

/// FastDepth's spec for the shipped model; for another file, the declared input size (or
/// `--size`) with ImageNet normalisation and `--relative` deciding the output kind.
pub fn load(path: Option<&Path>, relative: bool, size: Option<&str>) -> Result<DepthModel> {
    let path = path.unwrap_or(Path::new(DEFAULT_MODEL));
    let bytes = std::fs::read(path).with_context(|| format!("reading the depth model {} (--model FILE.onnx)", path.display()))?;
    let stem = path.file_stem().map_or("model".into(), |s| s.to_string_lossy().into_owned());
    let name = if stem.starts_with("fastdepth") { "FastDepth".to_string() } else { stem };
    let declared = edgeplay_nn::declared_input(&bytes).ok();
    let (h, w) = match size {
        Some(s) => {
            let (w, h) = s.split_once('x').context("--size WxH")?;
            (h.parse()?, w.parse()?)
        }
        None => match declared.as_deref() {
            Some([_, _, Some(h), Some(w)]) => (*h, *w),
            _ => bail!("{} does not declare its input size: give --size WxH", path.display()),
        },
    };
    // Metric models are fed like FastDepth (RGB in [0, 1]); relative ones with ImageNet's
    // normalisation, as MiDaS and Depth Anything are trained.
    let spec = if relative { ModelSpec::relative(h, w) } else { ModelSpec { height: h, width: w, ..ModelSpec::FASTDEPTH } };
    Ok(DepthModel::from_onnx(&name, &bytes, spec)?)
}

pub async fn run(rt: &Runtime, model_path: Option<&Path>, o: Opts) -> Result<()> {
    let model = load(model_path, o.relative, o.size.as_deref())?;
    if let Some(why) = model.tract_only() {
        eprintln!("note: {} runs on tract only ({why})", model.name);
    }
    if let Some(n) = o.bench {
        return bench(rt, &model, o.input.as_deref(), n, o.json).await;
    }
    let frames = match o.frames.as_deref() {
        None => None,
        Some(s) => {
            let (a, b) = s.split_once("..").context("--frames A..B")?;
            let (a, b): (u64, u64) = (a.trim().parse().context("--frames A..B")?, b.trim().parse().context("--frames A..B")?);
            if a > b {
                bail!("--frames {a}..{b}: the range is empty");
            }
            Some(a..=b)
        }
    };
    if frames.is_some() && o.eval.is_none() {
        bail!("--frames selects pairs for --eval DIR");
    }
    if let Some(dir) = &o.eval {
        let report = eval::eval_dir(&model, rt, dir, frames, &mut |i, n| {
            if !o.json && (i % 50 == 0 || i == n) {
                eprintln!("{i}/{n}");
            }
        })
        .await?;
        if o.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            println!("{} on {} ({}): metric AbsRel / RMSE m / δ1, then median-scaled", report.model, dir.display(), report.path);
            println!("{:<28} {:>6}  {:>7} {:>7} {:>6}   {:>7} {:>7} {:>6}", "group", "images", "AbsRel", "RMSE", "δ1", "AbsRel", "RMSE", "δ1");
            for g in report.groups.iter().chain([&report.overall]) {
                let (m, s) = (g.metric, g.median_scaled);
                println!(
                    "{:<28} {:>6}  {:>7.3} {:>7.3} {:>6.3}   {:>7.3} {:>7.3} {:>6.3}",
                    g.group, g.images, m.abs_rel, m.rmse, m.delta1, s.abs_rel, s.rmse, s.delta1
                );
            }
        }
        return Ok(());
    }
    let Some(input) = &o.input else { bail!("give a picture (edgeplay depth IN.png --out OUT.png) or --eval DIR") };
    let img = image::open(input).with_context(|| format!("reading {}", input.display()))?.into_rgb8();
    let (w, h) = img.dimensions();
    let t = edgeplay_gpu::Stopwatch::start();
    let ran = model.predict(rt, img.as_raw(), 3, w as usize, h as usize).await?;
    let ms = t.ms();
    let path = crate::neural_path(ran.path, ran.fallback);
    let d = ran.value;
    let metric = d.output == Output::Metric;
    if let Some(out) = &o.out {
        let bytes = match &o.colormap {
            Some(name) => {
                let map: Colormap = name.parse()?;
                let rgb = edgeplay_depth::colormap::colorize(&d.values, map, metric, o.swap);
                let mut v = Vec::new();
                image::RgbImage::from_raw(w, h, rgb).expect("size").write_to(&mut std::io::Cursor::new(&mut v), image::ImageFormat::Png)?;
                v
            }
            None => export::png16(&export::to_u16(&d.values, metric), w, h)?,
        };
        std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
    }
    if let Some(ply) = &o.ply {
        std::fs::write(ply, export::ply(&d.values, img.as_raw(), 3, w as usize, h as usize, o.fov))?;
    }
    let (lo, hi) = edgeplay_depth::colormap::range(&d.values).unwrap_or((0.0, 0.0));
    if o.json {
        let v = serde_json::json!({
            "model": model.name, "width": w, "height": h, "output": d.output, "min": lo, "max": hi,
            "path": path, "ms": ms,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        let unit = if metric { " m" } else { " (relative inverse depth)" };
        println!("{}: {w}x{h}, depth {lo:.3}..{hi:.3}{unit}, {ms:.0} ms on {path}", model.name);
    }
    Ok(())
}

/// `--bench N`: median milliseconds per frame (decode excluded; both resizes and the network
/// included) and of the network alone, after one warm-up run, on the path the runtime gives.
async fn bench(rt: &Runtime, model: &DepthModel, input: Option<&Path>, n: usize, json: bool) -> Result<()> {
    if !(1..=1000).contains(&n) {
        bail!("--bench N: 1..1000 runs");
    }
    let img = match input {
        Some(p) => image::open(p).with_context(|| format!("reading {}", p.display()))?.into_rgb8(),
        // A kitchen-frame-sized test card: smooth gradients with a few edges.
        None => image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([(x / 3) as u8, (y / 2) as u8, ((x ^ y) & 0xc0) as u8])),
    };
    let (w, h) = (img.width() as usize, img.height() as usize);
    let x = model.input(img.as_raw(), 3, w, h);
    let first = model.predict(rt, img.as_raw(), 3, w, h).await?;
    let path = crate::neural_path(first.path, first.fallback);
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let mut frame = Vec::with_capacity(n);
    let mut net = Vec::with_capacity(n);
    for _ in 0..n {
        let t = edgeplay_gpu::Stopwatch::start();
        model.predict(rt, img.as_raw(), 3, w, h).await?;
        frame.push(t.ms());
        let t = edgeplay_gpu::Stopwatch::start();
        model.run(rt, &x).await?;
        net.push(t.ms());
    }
    let (frame_ms, net_ms) = (median(frame), median(net));
    let macs = model.macs();
    if json {
        let v = serde_json::json!({
            "model": model.name, "width": w, "height": h, "input": [model.spec.width, model.spec.height],
            "macs": macs, "path": path, "runs": n, "frame_ms": frame_ms, "net_ms": net_ms, "fps": 1000.0 / frame_ms,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        let m = macs.map_or("?".into(), |m| format!("{:.0} M", m as f64 / 1e6));
        println!(
            "{}: {m} MACs at {}x{}; {w}x{h} frame {frame_ms:.1} ms ({:.1} frames/s), network alone {net_ms:.1} ms, median of {n} on {path}",
            model.name, model.spec.width, model.spec.height, 1000.0 / frame_ms
        );
    }
    Ok(())
}
