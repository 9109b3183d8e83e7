//! CRC-64/XZ (what COS calls `crc64ecma`), streaming and combinable: `cos-core`'s, the one
//! the client checks against.

pub(crate) use cos_core::crc64::{Crc64, combine};
