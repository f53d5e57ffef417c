//! The binary itself: `--help`, `token`, `serve` with its environment, and a bad setting.

use crate::helpers::{TestApp, repo_path};
use std::process::{Command, Stdio};
use std::time::Duration;

fn zona() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_zona-utils"));
    c.current_dir(repo_path("."))
        .env_remove("ZONA_CONFIG")
        .env_remove("ZONA_LISTEN")
        .env_remove("ZONA_DATA_DIR");
    c
}

fn output(c: &mut Command) -> (bool, String, String) {
    let out = c.output().expect("the binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `zona-utils token` for user 7 of acme with `role`, signed with `data_dir`'s secret.
fn mint(role: &str, data_dir: &std::path::Path, extra: &[&str]) -> (bool, String, String) {
    let dir = data_dir.to_str().unwrap();
    output(
        zona()
            .args(["token", "--tenant", "acme", "--user", "7", "--role", role])
            .args(["--data-dir", dir])
            .args(extra),
    )
}

#[test]
fn every_command_has_help() {
    for (args, expect) in [
        (vec!["--help"], "serve"),
        (vec!["serve", "--help"], "--listen"),
        (vec!["token", "--help"], "--role"),
        (vec!["runtime", "--help"], "prepare"),
        (vec!["bench", "--help"], "--seconds"),
    ] {
        let (ok, stdout, stderr) = output(zona().args(&args));
        assert!(ok, "{args:?}: {stderr}");
        assert!(stdout.contains(expect), "{args:?}: {stdout}");
    }
    let (ok, _, stderr) =
        output(zona().args(["token", "--tenant", "acme", "--user", "1", "--role", "root"]));
    assert!(!ok);
    assert!(stderr.contains("--role"), "{stderr}");
}

/// Decodes a JWT's claims without checking the signature (the service checks it).
fn claims(token: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn token_mints_what_the_service_accepts() {
    let app = TestApp::spawn().await;
    let (ok, stdout, stderr) = mint("creator", app.data_dir.path(), &["--ttl", "10m"]);
    assert!(ok, "{stderr}");
    let token = stdout.trim();
    let c = claims(token);
    assert_eq!(c["tenant"], "acme");
    assert_eq!(c["sub"], "7");
    assert_eq!(c["role"], "creator");
    let ttl = c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap();
    assert_eq!(ttl, 600);
    app.list(token, "acme", "").await.expect(200);
    // Signed with another data directory's secret: refused.
    let other = tempfile::tempdir().unwrap();
    let (ok, stdout, _) = mint("creator", other.path(), &[]);
    assert!(ok);
    app.list(stdout.trim(), "acme", "").await.expect(401);
}

#[tokio::test]
async fn serve_reads_its_environment_and_stops_cleanly_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = zona()
        .arg("serve")
        .env("ZONA_LISTEN", format!("127.0.0.1:{port}"))
        .env("ZONA_DATA_DIR", data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut healthy = false;
    for _ in 0..200 {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/health"))
            .send()
            .await
        {
            healthy = r.status().is_success() || r.status().as_u16() == 503;
            if healthy {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(healthy, "serve answers on ZONA_LISTEN");
    // It generated its development secrets into ZONA_DATA_DIR: `token` with it is accepted.
    let (ok, stdout, stderr) = mint("admin", data.path(), &[]);
    assert!(ok, "{stderr}");
    let r = client
        .get(format!(
            "http://127.0.0.1:{port}/utils/v1/custom-utils/acme/-/-"
        ))
        .bearer_auth(stdout.trim())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // SAFETY: kill(2) of our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "{status}");
}

#[test]
fn a_bad_setting_is_named_at_start() {
    let data = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = output(
        zona()
            .arg("serve")
            .env("ZONA_DATA_DIR", data.path())
            .env("ZONA_LIMITS__CODE_MAX_BYTES", "lots"),
    );
    assert!(!ok);
    assert!(stderr.to_lowercase().contains("code_max_bytes"), "{stderr}");
    assert_eq!(stderr.matches("lots").count(), 1, "said once: {stderr}");
}
