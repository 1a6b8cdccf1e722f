use std::sync::Mutex;

use async_lock::OnceCell;

use crate::{Gpu, GpuError};

/// Which path kernels may use; the UI's toggle sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    /// The GPU when there is a working device, the CPU otherwise.
    #[default]
    Auto,
    /// Only the GPU: kernels report an error instead of falling back.
    Gpu,
    /// Only the CPU.
    Cpu,
}

/// A backend name that is not `auto`, `gpu` (`webgpu`) or `cpu`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown backend '{0}' (expected auto, gpu or cpu)")]
pub struct UnknownBackend(pub String);

impl std::str::FromStr for Backend {
    type Err = UnknownBackend;
    fn from_str(s: &str) -> Result<Self, UnknownBackend> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Backend::Auto),
            "gpu" | "webgpu" => Ok(Backend::Gpu),
            "cpu" => Ok(Backend::Cpu),
            other => Err(UnknownBackend(other.to_string())),
        }
    }
}

/// The path a piece of work actually ran on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    Gpu,
    Cpu,
}

impl Path {
    pub fn as_str(self) -> &'static str {
        match self {
            Path::Gpu => "gpu",
            Path::Cpu => "cpu",
        }
    }
}

/// Where a kernel should run: handed to kernels, which match on it.
#[derive(Debug, Clone)]
pub enum Exec {
    Gpu(Gpu),
    Cpu,
}

impl Exec {
    pub fn path(&self) -> Path {
        match self {
            Exec::Gpu(_) => Path::Gpu,
            Exec::Cpu => Path::Cpu,
        }
    }
}

/// A result and where it was computed: [`Runtime::run`]'s output.
#[derive(Debug, Clone)]
pub struct Ran<T> {
    pub value: T,
    pub path: Path,
    /// The GPU error that made the work fall back to the CPU, if it did.
    pub fallback: Option<String>,
    /// Why this path, when a [`PathChoice`] picked it from measured timings.
    pub choice: Option<String>,
}

/// What the badge shows.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeStatus {
    pub path: Path,
    pub backend: Backend,
    /// Adapter name when a device exists (even if the CPU is forced).
    pub adapter: Option<String>,
    pub timestamps: bool,
    /// Why the CPU path is used, when it is.
    pub reason: Option<String>,
}

/// The shared runtime: one lazily created device plus the backend choice.
///
/// Create one per page (the web crate keeps one in a thread-local) or per process.
pub struct Runtime {
    backend: Mutex<Backend>,
    device: OnceCell<Result<Gpu, GpuError>>,
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

impl Runtime {
    pub const fn new() -> Self {
        Runtime { backend: Mutex::new(Backend::Auto), device: OnceCell::new() }
    }

    pub fn backend(&self) -> Backend {
        *self.backend.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_backend(&self, b: Backend) {
        *self.backend.lock().unwrap_or_else(|e| e.into_inner()) = b;
    }

    /// The device, created on first call (concurrent first calls share one creation).
    pub async fn device(&self) -> Result<Gpu, GpuError> {
        let r = self.device.get_or_init(|| async { Gpu::request().await }).await;
        let gpu = r.clone()?;
        gpu.check_alive()?;
        Ok(gpu)
    }

    /// The device if it was already created and is alive; never creates one.
    pub fn device_if_ready(&self) -> Option<Gpu> {
        match self.device.get() {
            Some(Ok(g)) if g.lost_reason().is_none() => Some(g.clone()),
            _ => None,
        }
    }

    /// Where the next kernel should run. `Backend::Gpu` turns "no device" into an error;
    /// `Auto` turns it into the CPU.
    pub async fn exec(&self) -> Result<Exec, GpuError> {
        match self.backend() {
            Backend::Cpu => Ok(Exec::Cpu),
            Backend::Auto => Ok(self.device().await.map(Exec::Gpu).unwrap_or(Exec::Cpu)),
            Backend::Gpu => self.device().await.map(Exec::Gpu),
        }
    }

    /// Whether a GPU failure may fall back to the CPU under the current backend choice.
    pub fn may_fall_back(&self) -> bool {
        self.backend() != Backend::Gpu
    }

    /// The one GPU→CPU fallback rule, used by every kernel, the web modules and the CLI:
    /// runs `gpu` on the device when the backend choice gives one; when that fails and the
    /// choice allows it (`Auto`), or when there is no device, runs `cpu` and reports why.
    /// With `Backend::Gpu` a GPU failure is returned as it is.
    pub async fn run<T, E>(
        &self,
        gpu: impl AsyncFnOnce(&Gpu) -> Result<T, E>,
        cpu: impl AsyncFnOnce() -> Result<T, E>,
    ) -> Result<Ran<T>, E>
    where
        E: From<GpuError> + std::fmt::Display,
    {
        let mut fallback = None;
        if let Exec::Gpu(g) = self.exec().await? {
            match gpu(&g).await {
                Ok(value) => return Ok(Ran { value, path: Path::Gpu, fallback: None, choice: None }),
                Err(e) if self.may_fall_back() => fallback = Some(e.to_string()),
                Err(e) => return Err(e),
            }
        }
        Ok(Ran { value: cpu().await?, path: Path::Cpu, fallback, choice: None })
    }

    /// Status for the badge; creates the device if needed (unless the CPU is forced and no
    /// device was ever asked for, in which case the adapter is unknown).
    pub async fn status(&self) -> RuntimeStatus {
        let backend = self.backend();
        let dev = if backend == Backend::Cpu && self.device.get().is_none() {
            Err(GpuError::Disabled)
        } else {
            self.device().await
        };
        let (adapter, timestamps) = match &dev {
            Ok(g) => (Some(g.info().name.clone()), g.has_timestamps()),
            Err(_) => (None, false),
        };
        let (path, reason) = match (&dev, backend) {
            (_, Backend::Cpu) => (Path::Cpu, Some("CPU forced".to_string())),
            (Ok(_), _) => (Path::Gpu, None),
            (Err(e), _) => (Path::Cpu, Some(e.to_string())),
        };
        RuntimeStatus { path, backend, adapter, timestamps, reason }
    }
}

/// GPU/CPU choice for one kind of work from measured timings: a GPU is used only where it is
/// the faster path on this device (a software adapter such as SwiftShader often is not).
///
/// Under [`Backend::Auto`] with a device, the first calls measure: CPU (warm-up), CPU (timed),
/// GPU (warm-up: pipelines compile; if it alone took over [`PathChoice::HOPELESS`] times the
/// CPU's time the CPU is chosen there), GPU (timed); from then on the faster path runs (GPU
/// failures still fall back to the CPU). A forced backend is obeyed as [`Runtime::run`] does.
/// A new `key` (the work's size) measures again. Every call returns a real result on the path
/// it names; [`Ran::choice`] says why.
#[derive(Default)]
pub struct PathChoice {
    state: Mutex<ChoiceState>,
}

#[derive(Default)]
struct ChoiceState {
    key: u64,
    calls: u32,
    cpu_ms: f64,
    decided: Option<(Path, String)>,
}

enum Step {
    Cpu { timed: bool },
    Gpu { timed: bool },
    Decided(Path, String),
}

impl PathChoice {
    /// A GPU warm-up slower than this many CPU runs is not worth a timed run.
    pub const HOPELESS: f64 = 8.0;

    pub fn new() -> PathChoice {
        PathChoice::default()
    }

    /// The decision so far: the chosen path and why, once measured.
    pub fn decided(&self) -> Option<(Path, String)> {
        lock(&self.state).decided.clone()
    }

    fn record(&self, key: u64, f: impl FnOnce(&mut ChoiceState)) {
        let mut st = lock(&self.state);
        if st.key == key {
            f(&mut st);
        }
    }

    pub async fn run<T, E>(
        &self,
        rt: &Runtime,
        key: u64,
        gpu: impl AsyncFnOnce(&Gpu) -> Result<T, E>,
        cpu: impl AsyncFnOnce() -> Result<T, E>,
    ) -> Result<Ran<T>, E>
    where
        E: From<GpuError> + std::fmt::Display,
    {
        if rt.backend() != Backend::Auto {
            return rt.run(gpu, cpu).await;
        }
        let Exec::Gpu(dev) = rt.exec().await? else { return rt.run(gpu, cpu).await };
        let step = {
            let mut st = lock(&self.state);
            if st.key != key {
                *st = ChoiceState { key, ..ChoiceState::default() };
            }
            st.calls += 1;
            match (&st.decided, st.calls) {
                (Some((p, why)), _) => Step::Decided(*p, why.clone()),
                (None, 1) => Step::Cpu { timed: false },
                (None, 2) => Step::Cpu { timed: true },
                (None, 3) => Step::Gpu { timed: false },
                // Calls that started while another was measuring.
                (None, _) => Step::Gpu { timed: true },
            }
        };
        let fmt = |ms: f64| if ms >= 100.0 { format!("{ms:.0} ms") } else { format!("{ms:.1} ms") };
        match step {
            Step::Cpu { timed } => {
                let sw = crate::Stopwatch::start();
                let value = cpu().await?;
                let ms = sw.ms();
                if timed {
                    self.record(key, |st| st.cpu_ms = ms);
                }
                Ok(Ran { value, path: Path::Cpu, fallback: None, choice: Some("measuring which path is faster here: a CPU run".into()) })
            }
            Step::Gpu { timed } => {
                let sw = crate::Stopwatch::start();
                match gpu(&dev).await {
                    Ok(value) => {
                        let ms = sw.ms();
                        let mut why = "measuring which path is faster here: a GPU run".to_string();
                        self.record(key, |st| {
                            if st.decided.is_some() {
                                return;
                            }
                            let cpu_ms = st.cpu_ms;
                            if !timed && ms > Self::HOPELESS * cpu_ms {
                                st.decided = Some((Path::Cpu, format!("CPU chosen: measured faster here ({} per run vs over {} for the GPU's first run)", fmt(cpu_ms), fmt(ms))));
                            } else if timed {
                                st.decided = Some(if ms < cpu_ms {
                                    (Path::Gpu, format!("GPU chosen: measured faster here ({} vs {} on the CPU)", fmt(ms), fmt(cpu_ms)))
                                } else {
                                    (Path::Cpu, format!("CPU chosen: measured faster here ({} vs {} on the GPU)", fmt(cpu_ms), fmt(ms)))
                                });
                            }
                            if let Some((_, w)) = &st.decided {
                                why = w.clone();
                            }
                        });
                        Ok(Ran { value, path: Path::Gpu, fallback: None, choice: Some(why) })
                    }
                    Err(e) => {
                        let why = format!("CPU chosen: the GPU run failed ({e})");
                        self.record(key, |st| st.decided = Some((Path::Cpu, why.clone())));
                        Ok(Ran { value: cpu().await?, path: Path::Cpu, fallback: Some(e.to_string()), choice: Some(why) })
                    }
                }
            }
            Step::Decided(Path::Cpu, why) => Ok(Ran { value: cpu().await?, path: Path::Cpu, fallback: None, choice: Some(why) }),
            Step::Decided(Path::Gpu, why) => {
                let mut ran = rt.run(gpu, cpu).await?;
                ran.choice = Some(why);
                Ok(ran)
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
