//! Helpers shared by the vector tests: loading an array of a vector file, reading strings.
#![allow(dead_code)]

use serde_json::Value;

/// The array under `key` in `tests/vectors/<file>`.
pub(crate) fn vector_array(file: &str, key: &str) -> Vec<Value> {
    let path = format!("{}/tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let parsed: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    parsed[key]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: `{key}` is not an array"))
        .clone()
}

/// The string `value` holds, or `""` if it is not a string.
pub(crate) fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}
