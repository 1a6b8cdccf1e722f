//! tract-onnx: the reference executor and the fast CPU path. tract optimises a model for
//! one concrete input shape; [`TractModel`] keeps the plan of the last shape it ran.

use std::sync::Mutex;

use tract_onnx::prelude::*;

use crate::{Error, Tensor};

type Plan = std::sync::Arc<TypedSimplePlan>;

pub struct TractModel {
    model: InferenceModel,
    in_channels: usize,
    plan: Mutex<Option<((usize, usize), Plan)>>,
}

fn err(e: impl std::fmt::Display) -> Error {
    Error::Tract(format!("{e:#}"))
}

impl TractModel {
    pub fn from_onnx(bytes: &[u8], in_channels: usize) -> Result<TractModel, Error> {
        let model = tract_onnx::onnx().model_for_read(&mut &bytes[..]).map_err(err)?;
        Ok(TractModel { model, in_channels, plan: Mutex::new(None) })
    }

    fn plan(&self, h: usize, w: usize) -> Result<Plan, Error> {
        let mut slot = self.plan.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((shape, p)) = slot.as_ref() {
            if *shape == (h, w) {
                return Ok(p.clone());
            }
        }
        let p = self
            .model
            .clone()
            .with_input_fact(0, f32::fact([1, self.in_channels, h, w]).into())
            .map_err(err)?
            .into_optimized()
            .map_err(err)?
            .into_runnable()
            .map_err(err)?;
        *slot = Some(((h, w), p.clone()));
        Ok(p)
    }

    pub fn run(&self, input: &Tensor) -> Result<Tensor, Error> {
        if input.c != self.in_channels {
            return Err(Error::Shape(format!("input has {} channels, model expects {}", input.c, self.in_channels)));
        }
        let plan = self.plan(input.h, input.w)?;
        let x = tract_ndarray::Array4::from_shape_vec((1, input.c, input.h, input.w), input.data.clone()).map_err(err)?;
        let out = plan.run(tvec!(tract_onnx::prelude::Tensor::from(x).into())).map_err(err)?;
        let view = out[0].to_plain_array_view::<f32>().map_err(err)?;
        let s = view.shape();
        if s.len() != 4 || s[0] != 1 {
            return Err(Error::Shape(format!("tract output shape {s:?}")));
        }
        Tensor::new(s[1], s[2], s[3], view.iter().copied().collect())
    }
}
