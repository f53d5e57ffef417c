//! What a guest instance sees: WASI preview1 with the stdlib mounted read-only, no environment,
//! no network, output captured; plus the `host.call` door through which the harness reports.
//! Built the same way for the snapshot's setup turn and for every call, so the guest's view of
//! the filesystem is identical in both.

use crate::fetch::RuntimePaths;
use crate::manifest::Manifest;
use crate::output::Capture;
use std::time::Instant;
use wasmtime::{Caller, Engine, Linker, ResourceLimiter};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, HostMonotonicClock, WasiCtxBuilder};

mod poll;

const HOST_FAULT: i32 = -2;

pub(crate) struct GuestState {
    pub wasi: WasiP1Ctx,
    pub limiter: Limiter,
    /// The last frame the guest sent through the door: the harness's report.
    pub report: Option<Vec<u8>>,
    pub report_cap: usize,
    /// The guest's monotonic clock and the call's wall-time deadline, for `poll_oneoff`.
    pub clock: GuestClock,
}

/// The guest's monotonic clock counts from `origin`; a sleep may not outlast `deadline`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GuestClock {
    pub origin: Instant,
    pub deadline: Option<Instant>,
}

impl GuestClock {
    pub(crate) fn new(deadline: Option<Instant>) -> Self {
        Self {
            origin: Instant::now(),
            deadline,
        }
    }
}

struct Monotonic(Instant);

impl HostMonotonicClock for Monotonic {
    fn resolution(&self) -> u64 {
        1
    }
    fn now(&self) -> u64 {
        self.0.elapsed().as_nanos() as u64
    }
}

/// Memory growth up to the call's limit; records the peak and whether growth was refused.
pub(crate) struct Limiter {
    pub max: usize,
    pub peak: usize,
    pub refused: bool,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.peak = self.peak.max(current);
        if desired > self.max {
            self.refused = true;
            return Ok(false);
        }
        self.peak = self.peak.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= crate::engine::TABLE_ELEMENTS)
    }
}

pub(crate) fn wasi(
    paths: &RuntimePaths,
    clock: &GuestClock,
    stdout: Capture,
    stderr: Capture,
) -> wasmtime::Result<WasiP1Ctx> {
    let m = Manifest::pinned();
    let mut b = WasiCtxBuilder::new();
    // No environment and no arguments but argv[0]: nothing of the host leaks in.
    b.arg(&m.guest.argv0).stdout(stdout).stderr(stderr);
    b.monotonic_clock(Monotonic(clock.origin));
    // The order fixes the descriptors (3, 4), which the snapshot's wasi-libc remembers.
    b.preopened_dir(&paths.stdlib_dir, &m.guest.stdlib_dir, FsPerms::ReadOnly)?;
    b.preopened_dir(&paths.root_dir, "/", FsPerms::ReadOnly)?;
    Ok(b.build_p1())
}

pub(crate) fn linker(engine: &Engine) -> wasmtime::Result<Linker<GuestState>> {
    let mut linker: Linker<GuestState> = Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s: &mut GuestState| &mut s.wasi)?;
    linker.allow_shadowing(true);
    // wasmtime-wasi's own poll_oneoff sleeps on the host thread where no epoch deadline can
    // reach it; this one sleeps no later than the call's deadline.
    linker.func_wrap("wasi_snapshot_preview1", "poll_oneoff", poll::poll_oneoff)?;
    linker.func_wrap("host", "call", door)?;
    Ok(linker)
}

/// `host.call(ptr, len, out_ptr_ptr, out_len_ptr) -> 0 | -2`: takes the frame, answers empty.
fn door(
    mut caller: Caller<'_, GuestState>,
    ptr: i32,
    len: i32,
    out_ptr_ptr: i32,
    out_len_ptr: i32,
) -> i32 {
    let Some(memory) = caller.get_export("memory").and_then(|e| e.into_memory()) else {
        return HOST_FAULT;
    };
    let (ptr, len) = (ptr as u32 as usize, len as u32 as usize);
    let (out_ptr_ptr, out_len_ptr) = (out_ptr_ptr as u32 as usize, out_len_ptr as u32 as usize);
    let cap = caller.data().report_cap;
    let data = memory.data(&caller);
    if ptr.checked_add(len).is_none_or(|end| end > data.len())
        || out_ptr_ptr + 4 > data.len()
        || out_len_ptr + 4 > data.len()
    {
        return HOST_FAULT;
    }
    if len > cap {
        return HOST_FAULT;
    }
    let frame = data[ptr..ptr + len].to_vec();
    let data = memory.data_mut(&mut caller);
    data[out_ptr_ptr..out_ptr_ptr + 4].copy_from_slice(&0u32.to_le_bytes());
    data[out_len_ptr..out_len_ptr + 4].copy_from_slice(&0u32.to_le_bytes());
    caller.data_mut().report = Some(frame);
    0
}
