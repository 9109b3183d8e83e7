//! RFC 3986 percent-encoding: the workspace's one encoder.
//!
//! Every byte outside the RFC 3986 unreserved set `A-Z a-z 0-9 - . _ ~` is written `%XY` with
//! upper-case hex digits, UTF-8 byte by byte; a space is `%20`, never `+`. This is COS's
//! `UriEncode` and TC3's encoding. The one special case the workspace needs, `/` kept in an
//! object path, is a parameter ([`EncodeSet::PATH`]), not another copy.
//!
//! The encoder copies runs of unreserved bytes at once and checks them 16 bytes at a time
//! without branches, because the signers encode every parameter and header of every request.
//!
//! ```
//! use cos_core::encoding::{EncodeSet, encode, uri_encode};
//!
//! assert_eq!(uri_encode("a b/腾"), "a%20b%2F%E8%85%BE");
//! assert_eq!(encode("photos/a b.jpg", EncodeSet::PATH), "photos/a%20b.jpg");
//! ```

/// Which bytes are written as they are; every other byte is percent-encoded.
///
/// ```
/// use cos_core::encoding::EncodeSet;
///
/// assert!(EncodeSet::UNRESERVED.keeps(b'~'));
/// assert!(!EncodeSet::UNRESERVED.keeps(b'/'));
/// assert!(EncodeSet::PATH.keeps(b'/'));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeSet {
    keep_slash: bool,
}

impl EncodeSet {
    /// Keeps only the RFC 3986 unreserved bytes `A-Z a-z 0-9 - . _ ~` (COS `UriEncode`,
    /// TC3, query parameters, form values).
    ///
    /// ```
    /// use cos_core::encoding::{EncodeSet, encode};
    /// assert_eq!(encode("a/b", EncodeSet::UNRESERVED), "a%2Fb");
    /// ```
    pub const UNRESERVED: Self = Self { keep_slash: false };

    /// Keeps the unreserved bytes and `/`: an object key written in a URL path, or a key
    /// listed with `encoding-type=url`.
    ///
    /// ```
    /// use cos_core::encoding::{EncodeSet, encode};
    /// assert_eq!(encode("dir/a+b", EncodeSet::PATH), "dir/a%2Bb");
    /// ```
    pub const PATH: Self = Self { keep_slash: true };

    /// Whether `byte` is written as it is.
    ///
    /// ```
    /// assert!(!cos_core::encoding::EncodeSet::PATH.keeps(b' '));
    /// ```
    #[inline]
    #[must_use]
    pub const fn keeps(self, byte: u8) -> bool {
        if self.keep_slash {
            keeps::<true>(byte)
        } else {
            keeps::<false>(byte)
        }
    }
}

/// [`EncodeSet::keeps`] with the set as a constant (`SLASH`: `/` kept), so that every
/// function below is compiled for its set where it is used, with nothing left to test at
/// run time.
#[inline]
const fn keeps<const SLASH: bool>(byte: u8) -> bool {
    let folded = byte | 0x20; // `A-Z` onto `a-z`; no other byte lands in `a-z`
    // `|`, not `||`: no branches, so the compiler can check many bytes at once.
    (folded.wrapping_sub(b'a') < 26)
        | (byte.wrapping_sub(b'0') < 10)
        | (byte == b'-')
        | (byte == b'.')
        | (byte == b'_')
        | (byte == b'~')
        | (SLASH & (byte == b'/'))
}

/// [`EncodeSet::keeps`] by table lookup: cheaper than the arithmetic one byte at a time
/// (short names and values, the bytes after a chunk), while the arithmetic form lets a
/// whole chunk be checked at once.
#[inline]
fn keeps_byte<const SLASH: bool>(byte: u8) -> bool {
    let table = if SLASH {
        &PATH_TABLE
    } else {
        &UNRESERVED_TABLE
    };
    table.get(usize::from(byte)).copied().unwrap_or(false)
}

/// The index of the first byte of `bytes` that must be encoded, if any. Whole 16-byte
/// chunks are checked without early exit (vectorised); only the chunk holding such a
/// byte, and the bytes after the last whole chunk, are scanned byte by byte.
#[inline]
fn first_encoded<const SLASH: bool>(bytes: &[u8]) -> Option<usize> {
    const CHUNK: usize = 16;
    let mut chunks = bytes.chunks_exact(CHUNK);
    let mut offset = 0;
    for chunk in &mut chunks {
        if !chunk
            .iter()
            .fold(true, |all, &byte| all & keeps::<SLASH>(byte))
        {
            return chunk
                .iter()
                .position(|&byte| !keeps_byte::<SLASH>(byte))
                .map(|index| offset + index);
        }
        offset += CHUNK;
    }
    chunks
        .remainder()
        .iter()
        .position(|&byte| !keeps_byte::<SLASH>(byte))
        .map(|index| offset + index)
}

/// [`EncodeSet::keeps`] of every byte, for one set.
const fn table(set: EncodeSet) -> [bool; 256] {
    let mut table = [false; 256];
    let mut byte = 0u8;
    loop {
        // `byte` is below 256, so this cannot go out of bounds.
        #[allow(clippy::indexing_slicing)]
        {
            table[byte as usize] = set.keeps(byte);
        }
        if byte == u8::MAX {
            return table;
        }
        byte += 1;
    }
}

const UNRESERVED_TABLE: [bool; 256] = table(EncodeSet::UNRESERVED);
const PATH_TABLE: [bool; 256] = table(EncodeSet::PATH);

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// `%XY` for one byte, upper-case hex.
#[inline]
fn escape(byte: u8) -> [u8; 3] {
    let digit = |nibble: u8| {
        HEX_UPPER
            .get(usize::from(nibble & 0x0f))
            .copied()
            .unwrap_or(b'0')
    };
    [b'%', digit(byte >> 4), digit(byte)]
}

/// `input` percent-encoded with [`EncodeSet::UNRESERVED`]: COS `UriEncode` and TC3.
///
/// ```
/// assert_eq!(cos_core::encoding::uri_encode("~*'()!+% ;"), "~%2A%27%28%29%21%2B%25%20%3B");
/// ```
#[must_use]
pub fn uri_encode(input: &str) -> String {
    encode(input, EncodeSet::UNRESERVED)
}

/// `input` percent-encoded, keeping the bytes of `set`.
///
/// ```
/// use cos_core::encoding::{EncodeSet, encode};
/// assert_eq!(encode("中", EncodeSet::UNRESERVED), "%E4%B8%AD");
/// ```
#[must_use]
pub fn encode(input: &str, set: EncodeSet) -> String {
    let mut out = String::with_capacity(input.len());
    encode_into(&mut out, input, set);
    out
}

/// Appends `input` percent-encoded to `out`: runs of kept bytes are copied as `&str` slices.
///
/// ```
/// use cos_core::encoding::{EncodeSet, encode_into};
/// let mut out = String::from("key=");
/// encode_into(&mut out, "a&b", EncodeSet::UNRESERVED);
/// assert_eq!(out, "key=a%26b");
/// ```
#[inline]
pub fn encode_into(out: &mut String, input: &str, set: EncodeSet) {
    if set.keep_slash {
        encode_into_in::<true>(out, input)
    } else {
        encode_into_in::<false>(out, input)
    }
}

#[inline]
fn encode_into_in<const SLASH: bool>(out: &mut String, input: &str) {
    out.reserve(input.len());
    let mut rest = input;
    while let Some(position) = first_encoded::<SLASH>(rest.as_bytes()) {
        // Every byte before `position` is ASCII, so `position` is a character boundary.
        let (Some(run), Some(tail)) = (rest.get(..position), rest.get(position..)) else {
            break;
        };
        out.push_str(run);
        let mut chars = tail.chars();
        let Some(encoded) = chars.next() else {
            break;
        };
        let mut utf8 = [0u8; 4];
        for &byte in encoded.encode_utf8(&mut utf8).as_bytes() {
            for digit in escape(byte) {
                out.push(char::from(digit));
            }
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
}

/// Appends `bytes` (which need not be UTF-8) percent-encoded to a byte buffer. Only ASCII
/// is written.
///
/// ```
/// use cos_core::encoding::{EncodeSet, encode_bytes_into};
/// let mut out = Vec::new();
/// encode_bytes_into(&mut out, b"a\xFF/", EncodeSet::PATH);
/// assert_eq!(out, b"a%FF/");
/// ```
#[inline]
pub fn encode_bytes_into(out: &mut Vec<u8>, bytes: &[u8], set: EncodeSet) {
    if set.keep_slash {
        encode_bytes_into_in::<true>(out, bytes)
    } else {
        encode_bytes_into_in::<false>(out, bytes)
    }
}

#[inline]
fn encode_bytes_into_in<const SLASH: bool>(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len());
    let mut rest = bytes;
    while let Some(position) = first_encoded::<SLASH>(rest) {
        let Some((run, tail)) = rest.split_at_checked(position) else {
            break;
        };
        out.extend_from_slice(run);
        let Some((&byte, tail)) = tail.split_first() else {
            break;
        };
        out.extend_from_slice(&escape(byte));
        rest = tail;
    }
    out.extend_from_slice(rest);
}

/// Appends `bytes` (which need not be UTF-8) percent-encoded to a string.
///
/// ```
/// use cos_core::encoding::{EncodeSet, encode_bytes_to_string};
/// let mut out = String::new();
/// encode_bytes_to_string(&mut out, b"\xFF a", EncodeSet::UNRESERVED);
/// assert_eq!(out, "%FF%20a");
/// ```
#[inline]
pub fn encode_bytes_to_string(out: &mut String, bytes: &[u8], set: EncodeSet) {
    match std::str::from_utf8(bytes) {
        Ok(text) => encode_into(out, text, set),
        Err(_) => {
            out.reserve(bytes.len());
            for &byte in bytes {
                if set.keeps(byte) {
                    out.push(char::from(byte));
                } else {
                    for digit in escape(byte) {
                        out.push(char::from(digit));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain definition, byte by byte: the oracle of the fast encoder.
    fn oracle(bytes: &[u8], set: EncodeSet) -> String {
        bytes
            .iter()
            .map(|&byte| {
                let unreserved = byte.is_ascii_alphanumeric() || b"-._~".contains(&byte);
                if unreserved || (set == EncodeSet::PATH && byte == b'/') {
                    char::from(byte).to_string()
                } else {
                    format!("%{byte:02X}")
                }
            })
            .collect()
    }

    /// Decodes `%XY` escapes (the inverse, for the round trip).
    fn decode(text: &str) -> Vec<u8> {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut index = 0;
        while let Some(&byte) = bytes.get(index) {
            if byte == b'%' {
                let hex = text.get(index + 1..index + 3).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                index += 3;
            } else {
                out.push(byte);
                index += 1;
            }
        }
        out
    }

    #[test]
    fn encodes_reserved_and_keeps_unreserved() {
        assert_eq!(uri_encode("~*'()!+% ;"), "~%2A%27%28%29%21%2B%25%20%3B");
        assert_eq!(uri_encode(""), "");
        assert_eq!(uri_encode("-_.~AZaz09"), "-_.~AZaz09");
        assert_eq!(encode("/a//b/", EncodeSet::PATH), "/a//b/");
        assert_eq!(uri_encode("/a//b/"), "%2Fa%2F%2Fb%2F");
    }

    #[test]
    fn every_byte_is_classified_as_rfc3986_says() {
        for byte in 0..=u8::MAX {
            for set in [EncodeSet::UNRESERVED, EncodeSet::PATH] {
                let mut out = Vec::new();
                encode_bytes_into(&mut out, &[byte], set);
                assert_eq!(out, oracle(&[byte], set).into_bytes(), "{byte:#04x}");
            }
        }
    }

    #[test]
    fn bytes_to_encode_are_found_at_every_offset_around_chunk_edges() {
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 48, 70] {
            for at in 0..len {
                for byte in [b' ', b'/', 0x80, 0xff, b'%', b'@', b'`', b'[', b'{'] {
                    let mut input = vec![b'a'; len];
                    input[at] = byte;
                    for set in [EncodeSet::UNRESERVED, EncodeSet::PATH] {
                        let mut out = Vec::new();
                        encode_bytes_into(&mut out, &input, set);
                        assert_eq!(
                            String::from_utf8(out).unwrap(),
                            oracle(&input, set),
                            "len {len} at {at} byte {byte:#04x}"
                        );
                    }
                }
            }
        }
    }

    fn set() -> impl Strategy<Value = EncodeSet> {
        prop_oneof![Just(EncodeSet::UNRESERVED), Just(EncodeSet::PATH)]
    }

    proptest! {
        #[test]
        fn text_matches_the_oracle_and_round_trips(text in any::<String>(), set in set()) {
            let encoded = encode(&text, set);
            prop_assert_eq!(&encoded, &oracle(text.as_bytes(), set));
            prop_assert_eq!(decode(&encoded), text.as_bytes());
            prop_assert!(encoded.bytes().all(|b| set.keeps(b) || b == b'%' || b.is_ascii_hexdigit()));
        }

        #[test]
        fn bytes_match_the_text_encoder(bytes in proptest::collection::vec(any::<u8>(), 0..80), set in set()) {
            let mut raw = Vec::new();
            encode_bytes_into(&mut raw, &bytes, set);
            let mut text = String::new();
            encode_bytes_to_string(&mut text, &bytes, set);
            prop_assert_eq!(&raw, text.as_bytes());
            prop_assert_eq!(text, oracle(&bytes, set));
            prop_assert_eq!(decode(std::str::from_utf8(&raw).unwrap()), bytes);
        }

        #[test]
        fn appends_after_existing_text(prefix in "[a-z%]{0,5}", text in any::<String>(), set in set()) {
            let mut out = prefix.clone();
            encode_into(&mut out, &text, set);
            prop_assert_eq!(out, format!("{prefix}{}", encode(&text, set)));
        }
    }
}
