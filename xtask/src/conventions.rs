//! API conventions checked by `cargo xtask ci` beside the tidy checks.
//!
//! One way to name a bucket location: a public function never takes a bucket and a region as
//! two strings (which callers can swap silently); it takes a `cos_core::Bucket` (or the typed
//! `BucketName` and `Region`).

use std::fs;
use std::path::Path;

/// Types that carry a bucket or region as unchecked text.
const TEXT_TYPES: &[&str] = &[
    "&str",
    "&'_ str",
    "String",
    "&String",
    "impl Into<String>",
    "impl AsRef<str>",
    "Option<&str>",
    "Option<String>",
];

/// Checks every library source file of `crates/`, returning all violations at once.
pub(crate) fn check(root: &Path) -> Result<(), String> {
    let mut problems = Vec::new();
    let crates = root.join("crates");
    let entries = fs::read_dir(&crates).map_err(|e| format!("cannot list crates/: {e}"))?;
    for entry in entries.flatten() {
        visit(&entry.path().join("src"), root, &mut problems)?;
    }
    problems.sort();
    if problems.is_empty() {
        eprintln!("xtask: API conventions hold");
        Ok(())
    } else {
        Err(format!(
            "API convention broken (take a `&cos_core::Bucket`, not a bucket and a region as text):\n  {}",
            problems.join("\n  ")
        ))
    }
}

fn visit(dir: &Path, root: &Path, problems: &mut Vec<String>) -> Result<(), String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            visit(&path, root, problems)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            let source = fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let shown = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            problems.extend(
                bucket_and_region_as_text(&source)
                    .into_iter()
                    .map(|name| format!("{shown}: pub fn {name}")),
            );
        }
    }
    Ok(())
}

/// The names of the public functions in `source` that take both a bucket and a region, one
/// of them as text.
fn bucket_and_region_as_text(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("pub fn ") {
        let after = rest.get(at + "pub fn ".len()..).unwrap_or_default();
        rest = after;
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let Some(params) = parameters(after) else {
            continue;
        };
        let text_param = |wanted: &str| {
            params.iter().any(|(param, ty)| {
                param.contains(wanted) && TEXT_TYPES.iter().any(|text| ty == text)
            })
        };
        let named = |wanted: &str| params.iter().any(|(param, _)| param.contains(wanted));
        if named("bucket") && named("region") && (text_param("bucket") || text_param("region")) {
            found.push(name);
        }
    }
    found
}

/// The `(name, type)` pairs of the parameter list that follows the function name and its
/// generics in `signature`, whitespace-normalised.
fn parameters(signature: &str) -> Option<Vec<(String, String)>> {
    let name_end = signature
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(signature.len());
    let mut chars = signature.get(name_end..)?.chars().peekable();
    // Skip the generics, if any (`->` inside them closes nothing).
    let mut depth = 0usize;
    let mut prev = ' ';
    for c in chars.by_ref() {
        match c {
            '<' => depth += 1,
            '>' if prev != '-' => depth = depth.saturating_sub(1),
            '(' if depth == 0 => break,
            _ => {}
        }
        prev = c;
    }
    let mut current = String::new();
    let mut params = Vec::new();
    prev = ' ';
    for c in chars {
        let was = std::mem::replace(&mut prev, c);
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' if depth == 0 => {
                params.push(current);
                return Some(params.iter().filter_map(|p| split_param(p)).collect());
            }
            '>' if was == '-' => {}
            ')' | '>' | ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                params.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    None
}

fn split_param(param: &str) -> Option<(String, String)> {
    let (name, ty) = param.split_once(':')?;
    let normalise = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    Some((normalise(name), normalise(ty)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_a_bucket_and_a_region_as_text() {
        let old = "impl X {\n    pub fn object(region: &str, bucket: &str, key: &str) -> Self {}\n\
                   pub fn new(\n        bucket: impl Into<String>,\n        region: impl Into<String>,\n    ) -> Self {}\n\
                   pub fn fine(bucket: &Bucket, key: &str) {}\n\
                   pub fn typed(name: BucketName, region: Region) {}\n\
                   pub fn map<F: Fn(&str) -> bool>(f: F, bucket_name: String, region: Option<&str>) {}\n}";
        assert_eq!(bucket_and_region_as_text(old), ["object", "new", "map"]);
    }

    #[test]
    fn the_workspace_keeps_the_convention() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap_or_else(|| Path::new("."));
        assert_eq!(check(root), Ok(()));
    }
}
