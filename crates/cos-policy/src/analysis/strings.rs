//! Exact classes of strings under a finite set of patterns.
//!
//! Every pattern (a `*` glob, a literal, a case-insensitive literal) is a small automaton over
//! characters. The product of all of them, restricted by a [`Shape`] (what a request may hold
//! in that position), is explored breadth first over an alphabet that holds every character
//! the patterns name plus one fresh character of every class the shape distinguishes — every
//! other character behaves exactly like one of those. Each reachable accepting product state
//! yields the vector "which patterns match"; the first (shortest) string reaching it is the
//! class's representative. The set of vectors is therefore exactly the set of realisable
//! ones: no class is missed and none is invented.

use std::collections::VecDeque;

use rustc_hash::FxHashSet as HashSet;

/// One character test of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token {
    /// `*`: any run of characters.
    Star,
    /// Exactly this character.
    Char(char),
    /// This ASCII character in either case.
    CharIgnoreCase(char),
}

impl Token {
    fn accepts(self, c: char) -> bool {
        match self {
            Self::Star => true,
            Self::Char(p) => p == c,
            // `to_lowercase` folds the Kelvin sign to an ASCII `k` (the only non-ASCII
            // character it folds into ASCII), so `string_equal_ignore_case` treats it as one.
            Self::CharIgnoreCase(p) => p.eq_ignore_ascii_case(&c) || (p == 'k' && c == KELVIN),
        }
    }
}

/// U+212A KELVIN SIGN, whose lowercase is the ASCII `k`.
const KELVIN: char = '\u{212A}';

/// A pattern as a sequence of tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern(Vec<Token>);

impl Pattern {
    /// A CAM wildcard pattern (`*` matches any run).
    pub(crate) fn glob(text: &str) -> Self {
        Self(
            text.chars()
                .map(|c| {
                    if c == '*' {
                        Token::Star
                    } else {
                        Token::Char(c)
                    }
                })
                .collect(),
        )
    }

    /// A literal (a `*` is just a character).
    pub(crate) fn literal(text: &str) -> Self {
        Self(text.chars().map(Token::Char).collect())
    }

    /// A literal compared ASCII-case-insensitively.
    pub(crate) fn literal_ignore_case(text: &str) -> Self {
        Self(
            text.chars()
                .map(|c| Token::CharIgnoreCase(c.to_ascii_lowercase()))
                .collect(),
        )
    }

    fn words(&self) -> usize {
        (self.0.len() + 1).div_ceil(64)
    }

    /// Adds the positions reachable over `*` without reading a character.
    fn close(&self, bits: &mut [u64]) {
        for (i, token) in self.0.iter().enumerate() {
            if *token == Token::Star && get(bits, i) {
                set(bits, i + 1);
            }
        }
    }

    fn start(&self, bits: &mut [u64]) {
        set(bits, 0);
        self.close(bits);
    }

    fn step(&self, from: &[u64], c: char, to: &mut [u64]) {
        let mut any = false;
        for (w, &word) in from.iter().enumerate() {
            let mut rest = word;
            while rest != 0 {
                let i = w * 64 + rest.trailing_zeros() as usize;
                rest &= rest - 1;
                match self.0.get(i) {
                    Some(Token::Star) => {
                        set(to, i);
                        any = true;
                    }
                    Some(token) if token.accepts(c) => {
                        set(to, i + 1);
                        any = true;
                    }
                    _ => {}
                }
            }
        }
        if any {
            self.close(to);
        }
    }

    /// The characters the tokens at the active positions `bits` test for.
    fn active_chars(&self, bits: &[u64], out: &mut Vec<char>) {
        for (w, &word) in bits.iter().enumerate() {
            let mut rest = word;
            while rest != 0 {
                let i = w * 64 + rest.trailing_zeros() as usize;
                rest &= rest - 1;
                match self.0.get(i) {
                    Some(Token::Char(c)) => out.push(*c),
                    Some(Token::CharIgnoreCase(c)) => {
                        out.push(c.to_ascii_lowercase());
                        out.push(c.to_ascii_uppercase());
                        if *c == 'k' {
                            out.push(KELVIN);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    fn accepting(&self, bits: &[u64]) -> bool {
        get(bits, self.0.len())
    }
}

fn get(bits: &[u64], i: usize) -> bool {
    bits.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
}

fn set(bits: &mut [u64], i: usize) {
    if let Some(w) = bits.get_mut(i / 64) {
        *w |= 1 << (i % 64);
    }
}

/// What strings a request may hold in a position, as a small deterministic automaton.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Any string.
    Any,
    /// Any string without `:` (the service of an action).
    NoColon,
    /// A region: lowercase letters, digits, `-` and `*`.
    Region,
    /// The path of a COS resource under APPID `appid`: `*`, `<name>-<appid>` or a bucket
    /// pattern with `*`, optionally followed by `/` and any key.
    CosPath(String),
    /// The path of a CI resource under APPID `appid`: non-empty; after `bucket/`, a bucket
    /// segment with `*` or `<name>-<appid>`.
    CiPath(String),
}

const DEAD: u64 = u64::MAX;
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const DIGITS: &str = "0123456789";
const OTHER: &str = "XYZQ_.~ABCDEFGHIJKLMNOPRSTUVW!é";

// CosPath state: bit 0 in key, bit 1 seen star, bit 2 any char, bit 3 nonempty before the
// last dash, bits 8.. progress through the APPID after the last dash (NO_DASH, MISMATCH).
const IN_KEY: u64 = 1;
const STAR: u64 = 2;
const ANY_CHAR: u64 = 4;
const BEFORE_DASH: u64 = 8;
const NO_DASH: u64 = 0xFFFF;
const MISMATCH: u64 = 0xFFFE;
// CiPath: a character no bucket name holds (fatal unless the segment has a `*`), and the
// phase in bits 40..: matching `bucket/` (progress in bits 24..), free text, the bucket
// segment (the CosPath bucket state in the low bits), the key.
const BAD: u64 = 16;
const CI_PREFIX: &str = "bucket/";
const PHASE: u64 = 3 << 40;
const PH_PREFIX: u64 = 0;
const PH_FREE: u64 = 1 << 40;
const PH_BUCKET: u64 = 2 << 40;
const PH_KEY: u64 = 3 << 40;

impl Shape {
    fn start(&self) -> u64 {
        match self {
            Self::CosPath(_) => NO_DASH << 8,
            Self::CiPath(_) => PH_PREFIX,
            _ => 0,
        }
    }

    /// Characters every distinct behaviour of the shape needs (besides the pools).
    fn chars(&self) -> Vec<char> {
        match self {
            Self::Any => Vec::new(),
            Self::NoColon => vec![':'],
            Self::Region => vec!['-', '*'],
            Self::CosPath(appid) => {
                let mut out: Vec<char> = appid.chars().collect();
                out.extend(['-', '*', '/']);
                out
            }
            Self::CiPath(appid) => {
                let mut out: Vec<char> = appid.chars().chain(CI_PREFIX.chars()).collect();
                out.extend(['-', '*']);
                out
            }
        }
    }

    /// Pools of characters that behave alike under the shape: one fresh member of each.
    fn pools(&self) -> &'static [&'static str] {
        match self {
            Self::Any | Self::NoColon => &["xyzqjkwvabcdefghilmnoprstu0123456789XYZ_.~é"],
            Self::Region | Self::CosPath(_) | Self::CiPath(_) => &[LOWER, DIGITS, OTHER],
        }
    }

    /// Whether the shape's next state depends on the character in `state`.
    fn cares(&self, state: u64) -> bool {
        match self {
            Self::Any => false,
            Self::CosPath(_) => state & IN_KEY == 0,
            Self::CiPath(_) => matches!(state & PHASE, PH_PREFIX | PH_BUCKET),
            Self::NoColon | Self::Region => true,
        }
    }

    fn step(&self, state: u64, c: char) -> u64 {
        if state == DEAD {
            return DEAD;
        }
        match self {
            Self::Any => 0,
            Self::NoColon => {
                if c == ':' {
                    DEAD
                } else {
                    0
                }
            }
            Self::Region => {
                if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '*' {
                    0
                } else {
                    DEAD
                }
            }
            Self::CosPath(appid) => cos_path_step(appid, state, c),
            Self::CiPath(appid) => ci_path_step(appid, state, c),
        }
    }

    fn accepts(&self, state: u64) -> bool {
        match self {
            Self::CosPath(appid) => {
                state != DEAD && (state & IN_KEY != 0 || bucket_ok(appid, state))
            }
            Self::CiPath(appid) => {
                state != DEAD
                    && match state & PHASE {
                        PH_PREFIX => state >> 24 & 0xFF > 0,
                        PH_BUCKET => ci_bucket_ok(appid, state & !PHASE),
                        _ => true,
                    }
            }
            _ => state != DEAD,
        }
    }
}

fn bucket_ok(appid: &str, state: u64) -> bool {
    state & STAR != 0
        || (state & BEFORE_DASH != 0 && (state >> 8) == appid.len() as u64 && !appid.is_empty())
}

fn ci_bucket_ok(appid: &str, bucket: u64) -> bool {
    bucket & STAR != 0 || (bucket & BAD == 0 && bucket_ok(appid, bucket))
}

fn ci_path_step(appid: &str, state: u64, c: char) -> u64 {
    match state & PHASE {
        PH_PREFIX => {
            let matched = state >> 24 & 0xFF;
            let expected = usize::try_from(matched)
                .ok()
                .and_then(|m| CI_PREFIX.chars().nth(m));
            if expected != Some(c) {
                PH_FREE
            } else if matched + 1 == CI_PREFIX.len() as u64 {
                PH_BUCKET | (NO_DASH << 8)
            } else {
                PH_PREFIX | ((matched + 1) << 24)
            }
        }
        PH_BUCKET => {
            let bucket = state & !PHASE;
            match c {
                '/' if ci_bucket_ok(appid, bucket) => PH_KEY,
                '/' => DEAD,
                c if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '*' => {
                    PH_BUCKET | cos_path_step(appid, bucket, c) | (bucket & BAD)
                }
                // Any character is allowed in a bucket segment with a `*`.
                _ => PH_BUCKET | (bucket & 0xFF) | BAD | ANY_CHAR | (MISMATCH << 8),
            }
        }
        phase => phase,
    }
}

fn cos_path_step(appid: &str, state: u64, c: char) -> u64 {
    if state & IN_KEY != 0 {
        return state;
    }
    let flags = state & 0xFF;
    let progress = state >> 8;
    match c {
        '/' => {
            if bucket_ok(appid, state) {
                IN_KEY
            } else {
                DEAD
            }
        }
        '-' => {
            let before = if flags & ANY_CHAR != 0 {
                BEFORE_DASH
            } else {
                0
            };
            (flags & STAR) | ANY_CHAR | before
        }
        '*' => flags | STAR | ANY_CHAR | (MISMATCH << 8),
        c if c.is_ascii_lowercase() || c.is_ascii_digit() => {
            let next = if progress == NO_DASH || progress == MISMATCH {
                progress
            } else {
                let expected = usize::try_from(progress)
                    .ok()
                    .and_then(|p| appid.as_bytes().get(p));
                if expected == Some(&(c as u8)) {
                    progress + 1
                } else {
                    MISMATCH
                }
            };
            (flags | ANY_CHAR) | (next << 8)
        }
        _ => DEAD,
    }
}

/// A realisable class: which patterns a string of the class matches, and the shortest such
/// string.
#[derive(Debug, Clone)]
pub(crate) struct Class {
    pub(crate) matches: Vec<bool>,
    pub(crate) example: String,
}

/// The product grew past the state limit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TooComplex;

/// The most product states explored before giving up.
const STATE_LIMIT: usize = 50_000;

/// Every realisable class of strings of `shape` under `patterns`, shortest examples first.
pub(crate) fn classes(patterns: &[Pattern], shape: &Shape) -> Result<Vec<Class>, TooComplex> {
    let shape_chars = shape.chars();
    // A product state is one flat word vector: each pattern's positions at its offset, then
    // the shape's state in the last word.
    let ranges: Vec<std::ops::Range<usize>> = patterns
        .iter()
        .scan(0, |at, p| {
            let here = *at;
            *at += p.words();
            Some(here..*at)
        })
        .collect();
    let width = ranges.last().map_or(0, |r| r.end) + 1;
    let mut start = vec![0u64; width];
    for (p, range) in patterns.iter().zip(&ranges) {
        if let Some(bits) = start.get_mut(range.clone()) {
            p.start(bits);
        }
    }
    if let Some(last) = start.last_mut() {
        *last = shape.start();
    }
    let mut seen: HashSet<Vec<u64>> = HashSet::default();
    let mut found: HashSet<Vec<bool>> = HashSet::default();
    let mut out = Vec::new();
    let mut queue = VecDeque::new();
    seen.insert(start.clone());
    queue.push_back((start, String::new()));
    let mut next = vec![0u64; width];
    while let Some((state, text)) = queue.pop_front() {
        let shape_state = state.last().copied().unwrap_or(DEAD);
        if shape.accepts(shape_state) {
            let matches: Vec<bool> = patterns
                .iter()
                .zip(&ranges)
                .map(|(p, range)| state.get(range.clone()).is_some_and(|b| p.accepting(b)))
                .collect();
            if found.insert(matches.clone()) {
                out.push(Class {
                    matches,
                    example: text.clone(),
                });
            }
        }
        for c in candidates(patterns, &ranges, &state, shape, shape_state, &shape_chars) {
            let next_shape = shape.step(shape_state, c);
            if next_shape == DEAD {
                continue;
            }
            next.fill(0);
            for (p, range) in patterns.iter().zip(&ranges) {
                if let (Some(from), Some(to)) =
                    (state.get(range.clone()), next.get_mut(range.clone()))
                {
                    p.step(from, c, to);
                }
            }
            if let Some(last) = next.last_mut() {
                *last = next_shape;
            }
            if seen.contains(&next) {
                continue;
            }
            if seen.len() >= STATE_LIMIT {
                return Err(TooComplex);
            }
            seen.insert(next.clone());
            let mut longer = text.clone();
            longer.push(c);
            queue.push_back((next.clone(), longer));
        }
    }
    Ok(out)
}

/// The characters whose successors from `state` can differ: those the active positions
/// test for, the shape's own characters when its state depends on them, and one character of
/// each of the shape's pools that none of those is — every other character leads where one of
/// these does.
fn candidates(
    patterns: &[Pattern],
    ranges: &[std::ops::Range<usize>],
    state: &[u64],
    shape: &Shape,
    shape_state: u64,
    shape_chars: &[char],
) -> Vec<char> {
    let mut named = Vec::new();
    for (p, range) in patterns.iter().zip(ranges) {
        if let Some(bits) = state.get(range.clone()) {
            p.active_chars(bits, &mut named);
        }
    }
    if shape.cares(shape_state) {
        named.extend_from_slice(shape_chars);
    }
    let pools: &[&str] = if shape.cares(shape_state) {
        shape.pools()
    } else {
        &[LOWER, DIGITS, OTHER]
    };
    let mut fresh = Vec::new();
    for pool in pools {
        if let Some(c) = pool.chars().find(|c| !named.contains(c)) {
            fresh.push(c);
            if !shape.cares(shape_state) {
                break;
            }
        }
    }
    named.extend(fresh);
    // Readable examples: letters and digits before punctuation.
    named.sort_unstable_by_key(|c| (!c.is_ascii_alphanumeric(), *c));
    named.dedup();
    named
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wildcard_match;

    fn run(patterns: &[&str], shape: &Shape) -> Vec<Class> {
        let compiled: Vec<Pattern> = patterns.iter().map(|p| Pattern::glob(p)).collect();
        classes(&compiled, shape).unwrap()
    }

    #[test]
    fn prefixes_give_nested_classes() {
        let got = run(&["users/alice/*", "users/*"], &Shape::Any);
        let vectors: Vec<Vec<bool>> = got.iter().map(|c| c.matches.clone()).collect();
        assert!(vectors.contains(&vec![true, true]));
        assert!(vectors.contains(&vec![false, true]));
        assert!(vectors.contains(&vec![false, false]));
        assert!(!vectors.contains(&vec![true, false]));
        for class in &got {
            for (p, m) in ["users/alice/*", "users/*"].iter().zip(&class.matches) {
                assert_eq!(wildcard_match(p, &class.example), *m);
            }
        }
    }

    #[test]
    fn cos_paths_respect_the_request_grammar() {
        let shape = Shape::CosPath("1250000000".into());
        let got = run(&["b-1250000000/a*"], &shape);
        for class in &got {
            let text = format!("qcs::cos:ap-beijing:uid/1250000000:{}", class.example);
            assert!(text.parse::<crate::Resource>().is_ok(), "{text}");
        }
        assert!(got.iter().any(|c| c.matches == [true]));
        assert!(got.iter().any(|c| c.matches == [false]));
    }

    #[test]
    fn ignore_case_literals() {
        let patterns = [Pattern::literal_ignore_case("ab"), Pattern::literal("AB")];
        let got = classes(&patterns, &Shape::Any).unwrap();
        // Only the Kelvin sign matches `k` ignoring case and neither `k` nor `K` exactly.
        let kelvin = classes(
            &[
                Pattern::literal_ignore_case("k"),
                Pattern::literal("k"),
                Pattern::literal("K"),
            ],
            &Shape::Any,
        )
        .unwrap();
        assert!(
            kelvin
                .iter()
                .any(|c| c.matches == [true, false, false] && c.example == "\u{212A}")
        );
        let vectors: Vec<Vec<bool>> = got.iter().map(|c| c.matches.clone()).collect();
        assert!(vectors.contains(&vec![true, true]));
        assert!(vectors.contains(&vec![true, false]));
        assert!(vectors.contains(&vec![false, false]));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

        /// Every string's match vector is one of the classes (no class is missed), and every
        /// class's example has its vector (none is invented) — globs, literals and
        /// case-insensitive literals mixed.
        #[test]
        fn classes_are_exactly_the_realisable_vectors(
            patterns in proptest::collection::vec(("[ab/*A]{0,5}", 0..3u8), 1..5),
            samples in proptest::collection::vec("[ab/*AB\u{212A}c]{0,7}", 64),
        ) {
            let compiled: Vec<Pattern> = patterns
                .iter()
                .map(|(text, kind)| match kind {
                    0 => Pattern::glob(text),
                    1 => Pattern::literal(text),
                    _ => Pattern::literal_ignore_case(text),
                })
                .collect();
            let oracle = |text: &str| -> Vec<bool> {
                patterns
                    .iter()
                    .map(|(p, kind)| match kind {
                        0 => wildcard_match(p, text),
                        1 => p == text,
                        _ => p.to_lowercase() == text.to_lowercase(),
                    })
                    .collect()
            };
            let got = classes(&compiled, &Shape::Any).unwrap();
            for class in &got {
                proptest::prop_assert_eq!(&oracle(&class.example), &class.matches);
            }
            for sample in &samples {
                let v = oracle(sample);
                proptest::prop_assert!(got.iter().any(|c| c.matches == v), "{sample:?} {v:?}");
            }
        }

        /// CI paths: every example parses, and every parsing sample's class is found.
        #[test]
        fn ci_path_classes_are_exact(
            patterns in proptest::collection::vec("(bucket/)?[ab1-]{0,3}(-125)?[*/X]{0,2}[a/*]{0,2}", 1..4),
            samples in proptest::collection::vec("(bucket/)?[ab1-]{0,3}(-125)?[*/X]{0,2}[a/*]{0,2}", 64),
        ) {
            let compiled: Vec<Pattern> = patterns.iter().map(|p| Pattern::glob(p)).collect();
            let got = classes(&compiled, &Shape::CiPath("125".into())).unwrap();
            let resource = |path: &str| format!("qcs::ci:ap-beijing:uid/125:{path}");
            for class in &got {
                proptest::prop_assert!(resource(&class.example).parse::<crate::Resource>().is_ok(), "{:?}", class.example);
            }
            for sample in &samples {
                if resource(sample).parse::<crate::Resource>().is_err() {
                    continue;
                }
                let v: Vec<bool> = patterns.iter().map(|p| wildcard_match(p, sample)).collect();
                proptest::prop_assert!(got.iter().any(|c| c.matches == v), "{sample:?} {v:?}");
            }
        }

        /// COS paths: every example parses as a request resource under the APPID.
        #[test]
        fn cos_path_examples_parse(patterns in proptest::collection::vec("[a-c1-]{0,3}-125[*/]{0,2}[a-c/*]{0,4}", 1..4)) {
            let compiled: Vec<Pattern> = patterns.iter().map(|p| Pattern::glob(p)).collect();
            let got = classes(&compiled, &Shape::CosPath("125".into())).unwrap();
            for class in &got {
                let text = format!("qcs::cos:ap-beijing:uid/125:{}", class.example);
                proptest::prop_assert!(text.parse::<crate::Resource>().is_ok(), "{}", text);
            }
        }
    }
}
