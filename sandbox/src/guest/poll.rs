//! `poll_oneoff` (WASI preview1) bounded by the call's deadline: `time.sleep` works, and no sleep
//! outlives the wall-time limit (a host function cannot be interrupted by an epoch, so the bound
//! has to be here).
//!
//! The guest has no sockets and an empty stdin, so descriptor subscriptions are always ready at
//! once; only clocks make it wait.

use super::GuestState;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use wasmtime::{Caller, Trap};

const SUBSCRIPTION_SIZE: usize = 48;
const EVENT_SIZE: usize = 32;
const TAG_CLOCK: u8 = 0;
const CLOCK_REALTIME: u32 = 0;
const SUBSCRIPTION_CLOCK_ABSTIME: u16 = 1;
const ERRNO_SUCCESS: u16 = 0;
const ERRNO_FAULT: i32 = 21;
const ERRNO_INVAL: i32 = 28;
/// `fd_readwrite.flags`: the stream has ended (empty stdin, closed output).
const EVENT_FD_READWRITE_HANGUP: u16 = 1;

struct Sub {
    userdata: u64,
    tag: u8,
    /// For clocks: how long from now until it fires.
    wait: Duration,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

fn parse(bytes: &[u8], origin: Instant) -> Sub {
    let userdata = u64_at(bytes, 0);
    let tag = bytes[8];
    let mut wait = Duration::ZERO;
    if tag == TAG_CLOCK {
        let id = u32_at(bytes, 16);
        let timeout = u64_at(bytes, 24);
        let absolute = u16_at(bytes, 40) & SUBSCRIPTION_CLOCK_ABSTIME != 0;
        let now = if !absolute {
            0
        } else if id == CLOCK_REALTIME {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        } else {
            // The guest's monotonic clock (see `super::Monotonic`).
            origin.elapsed().as_nanos() as u64
        };
        wait = Duration::from_nanos(timeout.saturating_sub(now));
    }
    Sub {
        userdata,
        tag,
        wait,
    }
}

fn event(userdata: u64, tag: u8) -> [u8; EVENT_SIZE] {
    let mut e = [0u8; EVENT_SIZE];
    e[0..8].copy_from_slice(&userdata.to_le_bytes());
    e[8..10].copy_from_slice(&ERRNO_SUCCESS.to_le_bytes());
    e[10] = tag;
    if tag != TAG_CLOCK {
        e[24..26].copy_from_slice(&EVENT_FD_READWRITE_HANGUP.to_le_bytes());
    }
    e
}

pub(super) fn poll_oneoff(
    mut caller: Caller<'_, GuestState>,
    subs: i32,
    events: i32,
    nsubs: i32,
    nevents: i32,
) -> wasmtime::Result<i32> {
    let Some(memory) = caller.get_export("memory").and_then(|e| e.into_memory()) else {
        return Ok(ERRNO_FAULT);
    };
    let n = nsubs as u32 as usize;
    if n == 0 {
        return Ok(ERRNO_INVAL);
    }
    let (subs, events, nevents) = (
        subs as u32 as usize,
        events as u32 as usize,
        nevents as u32 as usize,
    );
    let clock = caller.data().clock;
    let parsed: Vec<Sub> = {
        let data = memory.data(&caller);
        let in_bounds =
            |at: usize, len: usize| at.checked_add(len).is_some_and(|end| end <= data.len());
        if !in_bounds(subs, n * SUBSCRIPTION_SIZE)
            || !in_bounds(events, n * EVENT_SIZE)
            || !in_bounds(nevents, 4)
        {
            return Ok(ERRNO_FAULT);
        }
        (0..n)
            .map(|i| {
                parse(
                    &data[subs + i * SUBSCRIPTION_SIZE..][..SUBSCRIPTION_SIZE],
                    clock.origin,
                )
            })
            .collect()
    };

    // Descriptors are ready now; otherwise wait for the earliest clock.
    let ready: Vec<&Sub> = if parsed.iter().any(|s| s.tag != TAG_CLOCK) {
        parsed.iter().filter(|s| s.tag != TAG_CLOCK).collect()
    } else {
        let first = parsed.iter().min_by_key(|s| s.wait).expect("n > 0");
        let wake = Instant::now() + first.wait;
        match clock.deadline {
            Some(deadline) if deadline <= wake => {
                std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
                return Err(Trap::Interrupt.into());
            }
            _ => std::thread::sleep(first.wait),
        }
        vec![first]
    };

    let data = memory.data_mut(&mut caller);
    for (i, s) in ready.iter().enumerate() {
        data[events + i * EVENT_SIZE..][..EVENT_SIZE].copy_from_slice(&event(s.userdata, s.tag));
    }
    data[nevents..nevents + 4].copy_from_slice(&(ready.len() as u32).to_le_bytes());
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(tag: u8, clock_id: u32, timeout: u64, flags: u16) -> [u8; SUBSCRIPTION_SIZE] {
        let mut b = [0u8; SUBSCRIPTION_SIZE];
        b[0..8].copy_from_slice(&7u64.to_le_bytes());
        b[8] = tag;
        b[16..20].copy_from_slice(&clock_id.to_le_bytes());
        b[24..32].copy_from_slice(&timeout.to_le_bytes());
        b[40..42].copy_from_slice(&flags.to_le_bytes());
        b
    }

    #[test]
    fn relative_and_absolute_clocks_become_waits_from_now() {
        let origin = Instant::now() - Duration::from_secs(10);
        let rel = parse(&sub(TAG_CLOCK, 1, 5_000_000, 0), origin);
        assert_eq!(rel.userdata, 7);
        assert_eq!(rel.wait, Duration::from_millis(5));
        // Absolute on the guest's monotonic clock: 10 s have passed since its origin.
        let abs = parse(&sub(TAG_CLOCK, 1, 10_500_000_000, 1), origin);
        assert!(
            abs.wait <= Duration::from_millis(500) && abs.wait > Duration::from_millis(400),
            "{:?}",
            abs.wait
        );
        let past = parse(&sub(TAG_CLOCK, 1, 1, 1), origin);
        assert_eq!(past.wait, Duration::ZERO);
        let fd = parse(&sub(1, 0, 0, 0), origin);
        assert_eq!((fd.tag, fd.wait), (1, Duration::ZERO));
    }
}
