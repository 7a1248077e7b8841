//! Where `.proto` text comes from: a [`SourceTree`] maps an import name such
//! as `"google/protobuf/timestamp.proto"` to the file's text.
//!
//! The parser and the pool never open files themselves; a caller picks a
//! tree: [`DiskSourceTree`] (include directories, like protoc's `-I`),
//! [`MemorySourceTree`] (tests, embedded schemas), or both. Every tree falls
//! back to the built-in well-known types.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::well_known;

/// The largest file a [`DiskSourceTree`] reads, in bytes (the parser's own limit).
pub const MAX_FILE_LEN: u64 = super::parser::MAX_SOURCE_LEN as u64;

/// Finds the text of a `.proto` file by the name it is imported by.
pub trait SourceTree {
    /// The file's text, or an explanation of why it cannot be read (for example
    /// "not found in include paths a, b").
    fn open(&self, name: &str) -> Result<String, String>;
}

/// Files held in memory, keyed by import name; the well-known types are
/// included unless a file of the same name is added.
#[derive(Clone, Debug, Default)]
pub struct MemorySourceTree {
    files: HashMap<String, String>,
}

impl MemorySourceTree {
    /// An empty tree (still serving the well-known types).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) file `name`.
    pub fn add(&mut self, name: impl Into<String>, source: impl Into<String>) -> &mut Self {
        self.files.insert(name.into(), source.into());
        self
    }
}

impl SourceTree for MemorySourceTree {
    fn open(&self, name: &str) -> Result<String, String> {
        if let Some(s) = self.files.get(name) {
            return Ok(s.clone());
        }
        well_known::source(name)
            .map(str::to_string)
            .ok_or_else(|| "not found among the files given in memory".to_string())
    }
}

/// Files on disk under include directories, searched in order like protoc's
/// `-I` paths; the well-known types are used when no directory has the file.
#[derive(Clone, Debug, Default)]
pub struct DiskSourceTree {
    include_dirs: Vec<PathBuf>,
}

impl DiskSourceTree {
    /// A tree searching `include_dirs` in order.
    pub fn new<P: Into<PathBuf>>(include_dirs: impl IntoIterator<Item = P>) -> Self {
        DiskSourceTree {
            include_dirs: include_dirs.into_iter().map(Into::into).collect(),
        }
    }
}

/// Import names are relative paths made of plain components: no `..`, no
/// absolute paths, no backslashes (protoc rejects these as well).
fn is_canonical_import(name: &str) -> bool {
    !name.is_empty()
        && !name.contains('\\')
        && Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

impl SourceTree for DiskSourceTree {
    fn open(&self, name: &str) -> Result<String, String> {
        if !is_canonical_import(name) {
            return Err(
                "import names must be relative paths without `.` or `..` parts".to_string(),
            );
        }
        for dir in &self.include_dirs {
            let path = dir.join(name);
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            if meta.len() > MAX_FILE_LEN {
                return Err(format!(
                    "{} is {} bytes, more than the limit of {MAX_FILE_LEN} (MAX_FILE_LEN)",
                    path.display(),
                    meta.len()
                ));
            }
            return std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()));
        }
        if let Some(s) = well_known::source(name) {
            return Ok(s.to_string());
        }
        let dirs: Vec<String> = self
            .include_dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        Err(format!("not found in include paths [{}]", dirs.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_tree_serves_files_and_well_known_types() {
        let mut t = MemorySourceTree::new();
        t.add("a.proto", "syntax = \"proto3\";");
        assert_eq!(t.open("a.proto").unwrap(), "syntax = \"proto3\";");
        assert!(t
            .open("google/protobuf/empty.proto")
            .unwrap()
            .contains("message Empty"));
        assert!(t.open("b.proto").is_err());
    }

    #[test]
    fn disk_tree_searches_include_dirs_in_order() {
        let base = std::env::temp_dir().join(format!("grpclite-tree-{}", std::process::id()));
        let (first, second) = (base.join("first"), base.join("second"));
        std::fs::create_dir_all(first.join("pkg")).unwrap();
        std::fs::create_dir_all(second.join("pkg")).unwrap();
        std::fs::write(first.join("pkg/a.proto"), "first").unwrap();
        std::fs::write(second.join("pkg/a.proto"), "second").unwrap();
        std::fs::write(second.join("pkg/b.proto"), "only second").unwrap();
        let t = DiskSourceTree::new([first.clone(), second.clone()]);
        assert_eq!(t.open("pkg/a.proto").unwrap(), "first");
        assert_eq!(t.open("pkg/b.proto").unwrap(), "only second");
        let missing = t.open("pkg/c.proto").unwrap_err();
        assert!(
            missing.starts_with("not found in include paths ["),
            "{missing}"
        );
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn disk_tree_rejects_escaping_names() {
        let t = DiskSourceTree::new(["."]);
        assert!(t
            .open("../etc/passwd")
            .unwrap_err()
            .contains("relative paths"));
        assert!(t
            .open("/etc/passwd")
            .unwrap_err()
            .contains("relative paths"));
        assert!(t
            .open("google/protobuf/any.proto")
            .unwrap()
            .contains("message Any"));
    }
}
