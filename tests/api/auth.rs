use crate::helpers::TestApp;
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::json;
use zona_utils::domain::Role;

#[tokio::test]
async fn missing_forged_and_expired_tokens_get_401() {
    let app = TestApp::spawn().await;
    let path = "/utils/v1/custom-utils/acme/-/-";
    let r = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["success"], false);
    assert_eq!(body["sessionexpired"], false);

    let now = zona_utils::domain::now_millis() / 1000;
    let claims =
        json!({"sub": "1", "tenant": "acme", "role": "admin", "iat": now, "exp": now + 600});
    let forged = encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(b"guess"),
    )
    .unwrap();
    let r = app.send_get(&forged, path).await;
    r.expect(401);
    assert_eq!(r.body["sessionexpired"], false);

    let secret = std::fs::read_to_string(app.data_dir.path().join("secrets/jwt.secret")).unwrap();
    let expired_claims = json!({"sub": "1", "tenant": "acme", "role": "admin", "iat": now - 7200, "exp": now - 3600});
    let expired = encode(
        &Header::default(),
        &expired_claims,
        &EncodingKey::from_secret(secret.trim().as_bytes()),
    )
    .unwrap();
    let r = app.send_get(&expired, path).await;
    r.expect(401);
    assert_eq!(r.body["sessionexpired"], true);
    assert!(r.message().contains("expired"));

    let r = app.send_get("not-a-jwt", path).await;
    r.expect(401);

    let good = app.token("acme", 1, Role::Admin);
    app.send_get(&good, path).await.expect(200);
}

#[tokio::test]
async fn health_is_public() {
    let app = TestApp::spawn().await;
    app.engine_ready().await;
    let r = app.health().await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "healthy");
    assert_eq!(r.body["checks"]["database"]["status"], "healthy");
}

/// An RSA key pair in PEM files, made by openssl (as an operator would).
fn rsa_key_pair(dir: &std::path::Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let private = dir.join(format!("{name}.key.pem"));
    let public = dir.join(format!("{name}.pub.pem"));
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        private.to_str().unwrap(),
    ]);
    run(&[
        "pkey",
        "-in",
        private.to_str().unwrap(),
        "-pubout",
        "-out",
        public.to_str().unwrap(),
    ]);
    (private, public)
}

#[tokio::test]
async fn rs256_tokens_verify_with_the_configured_public_key() {
    let keys = tempfile::tempdir().unwrap();
    let (private, public) = rsa_key_pair(keys.path(), "service");
    let (other_private, _) = rsa_key_pair(keys.path(), "other");
    let app = TestApp::spawn_with(|c| {
        c.auth.algorithm = zona_utils::config::JwtAlgorithm::RS256;
        c.auth.public_key_file = Some(public.clone());
        c.auth.private_key_file = Some(private.clone());
    })
    .await;
    let path = "/utils/v1/custom-utils/acme/-/-";
    let good = app.token("acme", 1, Role::Admin);
    assert_eq!(
        jsonwebtoken::decode_header(&good).unwrap().alg,
        jsonwebtoken::Algorithm::RS256
    );
    app.send_get(&good, path).await.expect(200);

    let now = zona_utils::domain::now_millis() / 1000;
    let claims =
        json!({"sub": "1", "tenant": "acme", "role": "admin", "iat": now, "exp": now + 600});
    // Signed by another key: refused.
    let pem = std::fs::read(&other_private).unwrap();
    let forged = encode(
        &Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &EncodingKey::from_rsa_pem(&pem).unwrap(),
    )
    .unwrap();
    app.send_get(&forged, path).await.expect(401);
    // HS256 signed with the public key as the secret (the classic algorithm confusion): refused.
    let confused = encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(&std::fs::read(&public).unwrap()),
    )
    .unwrap();
    app.send_get(&confused, path).await.expect(401);
}
