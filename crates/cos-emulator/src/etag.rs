//! How PUT Object and Upload Part compute the ETag of the bytes they receive.

/// How the emulator computes the ETag of a PUT Object or Upload Part body.
///
/// COS answers with the hex MD5 of the body, and so does the emulator by default
/// ([`EtagMode::Md5`]). MD5 cannot be parallelised and runs at about 0.6 GB/s on one core,
/// which caps a single-stream PUT at that speed. [`EtagMode::Crc64`] is an opt-in mode for
/// benchmarks: the ETag is built from the CRC-64 (which the emulator computes anyway, at
/// many GB/s) and the length, so the emulator is no longer what limits a fast client.
///
/// In either mode a request that sends `Content-MD5` has its body checked against it (the
/// MD5 is then computed), multipart ETags keep their `"<hex>-<parts>"` form, and POST Object
/// always uses the MD5. Use [`EtagMode::Crc64`] only with clients that do not compare ETags
/// with a locally computed MD5 (the official Python SDK does so only when it resumes an
/// upload, and then uploads the part again).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
/// use cos_emulator::{Emulator, EtagMode};
///
/// let emulator = Emulator::builder().etag_mode(EtagMode::Crc64).start().await?;
/// assert_eq!(emulator.etag_mode(), EtagMode::Crc64);
/// emulator.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum EtagMode {
    /// The hex MD5 of the body, as COS computes it (the default).
    #[default]
    Md5,
    /// 32 hex digits: the body's CRC-64/XZ then its length, both big-endian. Equal bodies get
    /// equal ETags; it is not the MD5.
    Crc64,
}

impl EtagMode {
    /// Parses the names the `cos-sts emulator --etag` option takes: `md5` or `crc64`.
    ///
    /// ```
    /// use cos_emulator::EtagMode;
    ///
    /// assert_eq!(EtagMode::from_name("crc64"), Some(EtagMode::Crc64));
    /// assert_eq!(EtagMode::from_name("MD5"), Some(EtagMode::Md5));
    /// assert_eq!(EtagMode::from_name("sha1"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "md5" => Some(Self::Md5),
            "crc64" => Some(Self::Crc64),
            _ => None,
        }
    }

    /// The name [`EtagMode::from_name`] parses.
    ///
    /// ```
    /// assert_eq!(cos_emulator::EtagMode::Crc64.name(), "crc64");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::Crc64 => "crc64",
        }
    }
}

impl EtagMode {
    /// Whether a body's MD5 must be computed: always for MD5 ETags, and in either mode when
    /// the client sent `Content-MD5` to check (the ETag is then the MD5 too).
    pub(crate) fn needs_md5(self, content_md5_sent: bool) -> bool {
        self == Self::Md5 || content_md5_sent
    }
}

/// The 16 bytes [`EtagMode::Crc64`] uses in place of the MD5.
pub(crate) fn crc64_etag_digest(crc64: u64, len: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    let (high, low) = out.split_at_mut(8);
    high.copy_from_slice(&crc64.to_be_bytes());
    low.copy_from_slice(&len.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc64_digest_layout() {
        assert_eq!(
            hex::encode(crc64_etag_digest(0x0123_4567_89ab_cdef, 5)),
            "0123456789abcdef0000000000000005"
        );
    }

    #[test]
    fn names_round_trip() {
        for mode in [EtagMode::Md5, EtagMode::Crc64] {
            assert_eq!(EtagMode::from_name(mode.name()), Some(mode));
        }
    }
}
