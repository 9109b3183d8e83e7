//! Legacy signature v1 (`HmacSHA1` / `HmacSHA256`) for form-encoded API requests.
