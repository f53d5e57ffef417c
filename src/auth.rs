//! Bearer tokens: HS256 with a shared secret by default, RS256 with a configured key pair as an
//! option. Claims: `sub` (user id), `tenant`, `role`, `exp`, `iat`.

use crate::config::{AuthConfig, JwtAlgorithm};
use crate::domain::{Principal, Role, TenantCode, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub tenant: String,
    pub role: Role,
    pub exp: u64,
    pub iat: u64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("missing bearer token: send 'Authorization: Bearer <token>'")]
    Missing,
    #[error("the token has expired; sign in again")]
    Expired,
    #[error("the token is not valid: {0}")]
    Invalid(String),
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read key file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("key file {path} is not a valid PEM RSA key: {source}")]
    Pem {
        path: String,
        source: jsonwebtoken::errors::Error,
    },
    #[error("minting RS256 tokens needs auth.private_key_file")]
    NoPrivateKey,
    #[error("cannot sign token: {0}")]
    Sign(jsonwebtoken::errors::Error),
}

#[derive(Clone)]
pub struct Authenticator {
    algorithm: Algorithm,
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
    leeway: u64,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Authenticator({:?})", self.algorithm)
    }
}

fn read(path: &std::path::Path) -> Result<Vec<u8>, KeyError> {
    std::fs::read(path).map_err(|source| KeyError::Read {
        path: path.display().to_string(),
        source,
    })
}

impl Authenticator {
    /// `hs_secret` is the configured or generated HS256 secret.
    pub fn new(cfg: &AuthConfig, hs_secret: &SecretString) -> Result<Self, KeyError> {
        match cfg.algorithm {
            JwtAlgorithm::HS256 => {
                let s = hs_secret.expose_secret().as_bytes();
                Ok(Self {
                    algorithm: Algorithm::HS256,
                    decoding: DecodingKey::from_secret(s),
                    encoding: Some(EncodingKey::from_secret(s)),
                    leeway: cfg.leeway_secs,
                })
            }
            JwtAlgorithm::RS256 => {
                let pem_err = |path: &std::path::Path| {
                    let path = path.display().to_string();
                    move |source| KeyError::Pem { path, source }
                };
                let public = cfg
                    .public_key_file
                    .as_deref()
                    .ok_or(KeyError::NoPrivateKey)?;
                let decoding =
                    DecodingKey::from_rsa_pem(&read(public)?).map_err(pem_err(public))?;
                let encoding = match cfg.private_key_file.as_deref() {
                    Some(p) => Some(EncodingKey::from_rsa_pem(&read(p)?).map_err(pem_err(p))?),
                    None => None,
                };
                Ok(Self {
                    algorithm: Algorithm::RS256,
                    decoding,
                    encoding,
                    leeway: cfg.leeway_secs,
                })
            }
        }
    }

    pub fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let mut v = Validation::new(self.algorithm);
        v.leeway = self.leeway;
        v.set_required_spec_claims(&["exp", "sub"]);
        let data = decode::<Claims>(token, &self.decoding, &v).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => AuthError::Expired,
            _ => AuthError::Invalid(e.to_string()),
        })?;
        let c = data.claims;
        let user = c.sub.parse::<i64>().map_err(|_| {
            AuthError::Invalid(format!(
                "claim 'sub' must be a numeric user id, got {:?}",
                c.sub
            ))
        })?;
        let tenant = TenantCode::parse(&c.tenant)
            .map_err(|e| AuthError::Invalid(format!("claim 'tenant': {e}")))?;
        Ok(Principal {
            user: UserId(user),
            tenant,
            role: c.role,
        })
    }

    pub fn mint(&self, who: &Principal, ttl: Duration) -> Result<String, KeyError> {
        let key = self.encoding.as_ref().ok_or(KeyError::NoPrivateKey)?;
        let now = crate::domain::now_millis() as u64 / 1000;
        let claims = Claims {
            sub: who.user.0.to_string(),
            tenant: who.tenant.to_string(),
            role: who.role,
            iat: now,
            exp: now + ttl.as_secs(),
        };
        encode(&Header::new(self.algorithm), &claims, key).map_err(KeyError::Sign)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(secret: &str) -> Authenticator {
        Authenticator::new(
            &AuthConfig::default(),
            &SecretString::from(secret.to_owned()),
        )
        .unwrap()
    }

    fn who() -> Principal {
        Principal {
            user: UserId(42),
            tenant: TenantCode::parse("acme").unwrap(),
            role: Role::Creator,
        }
    }

    #[test]
    fn round_trip() {
        let a = auth("s3cret");
        let t = a.mint(&who(), Duration::from_secs(60)).unwrap();
        assert_eq!(a.verify(&t).unwrap(), who());
    }

    #[test]
    fn forged_and_garbage_tokens_fail() {
        let t = auth("other").mint(&who(), Duration::from_secs(60)).unwrap();
        assert!(matches!(
            auth("s3cret").verify(&t),
            Err(AuthError::Invalid(_))
        ));
        assert!(matches!(
            auth("s3cret").verify("abc.def.ghi"),
            Err(AuthError::Invalid(_))
        ));
    }

    #[test]
    fn expired_tokens_say_so() {
        let a = auth("s3cret");
        let now = crate::domain::now_millis() as u64 / 1000;
        let claims = Claims {
            sub: "1".into(),
            tenant: "acme".into(),
            role: Role::User,
            iat: now - 100,
            exp: now - 60,
        };
        let t = encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(b"s3cret"),
        )
        .unwrap();
        assert_eq!(a.verify(&t), Err(AuthError::Expired));
    }
}
