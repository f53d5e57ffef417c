//! Code at rest: AES-256-GCM sealing with a fresh nonce per write, and the SHA-256 file hash.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use sha2::{Digest, Sha256};

/// Sealed blobs start with this tag so that a future key rotation can tell formats apart.
const FORMAT_V1: &[u8; 2] = b"Z1";
const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("sealed code is corrupt or was sealed with another key")]
    Open,
    #[error("sealed code has an unknown format")]
    Format,
    #[error("encryption key must be 32 bytes (base64-encoded), got {0} bytes")]
    KeyLength(usize),
}

/// Seals and opens code. The tenant code is bound in as associated data, so a blob copied
/// from one tenant's rows into another's does not open.
#[derive(Clone)]
pub struct Sealer {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    pub fn new(key: &[u8]) -> Result<Self, CryptoError> {
        if key.len() != 32 {
            return Err(CryptoError::KeyLength(key.len()));
        }
        Ok(Self {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)),
        })
    }

    pub fn seal(&self, tenant: &str, plaintext: &[u8]) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ct = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: tenant.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(FORMAT_V1.len() + NONCE_LEN + ct.len());
        out.extend_from_slice(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn open(&self, tenant: &str, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let rest = sealed.strip_prefix(FORMAT_V1).ok_or(CryptoError::Format)?;
        if rest.len() < NONCE_LEN {
            return Err(CryptoError::Format);
        }
        let (nonce, ct) = rest.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: tenant.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Open)
    }
}

/// The design's `filehash`: hex SHA-256 of the plaintext code.
pub fn file_hash(code: &[u8]) -> String {
    hex::encode(Sha256::digest(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_fresh_nonces() {
        let s = Sealer::new(&[7u8; 32]).unwrap();
        let a = s.seal("t1", b"def f(): pass");
        let b = s.seal("t1", b"def f(): pass");
        assert_ne!(a, b, "each write must use a fresh nonce");
        assert_eq!(s.open("t1", &a).unwrap(), b"def f(): pass");
    }

    #[test]
    fn refuses_other_tenant_other_key_and_tampering() {
        let s = Sealer::new(&[7u8; 32]).unwrap();
        let mut blob = s.seal("t1", b"code");
        assert!(matches!(s.open("t2", &blob), Err(CryptoError::Open)));
        assert!(Sealer::new(&[8u8; 32]).unwrap().open("t1", &blob).is_err());
        let last = blob.len() - 1;
        blob[last] ^= 1;
        assert!(s.open("t1", &blob).is_err());
        assert!(matches!(s.open("t1", b"xx"), Err(CryptoError::Format)));
        assert!(matches!(
            Sealer::new(&[0; 16]),
            Err(CryptoError::KeyLength(16))
        ));
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            file_hash(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
