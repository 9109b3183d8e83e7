//! COS signing benchmarks (filled in by the COS signing work).
fn main() {}
