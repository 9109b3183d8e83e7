//! Repository invariants checked as part of `cargo xtask ci` (the rust-analyzer "tidy" idea):
//! the crate layering of `docs/ARCHITECTURE.md` (normal and dev-dependencies), every workspace
//! member registered, sans-IO crates free of IO dependencies, the crate-level lint attributes,
//! and every path `docs/ARCHITECTURE.md` names existing.

use std::fs;
use std::path::Path;

/// The library crates in layer order: a crate may depend only on crates listed before it.
const LAYERS: &[&str] = &[
    "cos-core",
    "tc3-signer",
    "cos-policy",
    "cos-http",
    "sts-client",
    "cos-client",
    "cos-object-store",
    "cos-emulator",
    "cos-vending",
    "cos-sts",
];

/// The workspace's one COS and STS fake: any crate below it in [`LAYERS`] may test against it
/// (a dev-dependency pointing up the layering, which cargo allows), so no crate needs a fake
/// of its own.
const TEST_DOUBLES: &[&str] = &["cos-emulator"];

/// Dev-only crates (test infrastructure): `publish = false`, never a normal dependency of any
/// crate, free to be a dev-dependency of every crate, and depending on no workspace crate.
const DEV_ONLY: &[&str] = &["test-servers"];

/// Workspace members outside `crates/` that are tooling, not layered crates.
const TOOLING: &[&str] = &["tests", "xtask"];

/// Dependencies that would give a sans-IO crate IO or a clock.
const IO_CRATES: &[&str] = &["hyper", "hyper-util", "hyper-rustls", "tokio", "rustls"];

/// Crates that must stay sans-IO.
const SANS_IO: &[&str] = &["cos-core", "tc3-signer", "cos-policy"];

/// Normal dependencies that the layering would allow but the design forbids: the two
/// clients share only the foundation (`cos-core`, `cos-http`), never each other.
const FORBIDDEN: &[(&str, &str, &str)] = &[(
    "cos-client",
    "sts-client",
    "the clients share only the foundation (cos-core, cos-http)",
)];

/// Types that exist once in the workspace, and the file that defines them.
const SINGLETONS: &[(&str, &str)] = &[("struct RetryConfig", "crates/cos-http/src/retry.rs")];

/// Code that stands in one file only: `(text, home, what it is)`. The CRC-64 combination is
/// `cos-core`'s; a hand-written calendar (its 400-year era of 146 097 days) has no home at
/// all: dates go through `cos_core::date` and the `time` crate.
const ONLY_IN: &[(&str, Option<&str>, &str)] = &[
    (
        "checksum_combine(",
        Some("crates/cos-core/src/crc64.rs"),
        "the CRC-64 combination",
    ),
    ("146_097", None, "a hand-written calendar"),
    ("146097", None, "a hand-written calendar"),
];

/// The document whose paths must exist.
const ARCHITECTURE: &str = "docs/ARCHITECTURE.md";

/// Checks every invariant, returning all violations at once.
pub(crate) fn check(root: &Path) -> Result<(), String> {
    let mut problems = Vec::new();
    let workspace = read(&root.join("Cargo.toml"))?;
    problems.extend(unregistered_members(&workspace));
    for krate in LAYERS.iter().chain(DEV_ONLY) {
        let dir = root.join("crates").join(krate);
        let manifest = read(&dir.join("Cargo.toml"))?;
        problems.extend(dependency_problems(krate, &manifest));
        let root_file = if dir.join("src/lib.rs").exists() {
            dir.join("src/lib.rs")
        } else {
            dir.join("src/main.rs")
        };
        let source = read(&root_file)?;
        for attribute in ["#![forbid(unsafe_code)]", "#![deny(missing_docs)]"] {
            if !source.contains(attribute) {
                problems.push(format!("{} lacks {attribute}", root_file.display()));
            }
        }
    }
    problems.extend(singleton_problems(root));
    for tool in TOOLING {
        let manifest = read(&root.join(tool).join("Cargo.toml"))?;
        problems.extend(dev_only_as_normal(tool, &manifest));
    }
    let files = repository_paths(root);
    let architecture = read(&root.join(ARCHITECTURE))?;
    for (line, path) in missing_paths(&architecture, &files) {
        problems.push(format!(
            "{ARCHITECTURE}:{line} names `{path}`, which does not exist"
        ));
    }
    if problems.is_empty() {
        eprintln!("xtask: tidy checks passed");
        Ok(())
    } else {
        Err(format!("tidy checks failed:\n  {}", problems.join("\n  ")))
    }
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Which dependency table a dependency is listed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Normal,
    Dev,
    Build,
}

/// The kind of dependency table a `[header]` opens (also `[target.'…'.dependencies]` and the
/// `[dependencies.name]` form, whose name is returned too), or `None` for other tables.
fn table_kind(header: &str) -> Option<(Kind, Option<String>)> {
    let inner = header.trim().strip_prefix('[')?.strip_suffix(']')?.trim();
    let inner = match inner.strip_prefix("target.") {
        // `target.'cfg(unix)'.dependencies`: skip the (possibly dotted, quoted) cfg.
        Some(rest) => match rest.strip_prefix('\'') {
            Some(quoted) => quoted.split_once('\'')?.1.strip_prefix('.')?,
            None => rest.split_once('.')?.1,
        },
        None => inner,
    };
    let (table, name) = match inner.split_once('.') {
        Some((table, name)) => (table, Some(name.trim().trim_matches('"').to_owned())),
        None => (inner, None),
    };
    let kind = match table {
        "dependencies" => Kind::Normal,
        "dev-dependencies" => Kind::Dev,
        "build-dependencies" => Kind::Build,
        _ => return None,
    };
    Some((kind, name))
}

/// Names of the crates in the dependency tables of `kind`.
fn dependencies(manifest: &str, kind: Kind) -> Vec<String> {
    let mut current: Option<Kind> = None;
    let mut names = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            current = None;
            if let Some((table, name)) = table_kind(line) {
                match name {
                    Some(name) if table == kind => names.push(name),
                    Some(_) => {}
                    None => current = Some(table),
                }
            }
            continue;
        }
        if current != Some(kind) || line.starts_with('#') {
            continue;
        }
        if let Some((name, _)) = line.split_once('=') {
            let name = name.trim();
            let name = name.strip_suffix(".workspace").unwrap_or(name).trim();
            let name = name.trim_matches('"');
            if !name.is_empty() {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// Violations of the layering by `krate`'s normal, build and dev-dependencies.
fn dependency_problems(krate: &str, manifest: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let normal: Vec<String> = [Kind::Normal, Kind::Build]
        .into_iter()
        .flat_map(|kind| dependencies(manifest, kind))
        .collect();
    let dev = dependencies(manifest, Kind::Dev);
    if DEV_ONLY.contains(&krate) {
        if !manifest.lines().any(|l| l.trim() == "publish = false") {
            problems.push(format!("{krate} is dev-only but lacks `publish = false`"));
        }
        for other in normal.iter().chain(&dev) {
            if LAYERS.contains(&other.as_str()) || DEV_ONLY.contains(&other.as_str()) {
                problems.push(format!(
                    "{krate} is dev-only and must not depend on the workspace crate {other}"
                ));
            }
        }
        return problems;
    }
    let position = LAYERS.iter().position(|k| *k == krate);
    let below = |other: &str| {
        let other_position = LAYERS.iter().position(|k| *k == other);
        matches!((position, other_position), (Some(me), Some(it)) if it < me)
    };
    for other in &normal {
        if LAYERS.contains(&other.as_str()) && !below(other) {
            problems.push(format!(
                "{krate} depends on {other}, which is not below it in the layering"
            ));
        }
    }
    problems.extend(dev_only_as_normal(krate, manifest));
    for other in &dev {
        let allowed = below(other)
            || DEV_ONLY.contains(&other.as_str())
            || (TEST_DOUBLES.contains(&other.as_str()) && other != krate);
        if LAYERS.contains(&other.as_str()) && !allowed {
            problems.push(format!(
                "{krate} has a dev-dependency on {other}, which is neither below it in the \
                 layering nor a test double ({})",
                TEST_DOUBLES.join(", ")
            ));
        }
    }
    for (from, to, why) in FORBIDDEN {
        if krate == *from && normal.iter().any(|d| d == to) {
            problems.push(format!("{krate} must not depend on {to}: {why}"));
        }
    }
    if SANS_IO.contains(&krate) {
        for io in IO_CRATES {
            if normal.iter().any(|d| d == io) {
                problems.push(format!("{krate} must stay sans-IO but depends on {io}"));
            }
        }
    }
    problems
}

/// Definitions of a [`SINGLETONS`] type anywhere but its one file, among the Rust sources
/// of `crates/` (tests and examples included).
fn singleton_problems(root: &Path) -> Vec<String> {
    let sources: Vec<(String, String)> = repository_paths(root)
        .into_iter()
        .filter(|path| path.starts_with("crates/") && path.ends_with(".rs"))
        .filter_map(|path| Some((fs::read_to_string(root.join(&path)).ok()?, path)))
        .map(|(text, path)| (path, text))
        .collect();
    let mut problems = singletons_in(&sources);
    problems.extend(only_in(&sources));
    problems
}

/// The [`ONLY_IN`] check over `(path, source)` pairs.
fn only_in(sources: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (text, home, what) in ONLY_IN {
        for (path, source) in sources {
            if Some(path.as_str()) != *home && source.contains(text) {
                problems.push(match home {
                    Some(home) => format!("{path} has {what} (`{text}`); the one is in {home}"),
                    None => format!("{path} has {what} (`{text}`); use cos_core::date"),
                });
            }
        }
    }
    problems
}

/// The [`SINGLETONS`] check over `(path, source)` pairs.
fn singletons_in(sources: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (item, home) in SINGLETONS {
        let mut found = false;
        for (path, text) in sources {
            let defines = text.lines().any(|line| {
                let line = line.trim_start();
                let line = line.strip_prefix("pub ").unwrap_or(line);
                let line = line.strip_prefix("pub(crate) ").unwrap_or(line);
                line.strip_prefix(item)
                    .is_some_and(|rest| rest.starts_with([' ', '{', '<', '(', ';']))
            });
            if !defines {
                continue;
            }
            if path == home {
                found = true;
            } else {
                problems.push(format!(
                    "{path} defines a second `{item}`; the one is in {home}"
                ));
            }
        }
        if !found {
            problems.push(format!("{home} no longer defines `{item}`"));
        }
    }
    problems
}

/// A dev-only crate used as a normal or build dependency.
fn dev_only_as_normal(krate: &str, manifest: &str) -> Vec<String> {
    [Kind::Normal, Kind::Build]
        .into_iter()
        .flat_map(|kind| dependencies(manifest, kind))
        .filter(|d| DEV_ONLY.contains(&d.as_str()))
        .map(|d| format!("{krate} depends on the dev-only crate {d} outside [dev-dependencies]"))
        .collect()
}

/// Workspace members (from the root manifest's `members`) that are in no list of this file.
fn unregistered_members(workspace: &str) -> Vec<String> {
    let Some(start) = workspace.find("members") else {
        return vec!["the workspace manifest lists no members".into()];
    };
    let list = workspace
        .get(start..)
        .and_then(|rest| rest.split_once('['))
        .and_then(|(_, rest)| rest.split_once(']'))
        .map_or("", |(list, _)| list);
    list.split(',')
        .map(|m| m.trim().trim_matches('"'))
        .filter(|m| !m.is_empty())
        .filter(|member| {
            let name = member.strip_prefix("crates/").unwrap_or(member);
            !(LAYERS.contains(&name) || DEV_ONLY.contains(&name) || TOOLING.contains(&name))
        })
        .map(|member| {
            format!(
                "workspace member {member} is not registered in xtask/src/tidy.rs (LAYERS, \
                 DEV_ONLY or TOOLING)"
            )
        })
        .collect()
}

/// Every file and directory of the repository, relative to `root` with `/` separators
/// (directories without a trailing slash), skipping build output, VCS data and packages.
fn repository_paths(root: &Path) -> Vec<String> {
    const SKIPPED: &[&str] = &["target", ".git", "node_modules", ".venv", "__pycache__"];
    let mut paths = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if SKIPPED.contains(&name.as_str()) {
                continue;
            }
            if let Ok(relative) = path.strip_prefix(root) {
                let parts: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                paths.push(parts.join("/"));
            }
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                pending.push(path);
            }
        }
    }
    paths
}

/// Top-level directories: a path starting with one of them is relative to the repository root.
const TOP_LEVEL: &[&str] = &[
    "crates/",
    "docs/",
    "tests/",
    "xtask/",
    "fuzz/",
    "packaging/",
    ".github/",
];

/// File extensions that make a backticked word a path even without a `/`.
const EXTENSIONS: &[&str] = &[
    ".rs", ".md", ".toml", ".json", ".py", ".js", ".mjs", ".html", ".txt", ".yml", ".sh",
];

/// The backticked paths of a Markdown document that resolve to nothing in `files`, as
/// `(line number, path)`.
///
/// A backticked word is a path when it contains no space or pattern character (`*`, `<`,
/// `:`, `=`, `{`, `(`…), does not start with `/` (an HTTP route) and either contains a `/` or ends in a known file extension. A path
/// starting with a top-level directory (`crates/`, `docs/`, `tests/`…) must exist from the
/// repository root. Any other path is relative to the section it is named in: a `###`
/// heading that is itself a backticked directory (`### \`crates/cos-client\``) sets the
/// section's base, and the path must be the end of some path under that base (so
/// `` `transfer/` `` and `` `part_body.rs` `` both find `crates/cos-client/src/transfer/…`).
/// Fenced code blocks are skipped.
fn missing_paths(document: &str, files: &[String]) -> Vec<(usize, String)> {
    let mut missing = Vec::new();
    let mut base = String::new();
    let mut in_fence = false;
    for (index, line) in document.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        if let Some(heading) = trimmed.strip_prefix('#') {
            let level = 1 + heading.chars().take_while(|c| *c == '#').count();
            let title = heading.trim_start_matches('#').trim();
            base = match backticked(title).next() {
                Some(dir) if level >= 3 && is_path(dir) => dir.trim_end_matches('/').to_owned(),
                _ => String::new(),
            };
        }
        for word in backticked(line) {
            if is_path(word) && !resolves(&base, word, files) {
                missing.push((index + 1, word.to_owned()));
            }
        }
    }
    missing
}

/// The backticked spans of a line.
fn backticked(line: &str) -> impl Iterator<Item = &str> {
    line.split('`').skip(1).step_by(2)
}

fn is_path(word: &str) -> bool {
    const NOT_IN_PATHS: &[char] = &[
        ' ', '*', '<', '>', ':', '=', '{', '}', '(', ')', '[', ']', '&', '?', '\'', '"', '$', '|',
        ',', ';', '\\', '@',
    ];
    !word.is_empty()
        && !word.contains(NOT_IN_PATHS)
        && !word.contains("//")
        && !word.starts_with('-')
        // `/healthz`, `/sts`: routes of a server, not files.
        && !word.starts_with('/')
        && (word.contains('/') || EXTENSIONS.iter().any(|e| word.ends_with(e)))
}

fn resolves(base: &str, word: &str, files: &[String]) -> bool {
    let word = word.trim_start_matches("./").trim_end_matches('/');
    let from_root = base.is_empty()
        || TOP_LEVEL
            .iter()
            .any(|top| word.starts_with(top) || word == top.trim_end_matches('/'));
    if from_root && files.iter().any(|f| f == word) {
        return true;
    }
    if base.is_empty() {
        return false;
    }
    // Inside a section, relative to its base first (`tests/` of a crate is the crate's).
    let prefix = format!("{base}/");
    let suffix = format!("/{word}");
    files
        .iter()
        .filter_map(|f| f.strip_prefix(prefix.as_str()))
        .any(|rest| rest == word || rest.ends_with(suffix.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_dependency_table() {
        let manifest = "[package]\nname = \"x\"\n[dependencies]\nhmac.workspace = true\n\
                        tokio = { version = \"1\" }\n# comment = 1\n[dev-dependencies]\n\
                        hyper = \"1\"\n[target.'cfg(unix)'.dev-dependencies]\nlibc = \"0.2\"\n\
                        [dependencies.serde]\nversion = \"1\"\n[build-dependencies]\ncc = \"1\"\n\
                        [features]\ndefault = []\n";
        assert_eq!(
            dependencies(manifest, Kind::Normal),
            vec!["hmac", "tokio", "serde"]
        );
        assert_eq!(dependencies(manifest, Kind::Dev), vec!["hyper", "libc"]);
        assert_eq!(dependencies(manifest, Kind::Build), vec!["cc"]);
    }

    #[test]
    fn layering_covers_dev_dependencies() {
        // Down the layering, the emulator (the one fake) and the dev-only crate: allowed.
        let fine = "[dependencies]\ntc3-signer.workspace = true\n[dev-dependencies]\n\
                    cos-emulator.workspace = true\ntest-servers.workspace = true\n\
                    sts-client.workspace = true\n";
        assert_eq!(
            dependency_problems("cos-client", fine),
            Vec::<String>::new()
        );
        // Up the layering to a crate that is not a test double: refused.
        let up = "[dev-dependencies]\ncos-sts = { path = \"../cos-sts\" }\n";
        let problems = dependency_problems("cos-client", up);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("dev-dependency on cos-sts"));
        // A normal dependency up the layering and a dev-only crate as a normal dependency.
        let wrong =
            "[dependencies]\ncos-emulator.workspace = true\ntest-servers.workspace = true\n";
        let problems = dependency_problems("cos-client", wrong);
        assert_eq!(problems.len(), 2, "{problems:?}");
        // The emulator testing against itself is not a dev-dependency cycle we accept.
        let own = "[dev-dependencies]\ncos-emulator.workspace = true\n";
        assert_eq!(dependency_problems("cos-emulator", own).len(), 1);
        // Sans-IO crates stay sans-IO.
        let io = "[dependencies]\ntokio.workspace = true\n";
        assert_eq!(dependency_problems("cos-policy", io).len(), 1);
    }

    #[test]
    fn the_clients_do_not_depend_on_each_other() {
        let coupled = "[dependencies]\ncos-core.workspace = true\nsts-client.workspace = true\n";
        let problems = dependency_problems("cos-client", coupled);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("must not depend on sts-client"));
        // As a dev-dependency (refreshing providers in tests and examples) it is fine.
        let dev = "[dependencies]\ncos-http.workspace = true\n[dev-dependencies]\n\
                   sts-client.workspace = true\n";
        assert!(dependency_problems("cos-client", dev).is_empty());
    }

    #[test]
    fn one_retry_config() {
        let home = (
            "crates/cos-http/src/retry.rs".to_owned(),
            "pub struct RetryConfig {\n".to_owned(),
        );
        let second = (
            "crates/cos-client/src/retry.rs".to_owned(),
            "/// x\npub struct RetryConfig {\n".to_owned(),
        );
        let mention = (
            "crates/sts-client/src/lib.rs".to_owned(),
            "pub use cos_http::RetryConfig;\n// struct RetryConfigs\n".to_owned(),
        );
        assert!(singletons_in(&[home.clone(), mention.clone()]).is_empty());
        let problems = singletons_in(&[home, second, mention.clone()]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("crates/cos-client/src/retry.rs"));
        assert_eq!(singletons_in(&[mention]).len(), 1);
    }

    #[test]
    fn one_crc_combine_and_no_hand_calendar() {
        let home = (
            "crates/cos-core/src/crc64.rs".to_owned(),
            "crc_fast::checksum_combine(a, b)".to_owned(),
        );
        assert!(only_in(std::slice::from_ref(&home)).is_empty());
        let copy = (
            "crates/cos-emulator/src/crc64.rs".to_owned(),
            "crc_fast::checksum_combine(a, b)".to_owned(),
        );
        let calendar = (
            "crates/tc3-signer/src/tc3/date.rs".to_owned(),
            "let era = z / 146_097;".to_owned(),
        );
        let problems = only_in(&[home, copy, calendar]);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[1].contains("hand-written calendar"));
    }

    #[test]
    fn dev_only_crates_are_unpublished_leaves() {
        let good = "[package]\nname = \"test-servers\"\npublish = false\n[dependencies]\n\
                    hyper.workspace = true\n";
        assert!(dependency_problems("test-servers", good).is_empty());
        let bad = "[package]\nname = \"test-servers\"\n[dependencies]\n\
                   cos-client.workspace = true\n";
        let problems = dependency_problems("test-servers", bad);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn every_member_must_be_registered() {
        let workspace = "[workspace]\nresolver = \"3\"\nmembers = [\n    \"crates/tc3-signer\",\n    \
                         \"crates/test-servers\",\n    \"crates/new-crate\",\n    \"tests\",\n    \
                         \"xtask\",\n]\ndefault-members = [\"crates/other\"]\n";
        let problems = unregistered_members(workspace);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("crates/new-crate"));
    }

    fn files() -> Vec<String> {
        [
            "crates",
            "crates/cos-client",
            "crates/cos-client/src",
            "crates/cos-client/src/transfer",
            "crates/cos-client/src/transfer/part_body.rs",
            "crates/cos-client/src/client.rs",
            "crates/cos-client/tests",
            "crates/cos-client/tests/driver.rs",
            "docs",
            "docs/benchmarks.md",
            "xtask",
            "xtask/src",
            "xtask/src/tidy.rs",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn architecture_paths_resolve_from_their_section() {
        let doc = "# Architecture\n\nSee `xtask/src/tidy.rs` and `docs/benchmarks.md`.\n\
                   Not paths: `name/cos:*`, `users/alice/*`, `prefix//`, `x-cos-acl`, `Client`,\n\
                   `q-sign-algorithm=sha1`, `cargo xtask ci`, `<bucket>/<key>`.\n\
                   ```text\ncrates/nowhere/\n```\n\
                   ### `crates/cos-client`\n\n\
                   * `client.rs`, `transfer/`: `part_body.rs`; `tests/driver.rs`.\n\
                   * `src/transfer/part_body.rs`.\n";
        assert_eq!(missing_paths(doc, &files()), Vec::<(usize, String)>::new());
    }

    #[test]
    fn a_missing_architecture_path_is_reported_with_its_line() {
        let doc = "# A\n`crates/cos-client/src/mini_cos.rs`\n### `crates/cos-client`\n\
                   * `mock_server.rs` and `ops/`.\n## Cross-cutting\n`client.rs` at the root.\n";
        assert_eq!(
            missing_paths(doc, &files()),
            vec![
                (2, "crates/cos-client/src/mini_cos.rs".to_owned()),
                (4, "mock_server.rs".to_owned()),
                (4, "ops/".to_owned()),
                (6, "client.rs".to_owned()),
            ]
        );
    }

    #[test]
    fn a_section_base_that_does_not_exist_is_itself_reported() {
        let doc = "### `crates/gone`\n\n* `lib.rs`\n";
        let missing = missing_paths(doc, &files());
        assert_eq!(
            missing,
            vec![(1, "crates/gone".to_owned()), (3, "lib.rs".to_owned())]
        );
    }
}
