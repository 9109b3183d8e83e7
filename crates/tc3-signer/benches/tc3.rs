//! TC3 and v1 signing benchmarks (filled in by the TC3 work).
fn main() {}
