//! Local STS + COS emulator that verifies signatures and enforces policies (not implemented yet; see the open issue).
//!
//! This crate is a placeholder in the workspace layout: it exports nothing yet.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
