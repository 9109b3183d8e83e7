//! Every parser of `cos-vending` (configuration, `Scope` bodies, JWT headers, client IPs) and
//! `sts-client`'s vending-answer parser on arbitrary bytes: never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cos_vending::fuzzing::parse_inputs(data);
});
