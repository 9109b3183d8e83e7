//! The headers of a request being signed (spec 1.4): each name canonicalised once
//! (`lower(UriEncode(trimmed name))`), kept or dropped by the policy on that canonical name,
//! sorted by name alone, and written as `n=UriEncode(v)` straight into the http string.

use std::cmp::Ordering;
use std::ops::Range;

use super::canonical::{
    CanonicalPairs, encode_bytes_into, encode_lower_into, encode_str_into, trim_header_name,
    trim_header_value_range,
};
use crate::SignError;

/// A header value as given: text (from [`SignableRequest`](super::SignableRequest)) or bytes (from
/// an `http::HeaderValue`, which may hold obs-text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderText<'a> {
    /// UTF-8 text.
    Str(&'a str),
    /// Bytes, not necessarily UTF-8.
    Bytes(&'a [u8]),
}

impl<'a> HeaderText<'a> {
    /// The bytes.
    pub(crate) fn as_bytes(self) -> &'a [u8] {
        match self {
            Self::Str(text) => text.as_bytes(),
            Self::Bytes(bytes) => bytes,
        }
    }

    /// The text, if it is UTF-8.
    pub(crate) fn as_str(self) -> Option<&'a str> {
        match self {
            Self::Str(text) => Some(text),
            Self::Bytes(bytes) => std::str::from_utf8(bytes).ok(),
        }
    }

    /// Without leading and trailing SP / HTAB.
    pub(crate) fn trimmed(self) -> Self {
        let range = trim_header_value_range(self.as_bytes());
        match self {
            // The range ends next to ASCII bytes or at the ends: character boundaries.
            Self::Str(text) => Self::Str(text.get(range).unwrap_or_default()),
            Self::Bytes(bytes) => Self::Bytes(bytes.get(range).unwrap_or_default()),
        }
    }

    /// Appends `UriEncode(self)`.
    fn encode_into(self, out: &mut String) {
        match self {
            Self::Str(text) => encode_str_into(out, text),
            Self::Bytes(bytes) => encode_bytes_into(out, bytes),
        }
    }
}

impl Default for HeaderText<'_> {
    fn default() -> Self {
        Self::Str("")
    }
}

/// One signed header: its canonical name in [`SignedHeaders::names`] and its trimmed value.
#[derive(Debug, Clone, Copy, Default)]
struct Entry<'a> {
    /// The first 16 bytes of the name, big-endian, zero-padded: orders most pairs of names
    /// without reading the buffer (canonical names never contain a zero byte).
    key: u128,
    /// `names[start..end]` is the name.
    start: usize,
    end: usize,
    value: HeaderText<'a>,
}

impl Entry<'_> {
    fn name(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// How many headers are kept on the stack; more go to the heap.
const INLINE: usize = 16;

/// The signed headers, canonical names in one buffer, values borrowed until they are
/// encoded into the http string.
#[derive(Debug, Clone)]
pub(crate) struct SignedHeaders<'a> {
    /// Canonical names back to back (ASCII), then possibly one staged name.
    names: String,
    /// Where the staged name starts (`names.len()` when none is staged): the kept names
    /// are `names[..staged]`.
    staged: usize,
    /// The first [`INLINE`] entries, without an allocation.
    inline: [Entry<'a>; INLINE],
    inline_len: usize,
    /// All entries, once there are more than [`INLINE`].
    spilled: Vec<Entry<'a>>,
    /// Total length of the (trimmed, not yet encoded) values.
    values_len: usize,
}

impl<'a> SignedHeaders<'a> {
    /// Room for headers whose names total about `names_len` bytes.
    pub(crate) fn with_capacity(names_len: usize) -> Self {
        Self {
            names: String::with_capacity(names_len),
            staged: 0,
            inline: [Entry::default(); INLINE],
            inline_len: 0,
            spilled: Vec::new(),
            values_len: 0,
        }
    }

    fn entries(&self) -> &[Entry<'a>] {
        if self.spilled.is_empty() {
            self.inline.get(..self.inline_len).unwrap_or_default()
        } else {
            &self.spilled
        }
    }

    fn push_entry(&mut self, entry: Entry<'a>) {
        if self.spilled.is_empty() {
            if let Some(slot) = self.inline.get_mut(self.inline_len) {
                *slot = entry;
                self.inline_len += 1;
                return;
            }
            self.spilled.reserve(2 * INLINE);
            self.spilled.extend_from_slice(&self.inline);
        }
        self.spilled.push(entry);
    }

    /// Writes the canonical form of `raw_name`, `lower(UriEncode(trimmed name))`, and returns
    /// it; [`SignedHeaders::keep`] then adds the header, [`SignedHeaders::drop_staged`]
    /// forgets it.
    pub(crate) fn stage(&mut self, raw_name: &str) -> &str {
        self.drop_staged();
        self.staged = self.names.len();
        encode_lower_into(&mut self.names, trim_header_name(raw_name));
        self.names.get(self.staged..).unwrap_or_default()
    }

    /// Adds the staged name with `value` (trimmed here).
    pub(crate) fn keep(&mut self, value: HeaderText<'a>) {
        let (start, end) = (self.staged, self.names.len());
        let value = value.trimmed();
        self.values_len += value.as_bytes().len();
        let key = sort_key(self.names.as_bytes().get(start..end).unwrap_or_default());
        self.push_entry(Entry {
            key,
            start,
            end,
            value,
        });
        self.staged = end;
    }

    /// Forgets the staged name, if any.
    pub(crate) fn drop_staged(&mut self) {
        self.names.truncate(self.staged);
    }

    /// Adds a header whose name is already canonical.
    pub(crate) fn push_canonical(&mut self, name: &str, value: HeaderText<'a>) {
        self.drop_staged();
        self.staged = self.names.len();
        self.names.push_str(name);
        self.keep(value);
    }

    /// Sorts by name (spec 1.4 step 3). Two equal names are rejected (step 2), so the
    /// values never decide the order.
    ///
    /// # Errors
    /// [`SignError::DuplicateHeader`] naming the first repeated name.
    pub(crate) fn sort(&mut self) -> Result<(), SignError> {
        self.drop_staged();
        let names = self.names.as_bytes();
        let entries = if self.spilled.is_empty() {
            self.inline.get_mut(..self.inline_len).unwrap_or_default()
        } else {
            &mut self.spilled[..]
        };
        entries.sort_unstable_by(|a, b| compare_names(names, a, b));
        let repeated = self.entries().windows(2).find_map(|pair| match pair {
            [a, b] if compare_names(names, a, b) == Ordering::Equal => Some(a),
            _ => None,
        });
        match repeated {
            Some(entry) => Err(SignError::DuplicateHeader {
                name: self.name(entry).to_owned(),
            }),
            None => Ok(()),
        }
    }

    fn name(&self, entry: &Entry<'_>) -> &str {
        self.names.get(entry.name()).unwrap_or_default()
    }
}

/// The first 16 bytes of `name`, big-endian, zero-padded.
fn sort_key(name: &[u8]) -> u128 {
    let mut head = [0u8; 16];
    let len = name.len().min(head.len());
    if let (Some(slots), Some(bytes)) = (head.get_mut(..len), name.get(..len)) {
        slots.copy_from_slice(bytes);
    }
    u128::from_be_bytes(head)
}

/// Byte order of the names of `a` and `b`.
fn compare_names(names: &[u8], a: &Entry<'_>, b: &Entry<'_>) -> Ordering {
    a.key.cmp(&b.key).then_with(|| {
        let name = |entry: &Entry<'_>| names.get(entry.name()).unwrap_or_default();
        name(a).cmp(name(b))
    })
}

impl CanonicalPairs for SignedHeaders<'_> {
    fn len(&self) -> usize {
        self.entries().len()
    }

    fn names_len(&self) -> usize {
        self.entries().iter().map(|e| e.name().len()).sum()
    }

    fn pairs_len_bound(&self) -> usize {
        // `UriEncode` at most triples a value; `=` and `&` per pair.
        self.names_len() + 2 * self.len() + 3 * self.values_len
    }

    fn has_empty_name(&self) -> bool {
        self.entries().iter().any(|e| e.start == e.end)
    }

    fn write_pairs(&self, out: &mut String) {
        for (index, entry) in self.entries().iter().enumerate() {
            if index > 0 {
                out.push('&');
            }
            out.push_str(self.name(entry));
            out.push('=');
            entry.value.encode_into(out);
        }
    }

    fn write_names(&self, out: &mut String) {
        for (index, entry) in self.entries().iter().enumerate() {
            if index > 0 {
                out.push(';');
            }
            out.push_str(self.name(entry));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::canonical::{CanonicalList, canonical_headers};
    use super::*;

    fn pairs(list: &impl CanonicalPairs) -> (String, String) {
        let (mut pairs, mut names) = (String::new(), String::new());
        list.write_pairs(&mut pairs);
        list.write_names(&mut names);
        (pairs, names)
    }

    fn build<'a>(headers: &[(&'a str, HeaderText<'a>)]) -> Result<SignedHeaders<'a>, SignError> {
        let mut list = SignedHeaders::with_capacity(0);
        for (name, value) in headers {
            list.stage(name);
            list.keep(*value);
        }
        list.sort()?;
        Ok(list)
    }

    #[test]
    fn names_are_encoded_then_lowercased_and_sorted_by_name() {
        let list = build(&[
            ("X-Cos-Meta-B ", HeaderText::Str(" 中 b ")),
            ("x-cos-meta-a/", HeaderText::Bytes(b"\tv/\xff")),
            ("Content-Type", HeaderText::Str("text/plain")),
        ])
        .unwrap();
        assert_eq!(
            pairs(&list),
            (
                "content-type=text%2Fplain&x-cos-meta-a%2f=v%2F%FF&x-cos-meta-b=%E4%B8%AD%20b"
                    .to_owned(),
                "content-type;x-cos-meta-a%2f;x-cos-meta-b".to_owned()
            )
        );
        assert_eq!(list.len(), 3);
        assert!(!list.has_empty_name());
        assert!(list.pairs_len_bound() >= pairs(&list).0.len());
    }

    #[test]
    fn dropped_and_staged_names_leave_no_trace() {
        let mut list = SignedHeaders::with_capacity(4);
        assert_eq!(list.stage(" User-Agent"), "user-agent");
        list.drop_staged();
        assert_eq!(list.stage("Host"), "host");
        list.keep(HeaderText::Str("h"));
        list.stage("Accept");
        list.push_canonical("x-cos-security-token", HeaderText::Str("t"));
        list.stage("Date");
        list.sort().unwrap();
        assert_eq!(
            pairs(&list),
            (
                "host=h&x-cos-security-token=t".to_owned(),
                "host;x-cos-security-token".to_owned()
            )
        );
    }

    #[test]
    fn long_names_sharing_the_sort_key_are_ordered_by_the_whole_name() {
        let list = build(&[
            ("x-cos-meta-abcdefghij-2", HeaderText::Str("")),
            ("x-cos-meta-abcdefghij-1", HeaderText::Str("")),
            ("x-cos-meta-abcdefghij", HeaderText::Str("")),
        ])
        .unwrap();
        assert_eq!(
            pairs(&list).1,
            "x-cos-meta-abcdefghij;x-cos-meta-abcdefghij-1;x-cos-meta-abcdefghij-2"
        );
    }

    #[test]
    fn more_headers_than_fit_inline_spill_to_the_heap() {
        let names: Vec<String> = (0..INLINE + 5).rev().map(|i| format!("X-{i:02}")).collect();
        let headers: Vec<(&str, HeaderText<'_>)> = names
            .iter()
            .map(|name| (name.as_str(), HeaderText::Str(name)))
            .collect();
        let list = build(&headers).unwrap();
        let expected: Vec<String> = (0..INLINE + 5)
            .map(|i| format!("x-{i:02}=X-{i:02}"))
            .collect();
        assert_eq!(pairs(&list).0, expected.join("&"));
        assert_eq!(list.len(), INLINE + 5);
        let mut repeated = headers.clone();
        repeated.push(("x-03", HeaderText::Str("")));
        assert!(build(&repeated).is_err());
    }

    #[test]
    fn repeated_names_are_rejected() {
        let error = build(&[
            ("x-cos-meta-abcdefghij-long", HeaderText::Str("1")),
            ("b", HeaderText::Str("")),
            ("X-COS-META-ABCDEFGHIJ-LONG ", HeaderText::Str("2")),
        ])
        .unwrap_err();
        assert_eq!(
            error,
            SignError::DuplicateHeader {
                name: "x-cos-meta-abcdefghij-long".into()
            }
        );
        assert!(build(&[(" ", HeaderText::Str("")), ("", HeaderText::Str(""))]).is_err());
        assert!(
            build(&[(" ", HeaderText::Str(""))])
                .unwrap()
                .has_empty_name()
        );
    }

    #[test]
    fn trimming_keeps_character_boundaries() {
        assert_eq!(HeaderText::Str(" \t中\t ").trimmed(), HeaderText::Str("中"));
        assert_eq!(
            HeaderText::Bytes(b" \xff ").trimmed(),
            HeaderText::Bytes(b"\xff")
        );
        assert_eq!(HeaderText::Bytes(b"\xff").as_str(), None);
        assert_eq!(HeaderText::Bytes(b"ok").as_str(), Some("ok"));
    }

    proptest::proptest! {
        #[test]
        fn matches_the_canonical_list(
            headers in proptest::collection::vec(("[ ]?[a-dA-D\\-/%~]{0,20}[ ]?", "[ ]?[a-b /中]{0,6}[ ]?"), 0..8)
        ) {
            let texts: Vec<(&str, HeaderText<'_>)> =
                headers.iter().map(|(n, v)| (n.as_str(), HeaderText::Str(v.as_str()))).collect();
            let expected: Result<CanonicalList, SignError> =
                canonical_headers(headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())), 0);
            match (build(&texts), expected) {
                (Ok(list), Ok(expected)) => {
                    proptest::prop_assert_eq!(pairs(&list), pairs(&expected));
                    proptest::prop_assert_eq!(list.names_len(), expected.names_len());
                    proptest::prop_assert_eq!(list.len(), expected.len());
                    proptest::prop_assert!(list.pairs_len_bound() >= pairs(&list).0.len());
                }
                (Err(error), Err(expected)) => proptest::prop_assert_eq!(error, expected),
                (got, expected) => proptest::prop_assert!(false, "{:?} vs {:?}", got.is_ok(), expected.is_ok()),
            }
        }
    }
}
