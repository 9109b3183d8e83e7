//! The CAM policy language for COS as typed data: build, validate, lint and evaluate.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
