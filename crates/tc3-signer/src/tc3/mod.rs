//! `TC3-HMAC-SHA256` signing and verification for Tencent Cloud API 3.0.
