use web_time::Instant;

use crate::{Gpu, GpuError};

/// Where a time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// GPU timestamp queries written at the beginning and end of the compute pass.
    GpuTimestamp,
    /// Wall clock around the work (includes submission and synchronisation overhead).
    WallClock,
}

impl Clock {
    pub fn label(self) -> &'static str {
        match self {
            Clock::GpuTimestamp => "GPU timestamps",
            Clock::WallClock => "wall clock",
        }
    }
}

/// A measured duration and how it was measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    pub ms: f64,
    pub clock: Clock,
}

/// Wall-clock stopwatch that works natively and in the browser.
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch(Instant);

impl Stopwatch {
    pub fn start() -> Self {
        Stopwatch(Instant::now())
    }
    pub fn ms(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1e3
    }
}

/// Times one compute pass: pass [`PassTimer::timestamp_writes`] to `begin_compute_pass`, call
/// [`PassTimer::resolve`] on the encoder after the pass, submit, then await [`PassTimer::finish`].
pub struct PassTimer {
    queries: Option<(wgpu::QuerySet, wgpu::Buffer)>,
    start: Stopwatch,
}

impl PassTimer {
    pub(crate) fn new(gpu: &Gpu) -> Self {
        let queries = gpu.has_timestamps().then(|| {
            let set = gpu.device().create_query_set(&wgpu::QuerySetDescriptor {
                label: Some("edgeplay.timer"),
                ty: wgpu::QueryType::Timestamp,
                count: 2,
            });
            let resolve = gpu.device().create_buffer(&wgpu::BufferDescriptor {
                label: Some("edgeplay.timer.resolve"),
                size: 16,
                usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            });
            (set, resolve)
        });
        PassTimer { queries, start: Stopwatch::start() }
    }

    /// Timestamp writes for the pass, or `None` when the adapter has no timestamp queries.
    pub fn timestamp_writes(&self) -> Option<wgpu::ComputePassTimestampWrites<'_>> {
        self.queries.as_ref().map(|(set, _)| wgpu::ComputePassTimestampWrites {
            query_set: set,
            beginning_of_pass_write_index: Some(0),
            end_of_pass_write_index: Some(1),
        })
    }

    /// Records the query resolution; call after the timed pass has ended.
    pub fn resolve(&self, encoder: &mut wgpu::CommandEncoder) {
        if let Some((set, buf)) = &self.queries {
            encoder.resolve_query_set(set, 0..2, buf, 0);
        }
    }

    /// Waits for the submitted work and returns its duration.
    pub async fn finish(self, gpu: &Gpu) -> Result<Timing, GpuError> {
        match &self.queries {
            Some((_, buf)) => {
                let ticks: Vec<u64> = gpu.read_buffer(buf).await?;
                let period = gpu.queue().get_timestamp_period() as f64;
                let ns = ticks[1].saturating_sub(ticks[0]) as f64 * period;
                Ok(Timing { ms: ns / 1e6, clock: Clock::GpuTimestamp })
            }
            None => {
                gpu.wait_idle().await?;
                Ok(Timing { ms: self.start.ms(), clock: Clock::WallClock })
            }
        }
    }
}
