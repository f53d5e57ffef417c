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
