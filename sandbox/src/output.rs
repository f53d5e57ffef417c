//! The guest's stdout and stderr: kept up to a cap and forwarded, as written, to an optional
//! sink for streaming. Writing past the cap keeps what fits, flags it, and stops the guest.

use bytes::Bytes;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError};

/// What a streaming caller receives, in order: `Started` once the call has a slot (so that a
/// refused call can still be answered with a status of its own), then the output as the guest
/// wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputChunk {
    Started,
    Stdout(Bytes),
    Stderr(Bytes),
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Which {
    Stdout,
    Stderr,
}

/// Where chunks go as they are written: a channel to a streaming client, or a worker's pipe.
pub(crate) type Sink = Arc<dyn Fn(OutputChunk) + Send + Sync>;

pub(crate) const LIMIT_TRAP: &str = "zona: output limit reached";

struct Inner {
    buf: Vec<u8>,
    cap: usize,
    truncated: bool,
    which: Which,
    sink: Option<Sink>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("len", &self.buf.len())
            .field("cap", &self.cap)
            .field("truncated", &self.truncated)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Capture(Arc<Mutex<Inner>>);

impl Capture {
    pub(crate) fn new(which: Which, cap: usize, sink: Option<Sink>) -> Self {
        Self(Arc::new(Mutex::new(Inner {
            buf: Vec::new(),
            cap,
            truncated: false,
            which,
            sink,
        })))
    }

    /// Keeps what fits; returns false when something did not.
    fn push(&self, bytes: &[u8]) -> bool {
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let room = g.cap.saturating_sub(g.buf.len());
        let take = room.min(bytes.len());
        if take > 0 {
            g.buf.extend_from_slice(&bytes[..take]);
            if let Some(sink) = &g.sink {
                let chunk = Bytes::copy_from_slice(&bytes[..take]);
                sink(match g.which {
                    Which::Stdout => OutputChunk::Stdout(chunk),
                    Which::Stderr => OutputChunk::Stderr(chunk),
                });
            }
        }
        if take < bytes.len() {
            g.truncated = true;
            return false;
        }
        true
    }

    /// (the text kept, whether it was truncated)
    pub(crate) fn take(&self) -> (String, bool) {
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let buf = std::mem::take(&mut g.buf);
        (String::from_utf8_lossy(&buf).into_owned(), g.truncated)
    }

    pub(crate) fn truncated(&self) -> bool {
        self.0.lock().map(|g| g.truncated).unwrap_or(true)
    }
}

#[async_trait::async_trait]
impl OutputStream for Capture {
    fn write(&mut self, bytes: Bytes) -> Result<(), StreamError> {
        if self.push(&bytes) {
            Ok(())
        } else {
            Err(StreamError::trap(LIMIT_TRAP))
        }
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }

    fn check_write(&mut self) -> Result<usize, StreamError> {
        // Always accept a write, so one past the cap reaches `write` and is flagged there.
        Ok(64 * 1024)
    }
}

#[async_trait::async_trait]
impl Pollable for Capture {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for Capture {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.push(buf) {
            Poll::Ready(Ok(buf.len()))
        } else {
            Poll::Ready(Err(std::io::Error::other(LIMIT_TRAP)))
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl IsTerminal for Capture {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for Capture {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}
