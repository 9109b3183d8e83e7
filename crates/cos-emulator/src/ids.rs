//! Random identifiers: request ids, upload ids, temporary secret ids, keys and tokens.

use base64::Engine as _;

/// `n` random bytes from the operating system (falls back to a time-and-counter mix if the
/// OS source fails, which only weakens secrecy, never uniqueness).
pub(crate) fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    if getrandom::fill(&mut buf).is_err() {
        fallback_fill(&mut buf);
    }
    buf
}

fn fallback_fill(buf: &mut [u8]) {
    use std::hash::{BuildHasher, RandomState};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let state = RandomState::new();
    for chunk in buf.chunks_mut(8) {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let word = state
            .hash_one((n, std::time::SystemTime::now()))
            .to_le_bytes();
        for (dst, src) in chunk.iter_mut().zip(word) {
            *dst = src;
        }
    }
}

/// Random lowercase hex of `bytes` random bytes.
pub(crate) fn random_hex(bytes: usize) -> String {
    hex::encode(random_bytes(bytes))
}

/// Random alphanumeric string of `len` characters.
pub(crate) fn random_alnum(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    random_bytes(len)
        .into_iter()
        .map(|b| {
            let i = usize::from(b) % ALPHABET.len();
            ALPHABET.get(i).copied().map_or('0', char::from)
        })
        .collect()
}

/// A COS-style request id (opaque base64).
pub(crate) fn request_id() -> String {
    base64::engine::general_purpose::STANDARD.encode(random_bytes(24))
}

/// An API 3.0 request id (UUID v4 textual form).
pub(crate) fn uuid() -> String {
    let mut b = random_bytes(16);
    if let Some(x) = b.get_mut(6) {
        *x = (*x & 0x0f) | 0x40;
    }
    if let Some(x) = b.get_mut(8) {
        *x = (*x & 0x3f) | 0x80;
    }
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        h.get(0..8).unwrap_or_default(),
        h.get(8..12).unwrap_or_default(),
        h.get(12..16).unwrap_or_default(),
        h.get(16..20).unwrap_or_default(),
        h.get(20..32).unwrap_or_default()
    )
}

/// A multipart upload id: the Unix time in seconds followed by random hex, as COS does.
pub(crate) fn upload_id(unix_seconds: u64) -> String {
    format!("{unix_seconds}{}", random_hex(20))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_documented_shapes() {
        assert_eq!(random_hex(4).len(), 8);
        assert_eq!(random_alnum(36).len(), 36);
        assert!(random_alnum(36).chars().all(|c| c.is_ascii_alphanumeric()));
        let u = uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(u.as_bytes()[14], b'4');
        let id = upload_id(1_585_130_821);
        assert!(id.starts_with("1585130821"));
        assert_ne!(upload_id(1), upload_id(1));
        assert_ne!(request_id(), request_id());
        let mut buf = [0u8; 20];
        fallback_fill(&mut buf);
        assert!(buf.iter().any(|&b| b != 0));
    }
}
