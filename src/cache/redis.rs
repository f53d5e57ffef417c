//! The second level (Redis) and the invalidation channel between instances.
//!
//! Keys of a tenant: `<p>:<tenant>:gen` (the tenant's generation, raised by every change) and
//! the values, stored as `[epoch u64][generation u64][MessagePack]`. A value is good only if
//! its epoch and generation are the current ones, read in the same `MGET`: a value written by
//! a reader that raced with a change carries the older generation and is ignored. `<p>:epoch`
//! is replaced by every instance when it (re)connects, which voids every value written before
//! (Redis restored from an old snapshot, or changes that could not reach Redis meanwhile).
//!
//! Channels: `<p>:inval` carries `{origin, seq, tenant, generation}` for every change; each
//! instance also listens on `<p>:inst:<id>` for acknowledgements and its own heartbeats.
//!
//! The guarantee (README, "Production shape"): once a write has returned, no instance serves a
//! value older than it from either level, as long as every instance reaches Redis:
//!  1. the writer raises the generation and deletes the keys in Redis, then publishes;
//!  2. each instance applies the message (raising its known generation, which voids its older
//!     in-process entries) and acknowledges it; the write returns when all receivers have
//!     acknowledged, or after the lease (below), whichever is first;
//!  3. an instance trusts its in-process level only while it holds a lease: it publishes a
//!     heartbeat on its own channel every lease/5, and a heartbeat it receives proves that every
//!     message published before that heartbeat was sent has been applied (one connection
//!     delivers in order). The lease runs `invalidation_lease_ms` from the heartbeat's sending.
//!     So an instance that missed the acknowledgement deadline has no lease left by the time
//!     the write returns, and reads from the store instead.
//!
//! When Redis cannot be reached, instances lose their lease and read from the store; a writer
//! that could not publish waits out the lease (only in the first lease after it saw Redis go)
//! and keeps the tenant pending, to publish it when Redis is back.

use super::stamps::Generations;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

#[derive(Serialize, Deserialize)]
struct Invalidation {
    /// Origin instance.
    o: String,
    /// The origin's sequence number, acknowledged back to it.
    s: u64,
    /// Tenant and its new generation.
    t: String,
    g: u64,
}

pub struct Redis {
    client: redis::Client,
    conn: ConnectionManager,
    prefix: String,
    ttl_secs: u64,
    timeout: Duration,
    lease: Duration,
    instance: String,
    base: Instant,
    /// Nanoseconds after `base` until which the in-process level may be trusted; 0: not.
    lease_until: AtomicU64,
    /// When this instance first saw Redis fail, since its last confirmed contact.
    down_since: Mutex<Option<Instant>>,
    /// After a failed command, requests skip Redis until then (nanoseconds after `base`).
    skip_until: AtomicU64,
    subscribed: AtomicBool,
    seq: AtomicU64,
    acks: Mutex<HashMap<u64, watch::Sender<usize>>>,
    /// Tenants whose change could not be published; retried by the heartbeat task.
    pending: Mutex<HashSet<String>>,
    gens: Arc<Generations>,
}

/// A value from L2 and the generation it was checked against.
pub struct Fetched {
    pub value: Option<Vec<u8>>,
    pub epoch: u64,
    pub generation: u64,
}

const HEADER: usize = 16;

impl Redis {
    pub fn new(
        url: &str,
        prefix: &str,
        ttl_secs: u64,
        timeout: Duration,
        lease: Duration,
        gens: Arc<Generations>,
    ) -> redis::RedisResult<Self> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        Ok(Self {
            client,
            conn,
            prefix: prefix.to_owned(),
            ttl_secs,
            timeout,
            lease,
            instance: uuid::Uuid::new_v4().simple().to_string(),
            base: Instant::now(),
            lease_until: AtomicU64::new(0),
            down_since: Mutex::new(None),
            skip_until: AtomicU64::new(0),
            subscribed: AtomicBool::new(false),
            seq: AtomicU64::new(0),
            acks: Mutex::new(HashMap::new()),
            pending: Mutex::new(HashSet::new()),
            gens,
        })
    }

    fn now_nanos(&self) -> u64 {
        self.base.elapsed().as_nanos() as u64
    }

    fn gen_key(&self, tenant: &str) -> String {
        format!("{}:{tenant}:gen", self.prefix)
    }

    fn epoch_key(&self) -> String {
        format!("{}:epoch", self.prefix)
    }

    fn inval_channel(&self) -> String {
        format!("{}:inval", self.prefix)
    }

    fn inst_channel(&self, instance: &str) -> String {
        format!("{}:inst:{instance}", self.prefix)
    }

    /// May this instance serve from its in-process level (and use Redis at all) now?
    pub fn trusted(&self) -> bool {
        let now = self.now_nanos();
        now < self.lease_until.load(Ordering::Acquire)
            && now >= self.skip_until.load(Ordering::Acquire)
    }

    fn failed(&self, what: &str, e: &dyn std::fmt::Display) {
        tracing::warn!(error = %e, "redis {what} failed; going on without it");
        // Requests stop waiting on Redis for a while; the heartbeat task finds out when it is
        // back.
        self.skip_until.store(
            self.now_nanos() + self.lease.as_nanos() as u64,
            Ordering::Release,
        );
        if let Ok(mut d) = self.down_since.lock() {
            d.get_or_insert_with(Instant::now);
        }
    }

    async fn run<T: redis::FromRedisValue>(
        &self,
        what: &str,
        cmd: impl FnOnce(&mut ConnectionManager) -> redis::RedisFuture<'_, T>,
    ) -> Option<T> {
        let mut conn = self.conn.clone();
        match tokio::time::timeout(self.timeout, cmd(&mut conn)).await {
            Ok(Ok(v)) => Some(v),
            Ok(Err(e)) => {
                self.failed(what, &e);
                None
            }
            Err(_) => {
                self.failed(what, &format!("no answer within {:?}", self.timeout));
                None
            }
        }
    }

    /// The value at `key` with the tenant's current generation and the epoch.
    pub async fn get(&self, key: &str, tenant: &str) -> Option<Fetched> {
        let keys = [key.to_owned(), self.gen_key(tenant), self.epoch_key()];
        let (value, generation, epoch): (Option<Vec<u8>>, Option<u64>, Option<u64>) = self
            .run("read", |c| {
                Box::pin(async move { redis::cmd("MGET").arg(&keys).query_async(c).await })
            })
            .await?;
        Some(Fetched {
            value,
            epoch: epoch.unwrap_or(0),
            generation: generation.unwrap_or(0),
        })
    }

    /// The payload of a fetched value, if it was written under the current epoch and (unless
    /// `any_generation`) generation.
    pub fn payload(f: &Fetched, any_generation: bool) -> Option<&[u8]> {
        let v = f.value.as_deref()?;
        if v.len() < HEADER {
            return None;
        }
        let epoch = u64::from_be_bytes(v[..8].try_into().ok()?);
        let generation = u64::from_be_bytes(v[8..16].try_into().ok()?);
        (epoch == f.epoch && (any_generation || generation == f.generation)).then(|| &v[HEADER..])
    }

    /// Stores a value in the background: the request does not wait for it.
    pub fn put(self: &Arc<Self>, key: String, epoch: u64, generation: u64, payload: Vec<u8>) {
        let me = self.clone();
        tokio::spawn(async move {
            let mut v = Vec::with_capacity(HEADER + payload.len());
            v.extend_from_slice(&epoch.to_be_bytes());
            v.extend_from_slice(&generation.to_be_bytes());
            v.extend_from_slice(&payload);
            let ttl = me.ttl_secs;
            me.run::<()>("write", |c| {
                Box::pin(async move {
                    redis::cmd("SET")
                        .arg(&key)
                        .arg(v)
                        .arg("EX")
                        .arg(ttl)
                        .query_async(c)
                        .await
                })
            })
            .await;
        });
    }

    /// After a change in `tenant` is committed: raise its generation, delete `keys`, tell the
    /// other instances and wait for them (see the module's guarantee).
    pub async fn invalidate(&self, tenant: &str, keys: Vec<String>) {
        let gen_key = self.gen_key(tenant);
        let raised: Option<(u64,)> = self
            .run("invalidation", |c| {
                Box::pin(async move {
                    let mut pipe = redis::pipe();
                    pipe.incr(&gen_key, 1_u64);
                    if !keys.is_empty() {
                        pipe.del(&keys).ignore();
                    }
                    pipe.query_async(c).await
                })
            })
            .await;
        let Some((generation,)) = raised else {
            self.gens.bump(tenant);
            self.pending
                .lock()
                .map(|mut p| p.insert(tenant.to_owned()))
                .ok();
            self.wait_out_leases().await;
            return;
        };
        self.gens.observe(tenant, generation);
        if !self.publish(tenant, generation).await {
            self.pending
                .lock()
                .map(|mut p| p.insert(tenant.to_owned()))
                .ok();
            self.wait_out_leases().await;
        }
    }

    /// Publishes a tenant's generation and waits for every receiver's acknowledgement, up to
    /// the lease. False if it could not be published.
    async fn publish(&self, tenant: &str, generation: u64) -> bool {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let (tx, mut rx) = watch::channel(0usize);
        if let Ok(mut acks) = self.acks.lock() {
            acks.insert(seq, tx);
        }
        let msg = serde_json::to_string(&Invalidation {
            o: self.instance.clone(),
            s: seq,
            t: tenant.to_owned(),
            g: generation,
        })
        .unwrap_or_default();
        let channel = self.inval_channel();
        let receivers: Option<usize> = self
            .run("publish", |c| {
                Box::pin(async move {
                    redis::cmd("PUBLISH")
                        .arg(channel)
                        .arg(msg)
                        .query_async(c)
                        .await
                })
            })
            .await;
        let published = receivers.is_some();
        if let Some(n) = receivers {
            let deadline = tokio::time::Instant::now() + self.lease;
            let timed_out = tokio::time::timeout_at(deadline, rx.wait_for(|acked| *acked >= n))
                .await
                .is_err();
            if timed_out {
                tracing::warn!(
                    receivers = n,
                    acknowledged = *rx.borrow(),
                    "not every instance confirmed an invalidation in time; their in-process caches have expired leases"
                );
            }
        }
        if let Ok(mut acks) = self.acks.lock() {
            acks.remove(&seq);
        }
        published
    }

    /// A change that could not be published: wait until any lease that other instances took
    /// before Redis went away has run out.
    async fn wait_out_leases(&self) {
        let since = self
            .down_since
            .lock()
            .map(|mut d| *d.get_or_insert_with(Instant::now))
            .unwrap_or_else(|_| Instant::now());
        let until = since + self.lease;
        let now = Instant::now();
        if until > now {
            tokio::time::sleep(until - now).await;
        }
    }

    pub async fn ping(&self) -> Result<(), String> {
        let mut conn = self.conn.clone();
        match tokio::time::timeout(
            self.timeout,
            redis::cmd("PING").query_async::<String>(&mut conn),
        )
        .await
        {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(format!("redis: {e}")),
            Err(_) => return Err(format!("redis did not answer within {:?}", self.timeout)),
        }
        if !self.subscribed.load(Ordering::Acquire) {
            return Err("the invalidation channel is not subscribed (reconnecting)".into());
        }
        if !self.trusted() {
            return Err("no recent heartbeat on the invalidation channel".into());
        }
        Ok(())
    }

    fn on_message(&self, channel: &str, payload: &[u8]) {
        if channel == self.inval_channel() {
            let Ok(m) = serde_json::from_slice::<Invalidation>(payload) else {
                return;
            };
            self.gens.observe(&m.t, m.g);
            if m.o == self.instance {
                self.ack(m.s);
            } else {
                let ack_channel = self.inst_channel(&m.o);
                let mut conn = self.conn.clone();
                let timeout = self.timeout;
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(
                        timeout,
                        redis::cmd("PUBLISH")
                            .arg(ack_channel)
                            .arg(format!("a{}", m.s))
                            .query_async::<()>(&mut conn),
                    )
                    .await;
                });
            }
            return;
        }
        let Ok(text) = std::str::from_utf8(payload) else {
            return;
        };
        if let Some(sent) = text.strip_prefix('h').and_then(|n| n.parse::<u64>().ok()) {
            let until = sent + self.lease.as_nanos() as u64;
            self.lease_until.fetch_max(until, Ordering::AcqRel);
            if let Ok(mut d) = self.down_since.lock() {
                *d = None;
            }
        } else if let Some(seq) = text.strip_prefix('a').and_then(|n| n.parse::<u64>().ok()) {
            self.ack(seq);
        }
    }

    fn ack(&self, seq: u64) {
        if let Ok(acks) = self.acks.lock()
            && let Some(tx) = acks.get(&seq)
        {
            tx.send_modify(|n| *n += 1);
        }
    }

    /// Connected again after a gap in which messages may have been lost: drop everything
    /// in-process, void Redis values written before now, and publish what is pending.
    async fn resynchronise(&self, clear_l1: &(dyn Fn() + Send + Sync)) {
        self.gens.reset();
        clear_l1();
        let epoch = rand::random::<u64>() | 1;
        let key = self.epoch_key();
        self.run::<()>("epoch", |c| {
            Box::pin(async move { redis::cmd("SET").arg(key).arg(epoch).query_async(c).await })
        })
        .await;
        self.flush_pending().await;
    }

    async fn flush_pending(&self) {
        let pending: Vec<String> = self
            .pending
            .lock()
            .map(|mut p| p.drain().collect())
            .unwrap_or_default();
        for tenant in pending {
            let gen_key = self.gen_key(&tenant);
            let raised: Option<u64> = self
                .run("invalidation", |c| {
                    Box::pin(async move { redis::cmd("INCR").arg(gen_key).query_async(c).await })
                })
                .await;
            match raised {
                Some(g) if self.publish(&tenant, g).await => {}
                _ => {
                    if let Ok(mut p) = self.pending.lock() {
                        p.insert(tenant);
                    }
                }
            }
        }
    }

    /// Subscribes, and subscribes again with backoff whenever the connection is lost or goes
    /// quiet; each new subscription starts with `resynchronise`.
    async fn subscriber(self: Arc<Self>, clear_l1: Arc<dyn Fn() + Send + Sync>) {
        use futures::StreamExt;
        let mut backoff = Duration::from_millis(50);
        loop {
            let connect = async {
                let mut ps = self.client.get_async_pubsub().await?;
                ps.subscribe(&[self.inval_channel(), self.inst_channel(&self.instance)])
                    .await?;
                Ok::<_, redis::RedisError>(ps)
            };
            let pubsub = match tokio::time::timeout(self.timeout * 4, connect).await {
                Ok(Ok(ps)) => ps,
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, "invalidation channel: cannot subscribe yet");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                    continue;
                }
                Err(_) => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                    continue;
                }
            };
            backoff = Duration::from_millis(50);
            self.subscribed.store(true, Ordering::Release);
            self.resynchronise(clear_l1.as_ref()).await;
            self.skip_until.store(0, Ordering::Release);
            tracing::info!("invalidation channel subscribed");
            let mut stream = pubsub.into_on_message();
            // Heartbeats arrive every lease/5; none for a whole lease means the connection is
            // dead even if the socket has not said so.
            while let Ok(Some(msg)) = tokio::time::timeout(self.lease, stream.next()).await {
                self.on_message(msg.get_channel_name(), msg.get_payload_bytes());
            }
            self.subscribed.store(false, Ordering::Release);
            self.lease_until.store(0, Ordering::Release);
            if let Ok(mut d) = self.down_since.lock() {
                d.get_or_insert_with(Instant::now);
            }
            tracing::warn!("invalidation channel lost; serving from the store until it is back");
        }
    }

    /// Publishes a heartbeat on this instance's channel every lease/5, and retries pending
    /// invalidations.
    async fn heartbeat(self: Arc<Self>) {
        let mut tick = tokio::time::interval(self.lease / 5);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let sent = self.now_nanos();
            let channel = self.inst_channel(&self.instance);
            let mut conn = self.conn.clone();
            let beat = tokio::time::timeout(
                self.timeout,
                redis::cmd("PUBLISH")
                    .arg(channel)
                    .arg(format!("h{sent}"))
                    .query_async::<usize>(&mut conn),
            )
            .await;
            if matches!(beat, Ok(Ok(_))) {
                // Commands work again: requests may use Redis.
                self.skip_until.store(0, Ordering::Release);
                let has_pending = self.pending.lock().map(|p| !p.is_empty()).unwrap_or(false);
                if has_pending {
                    self.flush_pending().await;
                }
            }
        }
    }

    /// Starts the subscriber and the heartbeat; they stop when the returned guard is dropped.
    pub fn start(self: &Arc<Self>, clear_l1: Arc<dyn Fn() + Send + Sync>) -> Tasks {
        Tasks(vec![
            tokio::spawn(self.clone().subscriber(clear_l1)),
            tokio::spawn(self.clone().heartbeat()),
        ])
    }
}

pub struct Tasks(Vec<JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}
