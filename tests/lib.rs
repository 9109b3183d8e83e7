//! Cross-crate and interop tests for the cos-sts workspace live in `tests/` beside this file.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
