//! The JWT secret and the code encryption key: from configuration, or, for development, generated
//! once into `<data_dir>/secrets/` (mode 0600) so that `serve` and `token` agree and data stays
//! readable across restarts.

use crate::config::Config;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use std::io::Write;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("cannot read or create {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("crypto.encryption_key must be base64 of 32 bytes: {0}")]
    BadKey(String),
}

pub struct Secrets {
    pub jwt_secret: SecretString,
    pub encryption_key: [u8; 32],
    /// Which secrets were generated, for one warning at start.
    pub generated: Vec<&'static str>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SecretsError + '_ {
    move |source| SecretsError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Reads `<dir>/<name>` or creates it with 32 random bytes, base64-encoded. Creation is
/// exclusive so two processes starting together agree on one value.
fn load_or_generate(dir: &Path, name: &str) -> Result<(String, bool), SecretsError> {
    let path = dir.join(name);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok((existing.trim().to_owned(), false));
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let value = B64.encode(bytes);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    match opts.open(&path) {
        Ok(mut f) => {
            f.write_all(value.as_bytes()).map_err(io(&path))?;
            f.sync_all().map_err(io(&path))?;
            Ok((value, true))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let existing = std::fs::read_to_string(&path).map_err(io(&path))?;
            Ok((existing.trim().to_owned(), false))
        }
        Err(e) => Err(io(&path)(e)),
    }
}

fn decode_key(b64: &str) -> Result<[u8; 32], SecretsError> {
    let bytes = B64
        .decode(b64.trim())
        .map_err(|e| SecretsError::BadKey(e.to_string()))?;
    bytes
        .try_into()
        .map_err(|v: Vec<u8>| SecretsError::BadKey(format!("decoded to {} bytes", v.len())))
}

impl Secrets {
    pub fn load(cfg: &Config) -> Result<Self, SecretsError> {
        let dir = cfg.storage.data_dir.join("secrets");
        let mut generated = Vec::new();
        let jwt_secret = match &cfg.auth.jwt_secret {
            Some(s) => s.clone(),
            None => {
                let (v, fresh) = load_or_generate(&dir, "jwt.secret")?;
                if fresh {
                    generated.push("auth.jwt_secret");
                }
                SecretString::from(v)
            }
        };
        let encryption_key = match &cfg.crypto.encryption_key {
            Some(s) => decode_key(s.expose_secret())?,
            None => {
                let (v, fresh) = load_or_generate(&dir, "encryption.key")?;
                if fresh {
                    generated.push("crypto.encryption_key");
                }
                decode_key(&v)?
            }
        };
        Ok(Self {
            jwt_secret,
            encryption_key,
            generated,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = Config::default();
        cfg.storage.data_dir = dir.path().to_owned();
        let a = Secrets::load(&cfg).unwrap();
        assert_eq!(a.generated.len(), 2);
        let b = Secrets::load(&cfg).unwrap();
        assert!(b.generated.is_empty());
        assert_eq!(a.encryption_key, b.encryption_key);
        assert_eq!(a.jwt_secret.expose_secret(), b.jwt_secret.expose_secret());
    }

    #[test]
    fn configured_key_must_be_32_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = Config::default();
        cfg.storage.data_dir = dir.path().to_owned();
        cfg.crypto.encryption_key = Some(SecretString::from(B64.encode([1u8; 16])));
        assert!(matches!(Secrets::load(&cfg), Err(SecretsError::BadKey(_))));
    }
}
