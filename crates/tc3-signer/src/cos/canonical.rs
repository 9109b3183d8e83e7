//! Canonical forms of the signed query parameters and headers (spec 1.3 and 1.4).
//!
//! Each pair becomes `lower(UriEncode(name))=UriEncode(value)`; the pairs are sorted by
//! name and then by value, and written as `n=v&n=v` (`HttpParameters` / `HttpHeaders`) and
//! `n;n` (`UrlParamList` / `HeaderList`).

use std::ops::Range;

use cos_core::encoding::{self, EncodeSet};

use crate::SignError;

/// Canonical pairs as the http string and the `Authorization` value need them: written as
/// `n=v&n=v` and as `n;n`, already sorted.
pub(crate) trait CanonicalPairs {
    /// The number of pairs.
    fn len(&self) -> usize;
    /// Total length of the names.
    fn names_len(&self) -> usize;
    /// An upper bound of the length of `n=v&n=v…`.
    fn pairs_len_bound(&self) -> usize;
    /// Whether some name is empty.
    fn has_empty_name(&self) -> bool;
    /// Appends `n1=v1&n2=v2…`.
    fn write_pairs(&self, out: &mut String);
    /// Appends `n1;n2…`.
    fn write_names(&self, out: &mut String);
}

/// Signed parameters or headers in canonical form, `lower(UriEncode(name))=UriEncode(value)`
/// each, kept in one buffer (two allocations for the whole list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CanonicalList {
    /// The `n=v` texts, back to back. ASCII only.
    buffer: String,
    entries: Vec<Entry>,
}

/// One pair: `buffer[start..name_end]` is the name, `buffer[name_end + 1..end]` the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    start: usize,
    name_end: usize,
    end: usize,
}

impl CanonicalList {
    /// An empty list with room for `pairs` pairs of about `bytes` bytes in total.
    pub(crate) fn with_capacity(pairs: usize, bytes: usize) -> Self {
        Self {
            buffer: String::with_capacity(bytes),
            entries: Vec::with_capacity(pairs),
        }
    }

    /// Adds `lower(UriEncode(name))=UriEncode(value)`.
    pub(crate) fn push(&mut self, name: &[u8], value: &[u8]) {
        let start = self.buffer.len();
        encode_bytes_into(&mut self.buffer, name);
        if let Some(encoded_name) = self.buffer.get_mut(start..) {
            encoded_name.make_ascii_lowercase();
        }
        self.push_value(start, value);
    }

    /// Adds a pair whose name is already canonical.
    pub(crate) fn push_canonical_name(&mut self, name: &str, value: &[u8]) {
        let start = self.buffer.len();
        self.buffer.push_str(name);
        self.push_value(start, value);
    }

    fn push_value(&mut self, start: usize, value: &[u8]) {
        let name_end = self.buffer.len();
        self.buffer.push('=');
        encode_bytes_into(&mut self.buffer, value);
        self.entries.push(Entry {
            start,
            name_end,
            end: self.buffer.len(),
        });
    }

    /// Sorts by name, then by value (byte order).
    pub(crate) fn sort(&mut self) {
        let buffer = self.buffer.as_bytes();
        let part = |range: Range<usize>| buffer.get(range).unwrap_or_default();
        self.entries.sort_unstable_by(|a, b| {
            part(a.start..a.name_end)
                .cmp(part(b.start..b.name_end))
                .then_with(|| part(a.name_end..a.end).cmp(part(b.name_end..b.end)))
        });
    }

    fn part(&self, range: Range<usize>) -> &[u8] {
        self.buffer.as_bytes().get(range).unwrap_or_default()
    }

    fn text(&self, range: Range<usize>) -> &str {
        self.buffer.get(range).unwrap_or_default()
    }

    /// The names, in list order.
    pub(crate) fn names(&self) -> impl Iterator<Item = &[u8]> {
        self.entries.iter().map(|e| self.part(e.start..e.name_end))
    }

    /// Keeps the pairs whose name satisfies `keep`.
    pub(crate) fn retain_names(&mut self, mut keep: impl FnMut(&[u8]) -> bool) {
        let buffer = self.buffer.as_bytes();
        self.entries
            .retain(|e| keep(buffer.get(e.start..e.name_end).unwrap_or_default()));
    }

    /// The first name that appears twice in a row (the list must be sorted).
    pub(crate) fn first_repeated_name(&self) -> Option<&[u8]> {
        let mut names = self.names();
        let mut previous = names.next()?;
        for name in names {
            if name == previous {
                return Some(name);
            }
            previous = name;
        }
        None
    }
}

impl CanonicalPairs for CanonicalList {
    fn len(&self) -> usize {
        self.entries.len()
    }

    fn names_len(&self) -> usize {
        self.entries.iter().map(|e| e.name_end - e.start).sum()
    }

    fn pairs_len_bound(&self) -> usize {
        self.buffer.len() + self.entries.len()
    }

    fn has_empty_name(&self) -> bool {
        self.entries.iter().any(|e| e.name_end == e.start)
    }

    fn write_pairs(&self, out: &mut String) {
        for (index, entry) in self.entries.iter().enumerate() {
            if index > 0 {
                out.push('&');
            }
            out.push_str(self.text(entry.start..entry.end));
        }
    }

    fn write_names(&self, out: &mut String) {
        for (index, entry) in self.entries.iter().enumerate() {
            if index > 0 {
                out.push(';');
            }
            out.push_str(self.text(entry.start..entry.name_end));
        }
    }
}

/// Appends `UriEncode(bytes)` to `out` (same output as [`crate::uri_encode`], for bytes).
/// Only ASCII is written.
#[inline]
pub(crate) fn encode_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    encoding::encode_bytes_into(out, bytes, EncodeSet::UNRESERVED);
}

/// Appends `lower(UriEncode(name))`.
#[inline]
pub(crate) fn encode_lower_into(out: &mut String, name: &str) {
    let start = out.len();
    encode_str_into(out, name);
    if let Some(encoded) = out.get_mut(start..) {
        encoded.make_ascii_lowercase();
    }
}

/// Appends `UriEncode(text)` to a string.
#[inline]
pub(crate) fn encode_str_into(out: &mut String, text: &str) {
    encoding::encode_into(out, text, EncodeSet::UNRESERVED);
}

/// Appends `UriEncode(bytes)` to a string (bytes that need not be UTF-8).
#[inline]
pub(crate) fn encode_bytes_into(out: &mut String, bytes: &[u8]) {
    encoding::encode_bytes_to_string(out, bytes, EncodeSet::UNRESERVED);
}

/// The string of bytes written by [`encode_bytes`] and ASCII pushes. Those are ASCII, so
/// the conversion cannot fail; were it to, the result would be empty (and the signature
/// simply wrong), never a panic.
pub(crate) fn ascii_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_default()
}

/// `lower(UriEncode(name))`.
pub(crate) fn canonical_name(name: &[u8]) -> String {
    let mut out = String::with_capacity(name.len());
    encode_bytes_into(&mut out, name);
    out.make_ascii_lowercase();
    out
}

/// Header values lose leading and trailing SP / HTAB, as HTTP parsers strip them.
pub(crate) fn trim_header_value(value: &[u8]) -> &[u8] {
    value
        .get(trim_header_value_range(value))
        .unwrap_or_default()
}

/// The part of `value` that [`trim_header_value`] keeps.
pub(crate) fn trim_header_value_range(value: &[u8]) -> Range<usize> {
    let is_space = |b: &u8| *b == b' ' || *b == b'\t';
    let start = value
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |i| i + 1);
    start..end
}

/// Header names lose surrounding (ASCII) whitespace.
pub(crate) fn trim_header_name(name: &str) -> &str {
    name.trim_ascii()
}

/// Canonical query parameters, sorted by name then value (repeated names are kept: the Go
/// SDK's rule, spec 1.3 step 2).
pub(crate) fn canonical_params<'a>(
    params: impl Iterator<Item = (&'a [u8], &'a [u8])>,
) -> CanonicalList {
    let count = params.size_hint().0;
    let mut list = CanonicalList::with_capacity(count, count * 32);
    for (name, value) in params {
        list.push(name, value);
    }
    list.sort();
    list
}

/// Canonical headers from `(name, value)` pairs that were already selected for signing,
/// sorted by name. Two names equal after lower-casing are rejected (spec 1.4 step 2).
///
/// `raw_len` is the total length of the names and values (an estimate is enough): the
/// buffer is sized from it so that it rarely grows.
pub(crate) fn canonical_headers<'a>(
    headers: impl Iterator<Item = (&'a str, &'a [u8])>,
    raw_len: usize,
) -> Result<CanonicalList, SignError> {
    let mut list = CanonicalList::with_capacity(8, raw_len + raw_len / 4 + 32);
    for (name, value) in headers {
        list.push(trim_header_name(name).as_bytes(), trim_header_value(value));
    }
    list.sort();
    if let Some(name) = list.first_repeated_name() {
        return Err(SignError::DuplicateHeader {
            name: String::from_utf8_lossy(name).into_owned(),
        });
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(list: &[(&str, &str)]) -> CanonicalList {
        canonical_params(list.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())))
    }

    fn text(list: &CanonicalList) -> String {
        let mut out = String::new();
        list.write_pairs(&mut out);
        out
    }

    proptest::proptest! {
        #[test]
        fn sorting_matches_sorting_the_encoded_pairs(
            pairs in proptest::collection::vec(("[a-c\\-%~ ]{0,20}", "[a-b ]{0,3}"), 0..8)
        ) {
            let list = canonical_params(pairs.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())));
            let mut expected: Vec<(String, String)> = pairs
                .iter()
                .map(|(n, v)| (crate::uri_encode(n).to_ascii_lowercase(), crate::uri_encode(v)))
                .collect();
            expected.sort();
            let expected: Vec<String> = expected.iter().map(|(n, v)| format!("{n}={v}")).collect();
            proptest::prop_assert_eq!(text(&list), expected.join("&"));
        }
    }

    proptest::proptest! {
        #[test]
        fn lowercasing_encoder_matches_encode_then_lowercase(text in "\\PC{0,40}") {
            let mut out = String::from("X");
            encode_lower_into(&mut out, &text);
            proptest::prop_assert_eq!(&out[1..], canonical_name(text.as_bytes()));
        }

    }

    #[test]
    fn names_are_encoded_then_lowercased_values_keep_case() {
        let pairs = params(&[("a/b", "X/Y"), ("中", "中")]);
        assert_eq!(text(&pairs), "%e4%b8%ad=%E4%B8%AD&a%2fb=X%2FY");
    }

    #[test]
    fn sorting_is_by_name_then_value_not_by_joined_text() {
        // "a=…" vs "a-b=…": joined-text order would put `a-b` (0x2D) before `a=` (0x3D).
        let pairs = params(&[("a-b", "1"), ("a", "2")]);
        assert_eq!(text(&pairs), "a=2&a-b=1");
    }

    #[test]
    fn repeated_names_sort_by_value() {
        let pairs = params(&[("a", "2"), ("a", "1"), ("b", "")]);
        assert_eq!(text(&pairs), "a=1&a=2&b=");
        let mut names = String::new();
        pairs.write_names(&mut names);
        assert_eq!(names, "a;a;b");
        assert_eq!((pairs.len(), pairs.names_len()), (3, 3));
        assert!(!pairs.has_empty_name());
        assert_eq!(pairs.first_repeated_name(), Some(&b"a"[..]));
        let mut kept = pairs.clone();
        kept.retain_names(|name| name == b"b");
        assert_eq!(text(&kept), "b=");
    }

    #[test]
    fn duplicate_header_names_are_rejected() {
        let headers = [("X-Cos-Meta-A", &b"1"[..]), ("x-cos-meta-a ", &b"2"[..])];
        assert_eq!(
            canonical_headers(headers.into_iter(), 0).unwrap_err(),
            SignError::DuplicateHeader {
                name: "x-cos-meta-a".into()
            }
        );
    }

    #[test]
    fn header_values_are_trimmed_of_sp_and_htab_only() {
        assert_eq!(trim_header_value(b" \t a b \t"), b"a b");
        assert_eq!(trim_header_value(b"   "), b"");
        assert_eq!(trim_header_value(b"\na\n"), b"\na\n");
    }
}
