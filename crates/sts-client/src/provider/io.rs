//! The environment and the filesystem as providers see them, injectable for tests.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Read access to environment variables.
///
/// ```
/// use sts_client::provider::{Env, MapEnv};
/// let env = MapEnv::new([("A", "1")]);
/// assert_eq!(env.var("A").as_deref(), Some("1"));
/// assert_eq!(env.var("B"), None);
/// ```
pub trait Env: Send + Sync + std::fmt::Debug {
    /// The value of `name`, or `None` when it is unset or not valid Unicode.
    fn var(&self, name: &str) -> Option<String>;

    /// Like [`Env::var`], but an empty or all-blank value counts as unset.
    fn non_empty(&self, name: &str) -> Option<String> {
        self.var(name).filter(|value| !value.trim().is_empty())
    }
}

/// The real process environment.
///
/// ```
/// use sts_client::provider::{Env, ProcessEnv};
/// assert_eq!(ProcessEnv.var("STS_CLIENT_SURELY_UNSET_VARIABLE"), None);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// A fixed set of variables, for tests. `Debug` shows only the variable names.
///
/// ```
/// use sts_client::provider::{Env, MapEnv};
/// let env = MapEnv::new([("TENCENTCLOUD_SECRET_KEY", "hidden")]);
/// assert!(!format!("{env:?}").contains("hidden"));
/// ```
#[derive(Clone, Default)]
pub struct MapEnv(HashMap<String, String>);

impl MapEnv {
    /// Builds the environment from name/value pairs.
    ///
    /// ```
    /// let env = sts_client::provider::MapEnv::new([("X", "y")]);
    /// # let _ = env;
    /// ```
    pub fn new<K: Into<String>, V: Into<String>>(vars: impl IntoIterator<Item = (K, V)>) -> Self {
        Self(
            vars.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl std::fmt::Debug for MapEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.0.keys().collect();
        names.sort();
        f.debug_tuple("MapEnv").field(&names).finish()
    }
}

impl Env for MapEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}

/// Read access to files.
///
/// ```
/// use std::path::Path;
/// use sts_client::provider::{Fs, MapFs};
/// let fs = MapFs::new([("/a", "hello")]);
/// assert_eq!(fs.read_to_string(Path::new("/a")).unwrap(), "hello");
/// assert!(fs.read_to_string(Path::new("/b")).is_err());
/// ```
pub trait Fs: Send + Sync + std::fmt::Debug {
    /// Reads a whole (small) file as UTF-8.
    fn read_to_string(&self, path: &Path) -> std::io::Result<String>;
}

/// The real filesystem.
///
/// ```
/// use sts_client::provider::{Fs, RealFs};
/// assert!(RealFs.read_to_string(std::path::Path::new("/surely/not/here")).is_err());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct RealFs;

impl Fs for RealFs {
    fn read_to_string(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
}

/// An in-memory filesystem for tests; files can be replaced while it is shared.
/// `Debug` shows only the paths.
///
/// ```
/// use std::path::Path;
/// use sts_client::provider::{Fs, MapFs};
/// let fs = MapFs::new([("/t", "one")]);
/// fs.insert("/t", "two");
/// assert_eq!(fs.read_to_string(Path::new("/t")).unwrap(), "two");
/// ```
#[derive(Clone, Default)]
pub struct MapFs(std::sync::Arc<std::sync::RwLock<HashMap<PathBuf, String>>>);

impl MapFs {
    /// Builds the filesystem from path/content pairs.
    ///
    /// ```
    /// let fs = sts_client::provider::MapFs::new([("/x", "y")]);
    /// # let _ = fs;
    /// ```
    pub fn new<P: Into<PathBuf>, C: Into<String>>(files: impl IntoIterator<Item = (P, C)>) -> Self {
        Self(std::sync::Arc::new(std::sync::RwLock::new(
            files
                .into_iter()
                .map(|(p, c)| (p.into(), c.into()))
                .collect(),
        )))
    }

    /// Creates or replaces a file.
    ///
    /// ```
    /// let fs = sts_client::provider::MapFs::default();
    /// fs.insert("/new", "content");
    /// ```
    pub fn insert(&self, path: impl Into<PathBuf>, content: impl Into<String>) {
        if let Ok(mut files) = self.0.write() {
            files.insert(path.into(), content.into());
        }
    }
}

impl std::fmt::Debug for MapFs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let paths: Vec<PathBuf> = self
            .0
            .read()
            .map(|files| files.keys().cloned().collect())
            .unwrap_or_default();
        f.debug_tuple("MapFs").field(&paths).finish()
    }
}

impl Fs for MapFs {
    fn read_to_string(&self, path: &Path) -> std::io::Result<String> {
        self.0
            .read()
            .ok()
            .and_then(|files| files.get(path).cloned())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    }
}
