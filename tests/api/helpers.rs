//! `TestApp`: the real service on port 0 with a temporary data directory, driven over HTTP,
//! one method per endpoint.

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;
use tokio::sync::oneshot;
use zona_utils::config::Config;
use zona_utils::domain::{Principal, Role, TenantCode, UserId};

pub struct Reply {
    pub status: StatusCode,
    #[allow(dead_code)] // read by the execute tests (Retry-After)
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    async fn from(resp: reqwest::Response) -> Self {
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("response body");
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("non-JSON body ({status}): {text}"));
        Self {
            status,
            headers,
            body,
        }
    }

    /// Asserts the status and the envelope's `success`, showing the body when it fails.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(
            self.body["success"],
            json!(status < 400),
            "body: {}",
            self.body
        );
        self
    }

    /// A run that started: 200, its outcome, and `success` only when it is `ok`.
    #[track_caller]
    pub fn expect_outcome(&self, outcome: &str) -> &Self {
        assert_eq!(self.status.as_u16(), 200, "body: {}", self.body);
        assert_eq!(self.body["data"]["outcome"], outcome, "body: {}", self.body);
        assert_eq!(
            self.body["success"],
            json!(outcome == "ok"),
            "body: {}",
            self.body
        );
        self
    }

    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    pub fn message(&self) -> &str {
        self.body["displaymessage"].as_str().unwrap_or_default()
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub cfg: Config,
    pub data_dir: Arc<TempDir>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

pub fn repo_path(rel: &str) -> PathBuf {
    // At run time (cargo sets it), not `env!`: a binary built in another checkout that shares
    // the target directory would otherwise read that checkout's files.
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from)
        .join(rel)
}

pub fn test_config(data_dir: &std::path::Path) -> Config {
    let mut cfg = Config::default();
    cfg.server.listen = "127.0.0.1:0".parse().unwrap();
    cfg.storage.data_dir = data_dir.to_owned();
    cfg.validation.policies_dir = repo_path("policies");
    // Workers are the service's own binary; one is enough for most tests (the 2 cores are
    // shared by the test threads).
    cfg.sandbox.worker_program = Some(env!("CARGO_BIN_EXE_zona-utils").into());
    cfg.sandbox.workers = 1;
    // The runtime cache the scripts prepared (scripts/lib.sh sets it).
    cfg.sandbox.cache_dir = std::env::var_os("ZONA_CACHE_DIR").map(Into::into);
    cfg
}

/// The production shape: the MongoDB store and the Redis cache, on the shared test servers,
/// with a database and key prefix of its own.
pub fn production_config(data_dir: &std::path::Path, mongo_uri: &str, redis_url: &str) -> Config {
    let mut cfg = test_config(data_dir);
    let prefix = crate::servers::unique_prefix();
    cfg.storage.mongodb_uri = Some(mongo_uri.to_owned().into());
    cfg.storage.mongodb.db_prefix = prefix.clone();
    cfg.storage.mongodb.min_pool_size = 0;
    cfg.cache.redis_url = Some(redis_url.to_owned().into());
    cfg.cache.key_prefix = prefix;
    cfg
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_production() -> Self {
        Self::spawn_production_with(|_| {}).await
    }

    pub async fn spawn_production_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let servers = crate::servers::shared();
        Self::spawn_with(|cfg| {
            *cfg = production_config(
                &cfg.storage.data_dir,
                &servers.mongo_uri,
                &servers.redis_url,
            );
            tweak(cfg);
        })
        .await
    }

    /// Waits until /health says `status` (the cache's lease is taken shortly after start).
    pub async fn wait_for_health(&self, status: &str) -> Reply {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let r = self.health().await;
            if r.body["status"] == status || std::time::Instant::now() > deadline {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
        let mut cfg = test_config(dir.path());
        tweak(&mut cfg);
        Self::start(cfg, dir).await
    }

    async fn start(cfg: Config, data_dir: Arc<TempDir>) -> Self {
        let server = zona_utils::startup::Server::build(&cfg)
            .await
            .expect("server starts");
        let addr = server.local_addr();
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            server
                .run(async {
                    let _ = rx.await;
                })
                .await
                .expect("server runs");
        });
        Self {
            addr,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            cfg,
            data_dir,
            shutdown: Some(tx),
            server: Some(handle),
        }
    }

    /// Another instance of the same service beside this one: the same configuration (store,
    /// cache, prefixes) and data directory (secrets), on its own port.
    pub async fn another_instance(&self) -> Self {
        let mut cfg = self.cfg.clone();
        cfg.server.listen = "127.0.0.1:0".parse().unwrap();
        Self::start(cfg, self.data_dir.clone()).await
    }

    /// Stops this instance cleanly and starts a new one on the same data directory.
    pub async fn restart(mut self) -> Self {
        self.stop().await;
        let mut cfg = self.cfg.clone();
        cfg.server.listen = "127.0.0.1:0".parse().unwrap();
        Self::start(cfg, self.data_dir.clone()).await
    }

    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = h.await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn token(&self, tenant: &str, user: i64, role: Role) -> String {
        let who = Principal {
            user: UserId(user),
            tenant: TenantCode::parse(tenant).unwrap(),
            role,
        };
        zona_utils::token(&self.cfg, &who, Duration::from_secs(3600)).unwrap()
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        Reply::from(req.send().await.expect("request sent")).await
    }

    // --- one method per endpoint ---

    pub async fn health(&self) -> Reply {
        self.send(self.client.get(self.url("/health"))).await
    }

    /// POST /utils/v1/custom-utils with a JSON body.
    pub async fn upsert_json(&self, token: &str, body: &Value) -> Reply {
        self.send(
            self.client
                .post(self.url("/utils/v1/custom-utils"))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    /// POST /utils/v1/custom-utils with the design's multipart form; `code` goes as a file part.
    pub async fn upsert_form(&self, token: &str, fields: &[(&str, &str)], code: &str) -> Reply {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        let part = reqwest::multipart::Part::bytes(code.as_bytes().to_vec())
            .file_name("utility.py")
            .mime_str("text/x-python")
            .unwrap();
        form = form.part("code", part);
        self.send(
            self.client
                .post(self.url("/utils/v1/custom-utils"))
                .bearer_auth(token)
                .multipart(form),
        )
        .await
    }

    /// POST /utils/v1/custom-utils with a raw body and content type.
    pub async fn upsert_raw(&self, token: &str, content_type: &str, body: Vec<u8>) -> Reply {
        self.send(
            self.client
                .post(self.url("/utils/v1/custom-utils"))
                .bearer_auth(token)
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }

    /// Any endpoint with a raw body, for malformed and oversized requests.
    pub async fn send_raw(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        self.send(
            self.client
                .request(method, self.url(path))
                .bearer_auth(token)
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }

    /// GET /utils/v1/custom-utils/{tenant}/{userid}/{name}; `name` "-" lists.
    pub async fn get_by_name(
        &self,
        token: &str,
        tenant: &str,
        user: &str,
        name: &str,
        query: &str,
    ) -> Reply {
        let path = format!("/utils/v1/custom-utils/{tenant}/{user}/{name}{query}");
        self.send(self.client.get(self.url(&path)).bearer_auth(token))
            .await
    }

    pub async fn list(&self, token: &str, tenant: &str, query: &str) -> Reply {
        self.get_by_name(token, tenant, "-", "-", query).await
    }

    pub async fn get_by_id(&self, token: &str, tenant: &str, id: i64) -> Reply {
        let path = format!("/utils/v1/custom-utils/{tenant}/{id}");
        self.send(self.client.get(self.url(&path)).bearer_auth(token))
            .await
    }

    pub async fn delete_by_id(&self, token: &str, tenant: &str, id: i64) -> Reply {
        let path = format!("/utils/v1/custom-utils/{tenant}/{id}");
        self.send(self.client.delete(self.url(&path)).bearer_auth(token))
            .await
    }

    /// DELETE /utils/v1/custom-utils with the design's body.
    pub async fn delete_by_body(&self, token: &str, body: &Value) -> Reply {
        self.send(
            self.client
                .delete(self.url("/utils/v1/custom-utils"))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    pub async fn versions(&self, token: &str, tenant: &str, id: i64) -> Reply {
        let path = format!("/utils/v1/versions/{tenant}/{id}");
        self.send(self.client.get(self.url(&path)).bearer_auth(token))
            .await
    }

    pub async fn version(&self, token: &str, tenant: &str, id: i64, v: i64) -> Reply {
        let path = format!("/utils/v1/versions/{tenant}/{id}/{v}");
        self.send(self.client.get(self.url(&path)).bearer_auth(token))
            .await
    }

    pub async fn restore(
        &self,
        token: &str,
        tenant: &str,
        id: i64,
        v: i64,
        filehash: Option<&str>,
    ) -> Reply {
        let path = format!("/utils/v1/versions/{tenant}/{id}/{v}/restore");
        let mut req = self.client.post(self.url(&path)).bearer_auth(token);
        if let Some(h) = filehash {
            req = req.json(&json!({ "filehash": h }));
        }
        self.send(req).await
    }

    pub async fn audit(&self, token: &str, tenant: &str, query: &str) -> Reply {
        let path = format!("/utils/v1/audit/{tenant}{query}");
        self.send(self.client.get(self.url(&path)).bearer_auth(token))
            .await
    }

    /// POST /utils/v1/validate.
    pub async fn validate(&self, token: &str, body: &Value) -> Reply {
        self.send(
            self.client
                .post(self.url("/utils/v1/validate"))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    /// POST /utils/v1/execute/{tenant}/{utility}{query} with `args` as the JSON body.
    pub async fn execute(
        &self,
        token: &str,
        tenant: &str,
        utility: &str,
        query: &str,
        args: &Value,
    ) -> Reply {
        let path = format!("/utils/v1/execute/{tenant}/{utility}{query}");
        self.send(
            self.client
                .post(self.url(&path))
                .bearer_auth(token)
                .json(args),
        )
        .await
    }

    /// POST /utils/v1/execute with a raw body and content type.
    pub async fn send_raw_execute(
        &self,
        token: &str,
        tenant: &str,
        utility: &str,
        content_type: &str,
        body: &str,
    ) -> Reply {
        let path = format!("/utils/v1/execute/{tenant}/{utility}");
        self.send(
            self.client
                .post(self.url(&path))
                .bearer_auth(token)
                .header("content-type", content_type)
                .body(body.to_owned()),
        )
        .await
    }

    /// The same with `Accept: text/event-stream`: the raw response, to read as it streams.
    pub async fn execute_stream(
        &self,
        token: &str,
        tenant: &str,
        utility: &str,
        args: &Value,
    ) -> reqwest::Response {
        let path = format!("/utils/v1/execute/{tenant}/{utility}");
        self.client
            .post(self.url(&path))
            .bearer_auth(token)
            .header("accept", "text/event-stream")
            .json(args)
            .send()
            .await
            .expect("request sent")
    }

    /// GET /utils/v1/executions/{tenant}{query}.
    pub async fn executions(&self, token: &str, tenant: &str, query: &str) -> Reply {
        let path = format!("/utils/v1/executions/{tenant}{query}");
        self.send(self.client.get(self.url(&path)).bearer_auth(token))
            .await
    }

    /// Waits until the execution engine is ready (the first run of the suite prepares it).
    pub async fn engine_ready(&self) {
        let r = self
            .wait_for_health_check("execution_engine", "healthy")
            .await;
        assert_eq!(
            r.body["checks"]["execution_engine"]["status"], "healthy",
            "{}",
            r.body
        );
    }

    async fn wait_for_health_check(&self, check: &str, status: &str) -> Reply {
        let deadline = std::time::Instant::now() + Duration::from_secs(900);
        loop {
            let r = self.health().await;
            let s = &r.body["checks"][check]["status"];
            if s == status || s == "unhealthy" || std::time::Instant::now() > deadline {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    // --- conveniences built on the endpoints ---

    /// Creates `name` owned by `user` in `tenant` (as a superadmin) and returns its view.
    pub async fn seed(&self, tenant: &str, user: i64, name: &str) -> Value {
        let t = self.token(tenant, 999, Role::Superadmin);
        let r = self
            .upsert_json(
                &t,
                &json!({"title": name, "description": "seeded", "tenantcode": tenant, "userid": user,
                        "code": simple_code(name)}),
            )
            .await;
        r.expect(200);
        r.data().clone()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A valid utility named `name`.
pub fn simple_code(name: &str) -> String {
    format!("def {name}(data, filter=None):\n    return {{'echo': data}}\n")
}
