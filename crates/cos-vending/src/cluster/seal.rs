//! Encryption at rest: every value written to Redis is sealed with XChaCha20-Poly1305, the
//! Redis key name as associated data (an entry copied under another key does not open).
//!
//! Keys rotate: the first key of the list seals, every key of the list opens. A sealed value
//! is `v1.<key id>.<base64(nonce ‖ ciphertext)>`, the key id being 8 hex digits of the key's
//! SHA-256 (it names the key without revealing it).

use std::fmt;

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use sha2::{Digest as _, Sha256};

/// Why the encryption keys could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The file or variable could not be read.
    #[error("cannot read the cache encryption keys from {source_name}: {reason}")]
    Unreadable {
        /// The file or variable.
        source_name: String,
        /// Why (never a key).
        reason: String,
    },
    /// A key is not 64 hex digits.
    #[error("cache encryption key {index} of {source_name} is not 64 hex digits (32 bytes)")]
    Malformed {
        /// The file or variable.
        source_name: String,
        /// Its position, from 1.
        index: usize,
    },
    /// No key at all.
    #[error("{source_name} holds no cache encryption key")]
    Empty {
        /// The file or variable.
        source_name: String,
    },
}

/// The encryption keys: the first seals, all open.
///
/// ```
/// let keys = cos_vending::SealKeys::parse(&format!("{}\n{}", "11".repeat(32), "22".repeat(32)), "test").unwrap();
/// let sealed = keys.seal(b"name", b"secret");
/// assert!(!sealed.contains("secret"));
/// assert_eq!(keys.open(b"name", &sealed).unwrap(), b"secret");
/// assert!(keys.open(b"other", &sealed).is_none());
/// ```
pub struct SealKeys {
    keys: Vec<(String, XChaCha20Poly1305)>,
}

impl fmt::Debug for SealKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("SealKeys").field("key_ids", &ids).finish()
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD_NO_PAD
}

impl SealKeys {
    /// Keys from text: one 64-hex-digit key per line or comma-separated; blank lines and
    /// `#` comments are skipped. `source_name` names the origin in errors.
    pub fn parse(text: &str, source_name: &str) -> Result<Self, KeyError> {
        let mut keys = Vec::new();
        let items = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or_default())
            .flat_map(|l| l.split(','))
            .map(str::trim)
            .filter(|l| !l.is_empty());
        for (index, item) in items.enumerate() {
            let malformed = || KeyError::Malformed {
                source_name: source_name.to_owned(),
                index: index + 1,
            };
            let bytes = hex::decode(item).map_err(|_| malformed())?;
            if bytes.len() != 32 {
                return Err(malformed());
            }
            let id = hex::encode(Sha256::digest(&bytes))
                .get(..8)
                .unwrap_or_default()
                .to_owned();
            let cipher = XChaCha20Poly1305::new(Key::from_slice(&bytes));
            keys.push((id, cipher));
        }
        if keys.is_empty() {
            return Err(KeyError::Empty {
                source_name: source_name.to_owned(),
            });
        }
        Ok(Self { keys })
    }

    /// Keys from a file.
    pub fn from_file(path: &std::path::Path) -> Result<Self, KeyError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| KeyError::Unreadable {
            source_name: name.clone(),
            reason: e.to_string(),
        })?;
        Self::parse(&text, &name)
    }

    /// Keys from an environment variable.
    pub fn from_env(variable: &str) -> Result<Self, KeyError> {
        let name = format!("${variable}");
        let text = std::env::var(variable).map_err(|e| KeyError::Unreadable {
            source_name: name.clone(),
            reason: e.to_string(),
        })?;
        Self::parse(&text, &name)
    }

    /// Seals `plain` for the Redis key `name` with the first key.
    pub fn seal(&self, name: &[u8], plain: &[u8]) -> String {
        let Some((id, cipher)) = self.keys.first() else {
            return String::new();
        };
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let Ok(sealed) = cipher.encrypt(
            &nonce,
            Payload {
                msg: plain,
                aad: name,
            },
        ) else {
            return String::new();
        };
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("v1.{id}.{}", b64().encode(bytes))
    }

    /// Opens a value sealed for `name` by any of the keys; `None` when it is not one (wrong
    /// key, tampered, other name).
    pub fn open(&self, name: &[u8], sealed: &str) -> Option<Vec<u8>> {
        let rest = sealed.strip_prefix("v1.")?;
        let (id, body) = rest.split_once('.')?;
        let (_, cipher) = self.keys.iter().find(|(k, _)| k == id)?;
        let bytes = b64().decode(body).ok()?;
        if bytes.len() < 24 {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: name,
                },
            )
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_opens_old_values_and_seals_with_the_first() {
        let old = SealKeys::parse(&"aa".repeat(32), "t").unwrap();
        let sealed = old.seal(b"k", b"v");
        let rotated =
            SealKeys::parse(&format!("{},{}", "bb".repeat(32), "aa".repeat(32)), "t").unwrap();
        assert_eq!(rotated.open(b"k", &sealed).unwrap(), b"v");
        let new = rotated.seal(b"k", b"v");
        assert!(old.open(b"k", &new).is_none(), "sealed with the new key");
        let mut tampered = new.clone();
        tampered.pop();
        tampered.push(if new.ends_with('A') { 'B' } else { 'A' });
        assert!(rotated.open(b"k", &tampered).is_none());
        assert!(!format!("{rotated:?}").contains("bbbb"));
    }

    #[test]
    fn bad_keys_are_refused_without_echoing_them() {
        let error = SealKeys::parse("not-hex-secret", "f").unwrap_err();
        assert!(!error.to_string().contains("not-hex-secret"));
        assert!(matches!(
            SealKeys::parse("# none\n", "f"),
            Err(KeyError::Empty { .. })
        ));
        assert!(SealKeys::parse(&"ab".repeat(16), "f").is_err());
    }
}
