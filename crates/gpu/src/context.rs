use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

use wgpu::util::DeviceExt;

use crate::{GpuError, PassTimer};

/// What the UI shows about the adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuInfo {
    /// Human-readable adapter name ("llvmpipe (LLVM 19…)", "Google SwiftShader", …).
    pub name: String,
    /// wgpu backend ("Vulkan", "BrowserWebGpu", …).
    pub backend: String,
    /// `Cpu`, `IntegratedGpu`, `DiscreteGpu`, …
    pub device_type: String,
    /// Whether compute passes can be timed with timestamp queries.
    pub timestamps: bool,
}

impl GpuInfo {
    /// A software rasteriser running "GPU" work on the CPU (SwiftShader, llvmpipe/lavapipe,
    /// WARP): kernels tuned for it differ, and the CPU path is often faster.
    pub fn is_software(&self) -> bool {
        let n = self.name.to_lowercase();
        self.device_type == "Cpu" || ["swiftshader", "llvmpipe", "lavapipe", "microsoft basic render"].iter().any(|s| n.contains(s))
    }
}

type PipelineKey = (u64, String);

struct Inner {
    device: wgpu::Device,
    queue: wgpu::Queue,
    info: GpuInfo,
    pipelines: Mutex<HashMap<PipelineKey, wgpu::ComputePipeline>>,
    lost: Arc<Mutex<Option<String>>>,
}

/// A GPU device and everything kernels share on it. Cheap to clone.
#[derive(Clone)]
pub struct Gpu {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Gpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gpu").field("info", &self.inner.info).finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Gpu {
    /// Requests an adapter and a device. In the browser only WebGPU is tried; natively every
    /// compiled-in backend (Vulkan on Linux, where Mesa's lavapipe counts as an adapter).
    // Natively the device is Send + Sync and shared across threads; in the browser wgpu's
    // types are single-threaded and the Arc is merely a cheap shared handle.
    #[allow(clippy::arc_with_non_send_sync)]
    pub async fn request() -> Result<Gpu, GpuError> {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        if cfg!(target_arch = "wasm32") {
            // `navigator.gpu` may exist without any adapter (Chrome on Linux without flags):
            // this helper asks for one before we commit to the WebGPU backend.
            if !wgpu::util::is_browser_webgpu_supported().await {
                return Err(GpuError::NoAdapter(
                    "WebGPU is not available here (no navigator.gpu, or it offers no adapter)".into(),
                ));
            }
            desc.backends = wgpu::Backends::BROWSER_WEBGPU;
        } else {
            desc.backends = wgpu::Backends::from_env().unwrap_or(wgpu::Backends::PRIMARY);
        }
        let instance = wgpu::Instance::new(desc);
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                force_fallback_adapter: false,
                compatible_surface: None,
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::NoAdapter(e.to_string()))?;
        let ainfo = adapter.get_info();
        let timestamps = adapter.features().contains(wgpu::Features::TIMESTAMP_QUERY);
        let mut features = wgpu::Features::empty();
        if timestamps {
            features |= wgpu::Features::TIMESTAMP_QUERY;
        }
        // Ask for what the adapter offers for storage buffers (large images), defaults otherwise.
        let alimits = adapter.limits();
        let limits = wgpu::Limits {
            max_storage_buffer_binding_size: alimits.max_storage_buffer_binding_size,
            max_buffer_size: alimits.max_buffer_size,
            max_compute_workgroups_per_dimension: alimits.max_compute_workgroups_per_dimension,
            ..wgpu::Limits::downlevel_defaults()
        };
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("edgeplay"),
                required_features: features,
                required_limits: limits,
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::RequestDevice(e.to_string()))?;

        let lost = Arc::new(Mutex::new(None));
        let flag = lost.clone();
        device.set_device_lost_callback(move |reason, message| {
            let text = match reason {
                wgpu::DeviceLostReason::Destroyed => format!("device destroyed {message}"),
                _ => format!("{message} ({reason:?})"),
            };
            log::warn!("edgeplay: GPU device lost: {text}");
            *lock(&flag) = Some(text.trim().to_string());
        });

        let name = if ainfo.name.trim().is_empty() {
            // Browsers may hide the adapter name; describe what they do tell.
            let d = ainfo.driver.trim();
            if d.is_empty() { "WebGPU adapter".to_string() } else { d.to_string() }
        } else {
            ainfo.name.trim().to_string()
        };
        let info = GpuInfo {
            name,
            backend: format!("{:?}", ainfo.backend),
            device_type: format!("{:?}", ainfo.device_type),
            timestamps,
        };
        Ok(Gpu {
            inner: Arc::new(Inner {
                device,
                queue,
                info,
                pipelines: Mutex::new(HashMap::new()),
                lost,
            }),
        })
    }

    /// For tests of GPU kernels: a device, or `None` (with a note on stderr) where the machine
    /// has none — except under `EDGEPLAY_REQUIRE_GPU=1` (the test script sets it), where a
    /// missing GPU fails the test instead of skipping it silently.
    pub async fn request_or_skip() -> Option<Gpu> {
        match Gpu::request().await {
            Ok(g) => Some(g),
            Err(e) if std::env::var("EDGEPLAY_REQUIRE_GPU").is_ok_and(|v| v == "1") => {
                panic!("EDGEPLAY_REQUIRE_GPU=1 but no GPU: {e}")
            }
            Err(e) => {
                eprintln!("skipping GPU test: {e}");
                None
            }
        }
    }

    /// Whether both handles share one device (caches of uploaded weights key on this).
    pub fn same_device(&self, other: &Gpu) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    pub fn device(&self) -> &wgpu::Device {
        &self.inner.device
    }
    pub fn queue(&self) -> &wgpu::Queue {
        &self.inner.queue
    }
    pub fn info(&self) -> &GpuInfo {
        &self.inner.info
    }
    pub fn has_timestamps(&self) -> bool {
        self.inner.info.timestamps
    }

    /// `Some(reason)` once the device is lost; kernels then use the CPU.
    pub fn lost_reason(&self) -> Option<String> {
        lock(&self.inner.lost).clone()
    }

    /// Destroys the device, as a driver reset would. For tests of the fallback path.
    pub fn simulate_loss(&self) {
        self.inner.device.destroy();
        // Some backends report the loss asynchronously; record it now so the next call falls back.
        let mut l = lock(&self.inner.lost);
        if l.is_none() {
            *l = Some("device destroyed".into());
        }
    }

    /// Returns an error if the device is lost.
    pub fn check_alive(&self) -> Result<(), GpuError> {
        match self.lost_reason() {
            Some(r) => Err(GpuError::DeviceLost(r)),
            None => Ok(()),
        }
    }

    /// The compute pipeline for `entry` in `shader`, compiled once and cached by shader text
    /// and entry point. Uses the layout derived from the shader.
    pub fn pipeline(&self, label: &str, shader: &str, entry: &str) -> wgpu::ComputePipeline {
        let mut h = DefaultHasher::new();
        shader.hash(&mut h);
        let key = (h.finish(), entry.to_string());
        if let Some(p) = lock(&self.inner.pipelines).get(&key) {
            return p.clone();
        }
        let module = self.inner.device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(label),
            source: wgpu::ShaderSource::Wgsl(shader.into()),
        });
        let p = self.inner.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(label),
            layout: None,
            module: &module,
            entry_point: Some(entry),
            compilation_options: Default::default(),
            cache: None,
        });
        lock(&self.inner.pipelines).insert(key, p.clone());
        p
    }

    /// Number of pipelines compiled so far (for tests of the cache).
    pub fn cached_pipelines(&self) -> usize {
        lock(&self.inner.pipelines).len()
    }

    /// Checks that a storage buffer of `bytes` fits this device.
    pub fn check_storage_size(&self, what: &'static str, bytes: u64) -> Result<(), GpuError> {
        let l = self.inner.device.limits();
        let limit = l.max_storage_buffer_binding_size.min(l.max_buffer_size);
        if bytes > limit {
            return Err(GpuError::TooLarge { what, needed: bytes, limit });
        }
        Ok(())
    }

    /// A storage buffer initialised with `data` (also usable as copy source and destination).
    pub fn storage_init<T: bytemuck::Pod>(&self, label: &str, data: &[T]) -> wgpu::Buffer {
        let bytes: &[u8] = bytemuck::cast_slice(data);
        // wgpu rejects zero-sized bindings; keep at least one element.
        let padded;
        let contents = if bytes.is_empty() {
            padded = [0u8; 4];
            &padded[..]
        } else {
            bytes
        };
        self.inner.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents,
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
        })
    }

    /// An uninitialised (zeroed) storage buffer of `bytes` bytes.
    pub fn storage(&self, label: &str, bytes: u64) -> wgpu::Buffer {
        self.inner.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes.max(4).next_multiple_of(4),
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    /// A uniform buffer holding `value`.
    pub fn uniform<T: bytemuck::Pod>(&self, label: &str, value: &T) -> wgpu::Buffer {
        self.inner.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytemuck::bytes_of(value),
            usage: wgpu::BufferUsages::UNIFORM,
        })
    }

    /// A bind group for `pipeline`'s group 0 with `buffers` bound at bindings 0, 1, 2, ….
    pub fn bind(&self, pipeline: &wgpu::ComputePipeline, buffers: &[&wgpu::Buffer]) -> wgpu::BindGroup {
        let layout = pipeline.get_bind_group_layout(0);
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32, resource: b.as_entire_binding() })
            .collect();
        self.inner.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &layout,
            entries: &entries,
        })
    }

    pub fn encoder(&self, label: &str) -> wgpu::CommandEncoder {
        self.inner
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })
    }

    /// A timer for one compute pass (timestamp queries when available).
    pub fn pass_timer(&self) -> PassTimer {
        PassTimer::new(self)
    }

    /// Runs `f` inside validation and out-of-memory error scopes and reports the first error.
    pub async fn scoped<R>(&self, f: impl FnOnce() -> R) -> Result<R, GpuError> {
        self.check_alive()?;
        let oom = self.inner.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let val = self.inner.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let r = f();
        // Pop both scopes before awaiting: scopes are a device-wide stack, and another task
        // (a second widget) may push its own scopes while this one waits.
        let (v, o) = (val.pop(), oom.pop());
        let (v, o) = (v.await, o.await);
        if let Some(e) = v.or(o) {
            return Err(GpuError::Device(e.to_string()));
        }
        self.check_alive()?;
        Ok(r)
    }

    /// Copies `src` into a mappable buffer and reads it back as `T`s. `src` needs `COPY_SRC`.
    /// Natively the device is polled until the map completes; in the browser the map
    /// callback is driven by the event loop and simply awaited.
    pub async fn read_buffer<T: bytemuck::Pod>(&self, src: &wgpu::Buffer) -> Result<Vec<T>, GpuError> {
        self.check_alive()?;
        let mut enc = self.encoder("edgeplay.readback");
        let staging = self.copy_to_staging(&mut enc, src);
        self.inner.queue.submit(Some(enc.finish()));
        self.map_read(&staging).await
    }

    /// Records a copy of `src` into a new mappable buffer (read it with [`Gpu::map_read`]
    /// after submitting `enc`). Lets a computation and its readback share one submission,
    /// and gives each run its own copy of a buffer the next run will overwrite.
    pub fn copy_to_staging(&self, enc: &mut wgpu::CommandEncoder, src: &wgpu::Buffer) -> wgpu::Buffer {
        let size = src.size();
        let staging = self.inner.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("edgeplay.readback"),
            size,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        enc.copy_buffer_to_buffer(src, 0, &staging, 0, size);
        staging
    }

    /// Maps a buffer made by [`Gpu::copy_to_staging`] (its copy submitted) and reads it as `T`s.
    pub async fn map_read<T: bytemuck::Pod>(&self, staging: &wgpu::Buffer) -> Result<Vec<T>, GpuError> {
        let (tx, rx) = futures_channel::oneshot::channel();
        staging.map_async(wgpu::MapMode::Read, .., move |r| {
            let _ = tx.send(r);
        });
        self.poll_native()?;
        let mapped = rx
            .await
            .map_err(|_| GpuError::Readback("map callback dropped".into()))?;
        if let Err(e) = mapped {
            self.check_alive()?;
            return Err(GpuError::Readback(e.to_string()));
        }
        let out = {
            let view = staging
                .get_mapped_range(..)
                .map_err(|e| GpuError::Readback(e.to_string()))?;
            bytemuck::pod_collect_to_vec(&view)
        };
        staging.unmap();
        Ok(out)
    }

    /// Waits until all submitted work has finished.
    pub async fn wait_idle(&self) -> Result<(), GpuError> {
        self.check_alive()?;
        let (tx, rx) = futures_channel::oneshot::channel();
        self.inner.queue.on_submitted_work_done(move || {
            let _ = tx.send(());
        });
        self.poll_native()?;
        rx.await.map_err(|_| GpuError::Readback("work-done callback dropped".into()))?;
        self.check_alive()
    }

    fn poll_native(&self) -> Result<(), GpuError> {
        #[cfg(not(target_arch = "wasm32"))]
        self.inner
            .device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| match self.lost_reason() {
                Some(r) => GpuError::DeviceLost(r),
                None => GpuError::Device(e.to_string()),
            })?;
        Ok(())
    }
}
