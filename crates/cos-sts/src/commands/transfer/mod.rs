//! Object commands over `cos-client`: `put`, `get`, `ls`, `rm` ([`objects`]) and the
//! verified parallel transfers `upload` and `download` ([`files`]), of whole directories
//! with `-r`, and `sync` ([`directories`]).
//!
//! Standard output carries data (`get`) or one JSON summary; progress goes to standard error.
//! COS and network errors end with exit status 1, unusable flags or files with 2.

pub(crate) mod connection;
pub(crate) mod directories;
pub(crate) mod files;
pub(crate) mod objects;
pub(crate) mod progress;
pub(crate) mod units;

use crate::commands::outcome::Failure;

/// A `cos-client` error as the command's ending: invalid input is exit 2, the rest exit 1.
pub(crate) fn cos_failure(error: &cos_client::Error) -> Failure {
    match error {
        cos_client::Error::InvalidInput { .. } => Failure::input(error.to_string()),
        _ => Failure::Output(error.to_string()),
    }
}

/// A CRC-64 as COS writes it in `x-cos-hash-crc64ecma`: decimal.
pub(crate) fn crc_text(crc: u64) -> String {
    crc.to_string()
}
