//! Compiling `.proto` files to Rust from a `build.rs`, without protoc.
//!
//! ```no_run
//! // build.rs, in `fn main`:
//! if let Err(e) = grpclite::build::compile_protos(&["proto/hello.proto"], &["proto"]) {
//!     eprintln!("{e}");
//!     std::process::exit(1);
//! }
//! ```
//!
//! ```ignore
//! // src/lib.rs: one module tree per package, `hello::Greeting` for `package hello;`
//! include!(concat!(env!("OUT_DIR"), "/protos.rs"));
//! ```
//!
//! The files and everything they import are parsed and resolved by
//! [`crate::schema`]; the well-known types (`google/protobuf/*.proto`) are
//! built in. The generated code is described in [`crate::schema::codegen`].
//! Cargo is told to run the build script again when any loaded `.proto`
//! file changes.

use std::path::{Path, PathBuf};

use crate::schema::codegen::{self, CodegenOptions};
use crate::schema::{DiskSourceTree, FileId, Pool, SchemaError, SourceTree};

/// The name of the file [`Config::compile`] writes into the output directory.
pub const DEFAULT_OUTPUT_FILE: &str = "protos.rs";

/// Why compiling `.proto` files failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be found, parsed or resolved; displayed like a rustc
    /// diagnostic with the offending line and a caret.
    #[error("{0}")]
    Schema(#[from] SchemaError),
    /// Neither [`Config::out_dir`] was set nor `OUT_DIR` (set by Cargo for build scripts).
    #[error("no output directory: set Config::out_dir or run from a build script (OUT_DIR)")]
    NoOutDir,
    /// The generated code could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file that could not be written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Compiles `protos` into `$OUT_DIR/protos.rs`, and prints the
/// `cargo:rerun-if-changed` lines for every file loaded from disk.
///
/// As with protoc, each file is either a path under one of `includes`
/// (`proto/a.proto` with include `proto`) or an import name relative to one
/// of them (`a.proto`); imports are searched in `includes` in order, then in
/// the built-in well-known types.
pub fn compile_protos(
    protos: &[impl AsRef<str>],
    includes: &[impl AsRef<Path>],
) -> Result<(), Error> {
    Config::new()
        .include_paths(includes.iter().map(|p| p.as_ref().to_path_buf()))
        .compile(protos)
}

/// Settings for code generation, for when [`compile_protos`] is not enough.
#[derive(Clone, Debug)]
pub struct Config {
    out_dir: Option<PathBuf>,
    output_file: String,
    includes: Vec<PathBuf>,
    options: CodegenOptions,
    rustfmt: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            out_dir: None,
            output_file: DEFAULT_OUTPUT_FILE.to_string(),
            includes: Vec::new(),
            options: CodegenOptions::default(),
            rustfmt: true,
        }
    }
}

impl Config {
    /// The defaults: output to `OUT_DIR`, services on, the runtime crate named `::grpclite`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where to write the generated file instead of `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The generated file's name (default [`DEFAULT_OUTPUT_FILE`]).
    pub fn output_file(mut self, name: impl Into<String>) -> Self {
        self.output_file = name.into();
        self
    }

    /// Adds a directory to search for imports, like protoc's `-I`.
    pub fn include_path(mut self, dir: impl Into<PathBuf>) -> Self {
        self.includes.push(dir.into());
        self
    }

    /// Adds several include directories, in order.
    pub fn include_paths(mut self, dirs: impl IntoIterator<Item = PathBuf>) -> Self {
        self.includes.extend(dirs);
        self
    }

    /// Whether to generate service modules (method descriptors and the
    /// server trait); default on.
    pub fn generate_services(mut self, on: bool) -> Self {
        self.options.services = on;
        self
    }

    /// How generated code names this crate (default `::grpclite`; `crate`
    /// inside grpclite itself, or the name a user renamed it to).
    pub fn runtime_crate(mut self, path: impl Into<String>) -> Self {
        self.options.runtime = path.into();
        self
    }

    /// Whether to pass the output through `rustfmt` when it is installed
    /// (default on). The generator's own layout is valid Rust either way;
    /// rustfmt only makes it pleasant to read in `OUT_DIR`.
    pub fn rustfmt(mut self, on: bool) -> Self {
        self.rustfmt = on;
        self
    }

    /// Loads `protos` from the include paths and returns the generated Rust.
    pub fn compile_to_string(&self, protos: &[impl AsRef<str>]) -> Result<String, Error> {
        let tree = DiskSourceTree::new(self.includes.iter().cloned());
        let (pool, files) = self.load(&tree, protos)?;
        Ok(self.generate(&pool, &files))
    }

    /// Generates Rust for `files` of an already loaded pool (and their imports).
    pub fn generate(&self, pool: &Pool, files: &[FileId]) -> String {
        let code = codegen::generate(pool, files, &self.options);
        if self.rustfmt {
            format_with_rustfmt(&code).unwrap_or(code)
        } else {
            code
        }
    }

    /// Compiles `protos` and writes the result to the output directory,
    /// printing `cargo:rerun-if-changed` for each `.proto` file read from disk.
    pub fn compile(&self, protos: &[impl AsRef<str>]) -> Result<(), Error> {
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(Error::NoOutDir)?,
        };
        let tree = DiskSourceTree::new(self.includes.iter().cloned());
        let (pool, files) = self.load(&tree, protos)?;
        for (_, file) in pool.files() {
            if let Some(path) = self.on_disk(&file.name) {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
        let code = self.generate(&pool, &files);
        let path = out_dir.join(&self.output_file);
        std::fs::write(&path, code).map_err(|source| Error::Write { path, source })
    }

    fn load(
        &self,
        tree: &dyn SourceTree,
        protos: &[impl AsRef<str>],
    ) -> Result<(Pool, Vec<FileId>), Error> {
        let mut pool = Pool::new();
        let names: Vec<String> = protos
            .iter()
            .map(|p| self.import_name(p.as_ref()))
            .collect();
        let files = pool.load_all(tree, names.iter().map(String::as_str))?;
        Ok((pool, files))
    }

    /// The import name of a file argument. Like protoc, a file may be given
    /// by its path on disk under an include directory (`proto/a.proto` with
    /// include `proto`), which names the file `a.proto`; anything else is
    /// taken as an import name already.
    fn import_name(&self, proto: &str) -> String {
        let path = Path::new(proto);
        for dir in &self.includes {
            if let Ok(relative) = path.strip_prefix(dir) {
                if !relative.as_os_str().is_empty() && dir.join(relative).is_file() {
                    let parts: Vec<String> = relative
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect();
                    return parts.join("/");
                }
            }
        }
        proto.to_string()
    }

    /// The disk path an import name was read from, if it came from an include directory.
    fn on_disk(&self, name: &str) -> Option<PathBuf> {
        self.includes
            .iter()
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
    }
}

/// Runs `rustfmt --edition 2021` on `code`; `None` if rustfmt is not
/// installed or rejects the input.
fn format_with_rustfmt(code: &str) -> Option<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let rustfmt = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let mut child = Command::new(rustfmt)
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let input = code.to_string();
    // Write from a thread so a large output cannot deadlock against a full pipe.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8(output.stdout).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::MemorySourceTree;

    #[test]
    fn errors_are_rendered_like_rustc_diagnostics() {
        let mut tree = MemorySourceTree::new();
        tree.add(
            "bad.proto",
            "syntax = \"proto3\";\nmessage A { int32 x = ; }\n",
        );
        let err = Config::new()
            .load(&tree, &["bad.proto"])
            .map(|_| ())
            .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("error: "), "{text}");
        assert!(text.contains("--> bad.proto:2:"), "{text}");
        assert!(text.contains("message A { int32 x = ; }"), "{text}");
    }

    #[test]
    fn compile_without_out_dir_says_so() {
        let config = Config::new().include_path("/nonexistent");
        // OUT_DIR is not set for unit tests of the library itself.
        if std::env::var_os("OUT_DIR").is_none() {
            assert!(matches!(config.compile(&["x.proto"]), Err(Error::NoOutDir)));
        }
    }
}
