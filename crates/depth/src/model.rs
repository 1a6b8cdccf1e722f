//! A depth network and how to feed it: [`ModelSpec`] (input size, normalisation, what the
//! output means) and [`DepthModel`], which runs on the WGSL executor when every operator is
//! supported and on tract otherwise (with the reason kept for the badge).

use std::sync::{Arc, Mutex};

use edgeplay_core::Image;
use edgeplay_gpu::{Gpu, Path, Ran, Runtime};
use edgeplay_nn::gpu::GpuGraph;
use edgeplay_nn::reference::TractModel;
use edgeplay_nn::{Graph, Tensor};
use serde::Serialize;

use crate::resample::{picture_to_planes, resize_depth};
use crate::Error;

/// What a network's single output channel is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Output {
    /// Depth in metres (FastDepth).
    Metric,
    /// Relative inverse depth, larger = nearer, unknown scale and shift (MiDaS,
    /// Depth Anything).
    Relative,
}

/// How to feed a network.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ModelSpec {
    /// Network input height and width.
    pub height: usize,
    pub width: usize,
    /// Input = (rgb / 255 − mean) / std per channel.
    pub mean: [f32; 3],
    pub std: [f32; 3],
    pub output: Output,
}

impl ModelSpec {
    /// FastDepth: 224², RGB in [0, 1], metres.
    pub const FASTDEPTH: ModelSpec = ModelSpec { height: 224, width: 224, mean: [0.0; 3], std: [1.0; 3], output: Output::Metric };
    /// ImageNet normalisation, relative inverse depth (MiDaS, Depth Anything).
    pub fn relative(height: usize, width: usize) -> ModelSpec {
        ModelSpec { height, width, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], output: Output::Relative }
    }

    fn check(&self) -> Result<(), Error> {
        let ok_side = |v: usize| (8..=2048).contains(&v);
        if !ok_side(self.height) || !ok_side(self.width) {
            return Err(Error::Spec(format!("input {}x{} (each side 8..2048)", self.width, self.height)));
        }
        if self.std.iter().any(|&s| !(s.is_finite() && s > 0.0)) || self.mean.iter().any(|m| !m.is_finite()) {
            return Err(Error::Spec("mean must be finite and std positive".into()));
        }
        Ok(())
    }
}

/// A depth prediction at the picture's own size.
#[derive(Clone, Debug)]
pub struct Depth {
    pub width: usize,
    pub height: usize,
    /// Row-major, metres for metric models, relative inverse depth otherwise.
    pub values: Vec<f32>,
    pub output: Output,
}

enum Exec {
    /// Our executor: WGSL on the GPU, tract on the CPU.
    Graph { graph: Graph, gpu: Mutex<Option<(Gpu, Arc<GpuGraph>)>> },
    /// An operator our executor lacks: tract on both paths, and why.
    TractOnly { reason: String },
}

pub struct DepthModel {
    pub name: String,
    pub spec: ModelSpec,
    tract: TractModel,
    exec: Exec,
    /// GPU or CPU, from measured timings ([`edgeplay_gpu::PathChoice`]).
    choice: edgeplay_gpu::PathChoice,
}

/// Largest ONNX file accepted (bytes).
pub const MAX_MODEL_BYTES: usize = 200 << 20;
/// Largest intermediate tensor (values) a model may compute at its input size: 256 MB of f32,
/// well inside a wasm module's memory.
pub const MAX_ACTIVATION: usize = 1 << 26;

impl DepthModel {
    /// Reads an ONNX depth network. `spec` overrides what is read from the graph (input size
    /// from its declared shape when fixed).
    pub fn from_onnx(name: &str, bytes: &[u8], spec: ModelSpec) -> Result<DepthModel, Error> {
        if bytes.len() > MAX_MODEL_BYTES {
            return Err(Error::Model(format!("{} MB is over the {} MB limit", bytes.len() >> 20, MAX_MODEL_BYTES >> 20)));
        }
        spec.check()?;
        let dims = edgeplay_nn::declared_input(bytes).map_err(|e| Error::Model(e.to_string()))?;
        if dims.len() != 4 || dims[1].is_some_and(|c| c != 3) || dims[0].is_some_and(|n| n != 1) {
            return Err(Error::Model(format!("the input is {dims:?}, not one RGB picture [1, 3, H, W]")));
        }
        let tract = TractModel::from_onnx(bytes, 3).map_err(|e| Error::Model(e.to_string()))?;
        let exec = match Graph::from_onnx(bytes) {
            Ok(graph) => {
                let shapes = graph.shapes(spec.height, spec.width).map_err(|e| Error::Model(e.to_string()))?;
                let biggest = shapes.iter().map(|s| s.iter().product::<usize>()).max().unwrap_or(0);
                if biggest > MAX_ACTIVATION {
                    return Err(Error::Model(format!("at {}x{} it computes a tensor of {biggest} values (limit {MAX_ACTIVATION})", spec.width, spec.height)));
                }
                let out = shapes[graph.output];
                if out[0] != 1 {
                    return Err(Error::Model(format!("the output has {} channels; a depth map has one", out[0])));
                }
                Exec::Graph { graph, gpu: Mutex::new(None) }
            }
            Err(edgeplay_nn::Error::Unsupported(why)) => Exec::TractOnly { reason: why },
            Err(e) => return Err(Error::Model(e.to_string())),
        };
        let m = DepthModel { name: name.into(), spec, tract, exec, choice: Default::default() };
        if matches!(m.exec, Exec::TractOnly { .. }) {
            // Check the output once so a non-depth graph is refused at load, not per frame.
            let probe = Tensor::zeros(3, spec.height, spec.width);
            let out = m.tract.run(&probe).map_err(|e| Error::Model(e.to_string()))?;
            if out.c != 1 {
                return Err(Error::Model(format!("the output has {} channels; a depth map has one", out.c)));
            }
        }
        Ok(m)
    }

    /// The shipped FastDepth (`models/fastdepth/fastdepth.onnx`).
    pub fn fastdepth(bytes: &[u8]) -> Result<DepthModel, Error> {
        DepthModel::from_onnx("FastDepth", bytes, ModelSpec::FASTDEPTH)
    }

    /// Multiply-accumulates of one run at the network's input size (convolutions), when our
    /// executor reads the graph.
    pub fn macs(&self) -> Option<u64> {
        match &self.exec {
            Exec::Graph { graph, .. } => graph.macs(self.spec.height, self.spec.width).ok(),
            Exec::TractOnly { .. } => None,
        }
    }

    /// Why the GPU path is not our WGSL executor, if it is not.
    pub fn tract_only(&self) -> Option<&str> {
        match &self.exec {
            Exec::TractOnly { reason } => Some(reason),
            Exec::Graph { .. } => None,
        }
    }

    fn gpu_graph(&self, g: &Gpu) -> Option<Arc<GpuGraph>> {
        let Exec::Graph { graph, gpu } = &self.exec else { return None };
        let mut cache = gpu.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((dev, gg)) = &*cache {
            if dev.same_device(g) {
                return Some(gg.clone());
            }
        }
        let gg = Arc::new(GpuGraph::new(g, graph));
        *cache = Some((g.clone(), gg.clone()));
        Some(gg)
    }

    /// The network input for a picture (RGB or RGBA, `stride` bytes per pixel).
    pub fn input(&self, rgb: &[u8], stride: usize, w: usize, h: usize) -> Tensor {
        let (nh, nw) = (self.spec.height, self.spec.width);
        let mut planes = picture_to_planes(rgb, stride, w, h, nw, nh);
        for c in 0..3 {
            let (m, s) = (self.spec.mean[c], self.spec.std[c]);
            planes[c * nh * nw..(c + 1) * nh * nw].iter_mut().for_each(|v| *v = (*v - m) / s);
        }
        Tensor { c: 3, h: nh, w: nw, data: planes }
    }

    /// Runs the network on its input tensor: WGSL on the GPU when the runtime gives one, the
    /// graph is supported and (under the automatic backend) the GPU was measured faster than
    /// tract on this device; tract otherwise.
    pub async fn run(&self, rt: &Runtime, x: &Tensor) -> Result<Ran<Tensor>, Error> {
        let tract = async || self.tract.run(x).map_err(Error::from);
        if self.tract_only().is_some() {
            // Not a GPU failure: the reason is the model's (`tract_only`).
            return Ok(Ran { value: tract().await?, path: Path::Cpu, fallback: None, choice: None });
        }
        self.choice.run(
            rt,
            0, // the network's input size is fixed
            async |g| {
                let gg = self.gpu_graph(g).expect("graph model");
                Ok(gg.run(x).await?.0)
            },
            tract,
        )
        .await
    }

    /// Depth of a picture at its own size (the resize rule of [`crate::resample`]).
    pub async fn predict(&self, rt: &Runtime, rgb: &[u8], stride: usize, w: usize, h: usize) -> Result<Ran<Depth>, Error> {
        edgeplay_core::check_size(w as u32, h as u32)?;
        if rgb.len() < w * h * stride {
            return Err(Error::Input(format!("{} bytes for a {w}x{h} picture", rgb.len())));
        }
        let x = self.input(rgb, stride, w, h);
        let ran = self.run(rt, &x).await?;
        let out = ran.value;
        if out.c != 1 {
            return Err(Error::Model(format!("the output has {} channels; a depth map has one", out.c)));
        }
        let values = resize_depth(&out.data, out.w, out.h, w, h);
        Ok(Ran { value: Depth { width: w, height: h, values, output: self.spec.output }, path: ran.path, fallback: ran.fallback, choice: ran.choice })
    }

    /// [`DepthModel::predict`] for an [`Image`] (grey pictures are expanded to RGB).
    pub async fn predict_image(&self, rt: &Runtime, img: &Image) -> Result<Ran<Depth>, Error> {
        let rgb: Vec<u8> = match img.channels {
            3 => img.data.clone(),
            1 => img.data.iter().flat_map(|&v| [v, v, v]).collect(),
            c => return Err(Error::Input(format!("{c}-channel picture"))),
        };
        self.predict(rt, &rgb, 3, img.width as usize, img.height as usize).await
    }
}
