//! Which in-process entries are still good. Every change in a tenant raises the tenant's
//! generation (a Redis counter, or a local one without Redis). An entry is stamped with the
//! generation known *before* its value was read; it is good while no higher generation has been
//! seen since. So a value read concurrently with a change can be returned to that reader, but
//! is never served again once the change is known here, whichever order the load and the
//! invalidation finish in.
//!
//! `resets` counts the times the whole cache was declared untrustworthy (the invalidation
//! channel was lost and regained: messages may have been missed); entries from before a reset
//! are never good again.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub resets: u64,
    pub generation: u64,
}

#[derive(Debug, Default)]
pub struct Generations {
    resets: AtomicU64,
    tenants: RwLock<HashMap<String, u64>>,
}

impl Generations {
    fn known(&self, tenant: &str) -> u64 {
        self.tenants
            .read()
            .map(|m| m.get(tenant).copied().unwrap_or(0))
            .unwrap_or(u64::MAX)
    }

    /// The stamp for a value about to be read.
    pub fn stamp(&self, tenant: &str) -> Stamp {
        Stamp {
            resets: self.resets.load(Ordering::Acquire),
            generation: self.known(tenant),
        }
    }

    pub fn resets(&self) -> u64 {
        self.resets.load(Ordering::Acquire)
    }

    pub fn is_current(&self, tenant: &str, s: Stamp) -> bool {
        s.resets == self.resets() && s.generation >= self.known(tenant)
    }

    /// Learns that `tenant` has reached `generation` (from Redis or a message).
    pub fn observe(&self, tenant: &str, generation: u64) {
        if self.known(tenant) >= generation {
            return;
        }
        if let Ok(mut m) = self.tenants.write() {
            let g = m.entry(tenant.to_owned()).or_insert(0);
            *g = (*g).max(generation);
        }
    }

    /// A local change (no Redis, or Redis unreachable): raises the generation by one.
    pub fn bump(&self, tenant: &str) {
        if let Ok(mut m) = self.tenants.write() {
            *m.entry(tenant.to_owned()).or_insert(0) += 1;
        }
    }

    /// Nothing stamped before this is good any more.
    pub fn reset(&self) {
        if let Ok(mut m) = self.tenants.write() {
            m.clear();
        }
        self.resets.fetch_add(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_read_before_a_change_is_not_current_after_it() {
        let g = Generations::default();
        let before = g.stamp("t");
        assert!(g.is_current("t", before));
        g.bump("t");
        assert!(!g.is_current("t", before));
        assert!(g.is_current("t", g.stamp("t")));
        assert!(g.is_current("other", g.stamp("other")), "tenants are apart");
    }

    #[test]
    fn observed_generations_only_go_up_and_a_reset_voids_everything() {
        let g = Generations::default();
        g.observe("t", 5);
        let s = g.stamp("t");
        assert_eq!(s.generation, 5);
        g.observe("t", 3);
        assert!(g.is_current("t", s));
        g.observe("t", 6);
        assert!(!g.is_current("t", s));
        let s = g.stamp("t");
        g.reset();
        assert!(!g.is_current("t", s));
    }
}
