//! COS XML request signature (`q-sign-algorithm=sha1`): Authorization header, presigned URL, verification.
