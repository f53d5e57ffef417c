//! Two-level read cache: L1 in-process (moka), L2 Redis when `cache.redis_url` is set. Keys are
//! hierarchical and carry the tenant: `<prefix>:<tenant>:util:id:<id>`, `...:util:name:<name>`,
//! `...:list:<hash of the query>`, `...:fixed:<name>`. Concurrent misses on one key load it
//! once (moka's `get_with_if` coalesces them).
//!
//! Values are typed (`T: Serialize + DeserializeOwned`): L1 keeps them as they are, L2 as
//! MessagePack. Every write calls `invalidate_utility` after its commit: it voids what the
//! tenant has cached, here, in Redis and (through Redis pub/sub) in every other instance, before
//! it returns. How that holds under races and faults: `stamps` and `redis`.
//!
//! Without Redis the cache is L1 alone and consistent within the instance.

mod redis;
mod stamps;

use crate::config::CacheConfig;
use crate::domain::TenantCode;
use secrecy::ExposeSecret;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use stamps::{Generations, Stamp};
use std::any::Any;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

type Shared = Arc<dyn Any + Send + Sync>;

#[derive(Clone)]
struct Slot {
    stamp: Stamp,
    /// Errors are kept only until the next call for the key, which loads again.
    value: Result<Shared, Shared>,
}

#[derive(Debug, thiserror::Error)]
#[error("cache.redis_url: {0}")]
pub struct CacheError(String);

#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

struct Inner {
    l1: moka::future::Cache<String, Slot>,
    prefix: String,
    /// `cache.l1_ttl_secs = 0` turns caching off (benchmarks of the store path, debugging).
    enabled: bool,
    gens: Arc<Generations>,
    l2: Option<Arc<redis::Redis>>,
    _tasks: Option<redis::Tasks>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("entries", &self.inner.l1.entry_count())
            .field("redis", &self.inner.l2.is_some())
            .finish()
    }
}

/// What a cached read is about, so its key can be built and later invalidated.
pub enum Key<'a> {
    UtilityId(i64),
    UtilityName(&'a str),
    /// A list page; the string is a canonical rendering of the query.
    List(&'a str),
    /// A value that never changes once made for its key (e.g. the compiled form of one
    /// version of a utility: `compiled:<id>:<version>`): writes do not void it.
    Fixed(&'a str),
}

impl Cache {
    /// Without `redis_url`, L1 only. With it, Redis is connected lazily: the service starts
    /// and serves while Redis is down.
    pub fn new(cfg: &CacheConfig) -> Result<Self, CacheError> {
        let l1 = moka::future::Cache::builder()
            .max_capacity(cfg.l1_max_entries)
            .time_to_live(Duration::from_secs(cfg.l1_ttl_secs.max(1)))
            .build();
        let gens = Arc::new(Generations::default());
        let enabled = cfg.l1_ttl_secs > 0;
        let (l2, tasks) = match &cfg.redis_url {
            Some(url) if enabled => {
                let r = Arc::new(
                    redis::Redis::new(
                        url.expose_secret(),
                        &cfg.key_prefix,
                        cfg.l2_ttl_secs,
                        Duration::from_millis(cfg.redis_timeout_ms),
                        Duration::from_millis(cfg.invalidation_lease_ms),
                        gens.clone(),
                    )
                    .map_err(|e| CacheError(e.to_string()))?,
                );
                let l1c = l1.clone();
                let tasks = r.start(Arc::new(move || l1c.invalidate_all()));
                (Some(r), Some(tasks))
            }
            _ => (None, None),
        };
        Ok(Self {
            inner: Arc::new(Inner {
                l1,
                prefix: cfg.key_prefix.clone(),
                enabled,
                gens,
                l2,
                _tasks: tasks,
            }),
        })
    }

    fn key(&self, tenant: &TenantCode, key: &Key<'_>) -> String {
        let p = &self.inner.prefix;
        match key {
            Key::UtilityId(id) => format!("{p}:{tenant}:util:id:{id}"),
            Key::UtilityName(n) => format!("{p}:{tenant}:util:name:{n}"),
            Key::List(q) => {
                let digest = Sha256::digest(q.as_bytes());
                format!("{p}:{tenant}:list:{}", hex::encode(&digest[..12]))
            }
            Key::Fixed(s) => format!("{p}:{tenant}:fixed:{s}"),
        }
    }

    /// False when `cache.l1_ttl_secs = 0`: every read loads.
    pub fn enabled(&self) -> bool {
        self.inner.enabled
    }

    /// Returns the cached value or runs `load` once for all concurrent callers of this key.
    /// `load`'s errors are returned to those callers and not cached.
    pub async fn get_or_load<T, E, F>(
        &self,
        tenant: &TenantCode,
        key: Key<'_>,
        load: F,
    ) -> Result<Arc<T>, E>
    where
        T: Serialize + DeserializeOwned + Send + Sync + 'static,
        E: Clone + Send + Sync + 'static,
        F: Future<Output = Result<T, E>>,
    {
        let inner = &self.inner;
        if !inner.enabled {
            return load.await.map(Arc::new);
        }
        let fixed = matches!(key, Key::Fixed(_));
        let k = self.key(tenant, &key);
        let t = tenant.as_str();
        // Without a lease on the invalidation channel, nothing cached is trusted: loads still
        // coalesce, but every call loads again.
        let trusted = inner.l2.as_ref().is_none_or(|r| r.trusted());
        let gens = &inner.gens;
        let init = async {
            let before = gens.stamp(t);
            let l2 = inner.l2.as_ref().filter(|_| trusted);
            let fetched = match l2 {
                Some(r) => r.get(&k, t).await,
                None => None,
            };
            let (stamp, value) = match (l2, fetched) {
                (Some(r), Some(f)) => {
                    gens.observe(t, f.generation);
                    let stamp = Stamp {
                        resets: before.resets,
                        generation: f.generation,
                    };
                    let cached = redis::Redis::payload(&f, fixed)
                        .and_then(|bytes| rmp_serde::from_slice::<T>(bytes).ok());
                    match cached {
                        Some(v) => (stamp, Ok(v)),
                        None => {
                            let loaded = load.await;
                            if let Ok(v) = &loaded
                                && let Ok(bytes) = rmp_serde::to_vec_named(v)
                            {
                                r.put(k.clone(), f.epoch, f.generation, bytes);
                            }
                            (stamp, loaded)
                        }
                    }
                }
                _ => (before, load.await),
            };
            Slot {
                stamp,
                value: value
                    .map(|v| Arc::new(v) as Shared)
                    .map_err(|e| Arc::new(e) as Shared),
            }
        };
        let slot = inner
            .l1
            .entry(k.clone())
            .or_insert_with_if(init, |s| {
                !trusted
                    || s.value.is_err()
                    || if fixed {
                        s.stamp.resets != gens.resets()
                    } else {
                        !gens.is_current(t, s.stamp)
                    }
            })
            .await
            .into_value();
        match slot.value {
            Ok(v) => Ok(v
                .downcast::<T>()
                .expect("a cache key is only ever used with one value type")),
            Err(e) => Err(e
                .downcast_ref::<E>()
                .expect("a cache key is only ever used with one error type")
                .clone()),
        }
    }

    /// After a committed change to a utility: voids the tenant's cached utilities and list
    /// pages here, in Redis and in every other instance, before returning. `names` are every
    /// name the utility had or has now.
    pub async fn invalidate_utility(&self, tenant: &TenantCode, id: i64, names: &[&str]) {
        let inner = &self.inner;
        let mut keys = vec![self.key(tenant, &Key::UtilityId(id))];
        keys.extend(names.iter().map(|n| self.key(tenant, &Key::UtilityName(n))));
        match &inner.l2 {
            Some(r) => r.invalidate(tenant.as_str(), keys.clone()).await,
            None => inner.gens.bump(tenant.as_str()),
        }
        // The generation already voids them; this only frees the memory now.
        for k in &keys {
            inner.l1.invalidate(k).await;
        }
    }

    /// For /health: `None` without Redis; otherwise whether Redis answers and this instance
    /// holds its lease on the invalidation channel.
    pub async fn check(&self) -> Option<Result<(), String>> {
        match &self.inner.l2 {
            None => None,
            Some(r) => Some(r.ping().await),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn cache() -> Cache {
        Cache::new(&CacheConfig::default()).unwrap()
    }

    #[tokio::test]
    async fn concurrent_misses_load_once() {
        let c = cache();
        let t = TenantCode::parse("t").unwrap();
        let loads = Arc::new(AtomicUsize::new(0));
        let calls = (0..20).map(|_| {
            let (c, t, loads) = (c.clone(), t.clone(), loads.clone());
            async move {
                c.get_or_load(&t, Key::UtilityId(1), async {
                    loads.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Ok::<_, String>(41_i64)
                })
                .await
            }
        });
        let got = futures::future::join_all(calls).await;
        assert!(got.iter().all(|v| **v.as_ref().unwrap() == 41));
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_write_voids_what_was_loaded_before_it_even_if_the_load_finishes_after() {
        let c = cache();
        let t = TenantCode::parse("t").unwrap();
        let (release, wait) = tokio::sync::oneshot::channel::<()>();
        let slow = {
            let (c, t) = (c.clone(), t.clone());
            tokio::spawn(async move {
                c.get_or_load(&t, Key::UtilityName("u"), async {
                    wait.await.unwrap();
                    Ok::<_, String>("old".to_owned())
                })
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        c.invalidate_utility(&t, 1, &["u"]).await;
        release.send(()).unwrap();
        // The racing reader gets the value it read...
        assert_eq!(*slow.await.unwrap().unwrap(), "old");
        // ...but nobody after the write does.
        let now = c
            .get_or_load(&t, Key::UtilityName("u"), async {
                Ok::<_, String>("new".to_owned())
            })
            .await
            .unwrap();
        assert_eq!(*now, "new");
    }

    #[tokio::test]
    async fn errors_are_not_cached_and_fixed_keys_survive_writes() {
        let c = cache();
        let t = TenantCode::parse("t").unwrap();
        let e = c
            .get_or_load(&t, Key::UtilityId(2), async {
                Err::<i64, _>("down".to_owned())
            })
            .await;
        assert_eq!(e.unwrap_err(), "down");
        let v = c
            .get_or_load(&t, Key::UtilityId(2), async { Ok::<_, String>(2_i64) })
            .await;
        assert_eq!(*v.unwrap(), 2);

        c.get_or_load(&t, Key::Fixed("compiled:1:1"), async {
            Ok::<_, String>(7_i64)
        })
        .await
        .unwrap();
        c.invalidate_utility(&t, 1, &["x"]).await;
        let v = c
            .get_or_load(&t, Key::Fixed("compiled:1:1"), async {
                Ok::<_, String>(8_i64)
            })
            .await;
        assert_eq!(*v.unwrap(), 7);
    }
}
