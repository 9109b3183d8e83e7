//! Every COS XML response parser of `cos-client` on arbitrary bytes: never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cos_client::fuzzing::parse_responses(data);
});
