//! Execution engine (filled by the WASM engine work).
