#![no_main]
//! Fuzz target: the exact analysis never panics; every witness separates the two policies;
//! a summary compares equal to its policy; the access-log reader and `generate` never panic.
use cos_policy::analysis::{AccessRecord, Verdict, compare, generate, summarize};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (first, second) = text.split_once('\0').unwrap_or((&text, ""));
    if let Ok(records) = AccessRecord::parse_log(&text) {
        let _ = generate(&records, &[]);
    }
    let (Ok(a), Ok(b)) = (
        cos_policy::Policy::from_json(first),
        cos_policy::Policy::from_json(second),
    ) else {
        return;
    };
    let result = compare(&a, &b);
    for (w, a_allows) in [(result.only_a(), true), (result.only_b(), false)] {
        if let Some(w) = w {
            assert_eq!(cos_policy::evaluate(&a, w.request()).is_allowed(), a_allows);
            assert_eq!(cos_policy::evaluate(&b, w.request()).is_allowed(), !a_allows);
        }
    }
    let summary = summarize(&a);
    let again = compare(&a, summary.policy());
    assert!(!again.is_exact() || again.verdict() == Verdict::Equal);
});
