//! Two-level read cache: L1 in-process (moka), L2 Redis when configured. Keys are hierarchical
//! and carry the tenant: `<prefix>:<tenant>:util:id:<id>`, `...:util:name:<name>`,
//! `...:list:<query>`. Concurrent misses on one key load it once (moka's `try_get_with`).
//!
//! Every write calls `invalidate_utility`, which drops the utility's keys and the tenant's list
//! pages.

use crate::config::CacheConfig;
use crate::domain::TenantCode;
use std::any::Any;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

type Entry = Arc<dyn Any + Send + Sync>;

#[derive(Clone)]
pub struct Cache {
    l1: moka::future::Cache<String, Entry>,
    prefix: String,
    /// `cache.l1_ttl_secs = 0` turns caching off (benchmarks of the store path, debugging).
    enabled: bool,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("entries", &self.l1.entry_count())
            .finish()
    }
}

/// What a cached read is about, so its key can be built and later invalidated.
pub enum Key<'a> {
    UtilityId(i64),
    UtilityName(&'a str),
    /// A list page; the string is a canonical rendering of the query.
    List(&'a str),
}

impl Cache {
    pub fn new(cfg: &CacheConfig) -> Self {
        let l1 = moka::future::Cache::builder()
            .max_capacity(cfg.l1_max_entries)
            .time_to_live(Duration::from_secs(cfg.l1_ttl_secs))
            .support_invalidation_closures()
            .build();
        Self {
            l1,
            prefix: cfg.key_prefix.clone(),
            enabled: cfg.l1_ttl_secs > 0,
        }
    }

    fn key(&self, tenant: &TenantCode, key: &Key<'_>) -> String {
        match key {
            Key::UtilityId(id) => format!("{}:{}:util:id:{id}", self.prefix, tenant),
            Key::UtilityName(n) => format!("{}:{}:util:name:{n}", self.prefix, tenant),
            Key::List(q) => format!("{}:{}:list:{q}", self.prefix, tenant),
        }
    }

    /// Returns the cached value or runs `load` once for all concurrent callers of this key.
    pub async fn get_or_load<T, E, F>(
        &self,
        tenant: &TenantCode,
        key: Key<'_>,
        load: F,
    ) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        E: Clone + Send + Sync + 'static,
        F: Future<Output = Result<T, E>>,
    {
        if !self.enabled {
            return load.await.map(Arc::new);
        }
        let k = self.key(tenant, &key);
        let entry = self
            .l1
            .try_get_with(k, async { load.await.map(|v| Arc::new(v) as Entry) })
            .await
            .map_err(|e: Arc<E>| (*e).clone())?;
        Ok(entry
            .downcast::<T>()
            .expect("a cache key is only ever used with one value type"))
    }

    /// Drops a utility's entries (by id and every name it had) and the tenant's list pages.
    pub async fn invalidate_utility(&self, tenant: &TenantCode, id: i64, names: &[&str]) {
        self.l1
            .invalidate(&self.key(tenant, &Key::UtilityId(id)))
            .await;
        for name in names {
            self.l1
                .invalidate(&self.key(tenant, &Key::UtilityName(name)))
                .await;
        }
        let lists = self.key(tenant, &Key::List(""));
        // Invalidation closures run lazily inside moka; the predicate is cheap.
        let _ = self
            .l1
            .invalidate_entries_if(move |k, _| k.starts_with(&lists));
    }
}
