//! Reading files: decoding, parsing (JSON/YAML/HCL), classification by content, embedded JSON.

pub mod cache;
mod codec;
pub mod hcl;
pub mod json;
pub mod rendered;
pub mod yaml;

use std::path::{Path, PathBuf};

use crate::classify::{classify, Classified};
use crate::doc::{Embedded, Node, Value};
use crate::source::{Encoding, FileKind, Span};

/// Bounds that keep hostile input from exhausting time or memory. No real manifest reaches them.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest file read, in bytes.
    pub max_file_bytes: u64,
    /// Deepest nesting of collections.
    pub max_depth: usize,
    /// Most nodes that alias expansion may add to one YAML file.
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 128 * 1024 * 1024,
            max_depth: 256,
            max_alias_nodes: 1_000_000,
        }
    }
}

/// Why a file could not be loaded. `span` is set when the problem has a place in the text.
#[derive(Debug, Clone)]
pub struct InputError {
    pub path: PathBuf,
    pub message: String,
    /// Decoded text, kept so the error can be shown with its line (absent for binary/unreadable).
    pub text: Option<String>,
    pub span: Option<Span>,
}

/// The outcome of loading one path.
#[derive(Debug)]
pub enum Loaded {
    File {
        path: PathBuf,
        text: String,
        encoding: Encoding,
        kind: FileKind,
        docs: Vec<Node>,
    },
    /// Not an input cutover understands (shown with `-v`), or deliberately skipped with a note.
    Skipped {
        path: PathBuf,
        reason: String,
        note: bool,
    },
    Error(InputError),
}

/// Decode bytes: UTF-8 (BOM optional) or UTF-16 LE/BE with a BOM.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), String> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return std::str::from_utf8(rest)
            .map(|s| (s.to_string(), Encoding::Utf8Bom))
            .map_err(|e| utf8_error(rest, e));
    }
    for (bom, enc) in [
        ([0xFF, 0xFE], Encoding::Utf16Le),
        ([0xFE, 0xFF], Encoding::Utf16Be),
    ] {
        if let Some(rest) = bytes.strip_prefix(&bom) {
            if rest.len() % 2 != 0 {
                return Err("UTF-16 text with an odd number of bytes".into());
            }
            let units = rest.chunks_exact(2).map(|c| match enc {
                Encoding::Utf16Le => u16::from_le_bytes([c[0], c[1]]),
                _ => u16::from_be_bytes([c[0], c[1]]),
            });
            return char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .map(|s| (s, enc))
                .map_err(|e| {
                    format!(
                        "invalid UTF-16: unpaired surrogate {:#06x}",
                        e.unpaired_surrogate()
                    )
                });
        }
    }
    if bytes.contains(&0) {
        return Err("binary file (contains NUL bytes); not a text manifest".into());
    }
    std::str::from_utf8(bytes)
        .map(|s| (s.to_string(), Encoding::Utf8))
        .map_err(|e| utf8_error(bytes, e))
}

/// [`decode`] for bytes the caller owns: UTF-8 is validated in place, without a copy, so a large
/// file is never held twice.
pub fn decode_owned(mut bytes: Vec<u8>) -> Result<(String, Encoding), String> {
    let utf8_bom = bytes.starts_with(&[0xEF, 0xBB, 0xBF]);
    if !utf8_bom && (bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF])) {
        return decode(&bytes);
    }
    if utf8_bom {
        bytes.drain(..3);
    } else if bytes.contains(&0) {
        return Err("binary file (contains NUL bytes); not a text manifest".into());
    }
    let encoding = if utf8_bom {
        Encoding::Utf8Bom
    } else {
        Encoding::Utf8
    };
    String::from_utf8(bytes)
        .map(|s| (s, encoding))
        .map_err(|e| utf8_error(e.as_bytes(), e.utf8_error()))
}

fn utf8_error(bytes: &[u8], e: std::str::Utf8Error) -> String {
    let at = e.valid_up_to();
    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    format!("not valid UTF-8 (invalid byte at offset {at}, line {line}); only UTF-8 and UTF-16 with a BOM are read")
}

/// Which parser to use for a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Yaml,
    /// Terraform's native syntax: `.tf` configuration and `.tfvars` variable files.
    Hcl,
}

/// True for Terraform variable files: `*.tfvars` (HCL) and `*.tfvars.json`.
pub fn is_tfvars(path: &Path) -> bool {
    let name = lower_name(path);
    name.ends_with(".tfvars") || name.ends_with(".tfvars.json")
}

fn lower_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

pub fn syntax_for(path: &Path, text: &str) -> Option<Syntax> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".json") {
        Some(Syntax::Json)
    } else if name.ends_with(".tf") || name.ends_with(".tfvars") {
        Some(Syntax::Hcl)
    } else if name.ends_with(".yaml") || name.ends_with(".yml") {
        Some(Syntax::Yaml)
    } else {
        // Unknown extension (e.g. stdin without a name): sniff.
        let t = text.trim_start();
        if t.starts_with('{') || t.starts_with('[') {
            Some(Syntax::Json)
        } else if t.starts_with("apiVersion") || t.starts_with("---") || t.starts_with("kind") {
            Some(Syntax::Yaml)
        } else {
            None
        }
    }
}

/// True when the extension is one cutover reads when walking directories.
pub fn is_candidate(path: &Path) -> bool {
    let name = lower_name(path);
    name.ends_with(".json")
        || name.ends_with(".yaml")
        || name.ends_with(".yml")
        || name.ends_with(".tf")
        || name.ends_with(".tfvars")
}

/// Go/Helm template actions: `{{ .Values.x }}`, `{{- if … }}`, `{{ include … }}`.
fn looks_like_go_template(text: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"\{\{-?\s*(\.|\$|/\*|if\b|else\b|end\b|range\b|with\b|define\b|template\b|include\b|toYaml\b|tpl\b|block\b|required\b|default\b)",
        )
        .expect("static regex")
    });
    re.is_match(text)
}

/// Load one file from disk.
pub fn load_path(path: &Path, limits: &Limits) -> Loaded {
    load_path_with(path, limits, |path, text, encoding| {
        load_text(path, text, encoding, limits)
    })
}

/// [`load_path`] with `finish` making the result of the decoded text (the load cache's hook).
fn load_path_with(
    path: &Path,
    limits: &Limits,
    finish: impl FnOnce(&Path, String, Encoding) -> Loaded,
) -> Loaded {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            let what = if std::fs::symlink_metadata(path).is_ok() {
                format!("broken symbolic link ({e})")
            } else {
                format!("cannot read: {e}")
            };
            return Loaded::Error(InputError {
                path: path.to_path_buf(),
                message: what,
                text: None,
                span: None,
            });
        }
    };
    if !meta.is_file() {
        return Loaded::Error(InputError {
            path: path.to_path_buf(),
            message: "not a regular file (FIFO, socket or device); skipped".into(),
            text: None,
            span: None,
        });
    }
    if meta.len() > limits.max_file_bytes {
        return Loaded::Error(InputError {
            path: path.to_path_buf(),
            message: format!(
                "file is {} bytes, over the limit of {} bytes (raise `[limits] max-file-bytes` in cutover.toml to read it)",
                meta.len(),
                limits.max_file_bytes
            ),
            text: None,
            span: None,
        });
    }
    match std::fs::read(path) {
        Ok(bytes) => match decode_owned(bytes) {
            Ok((text, encoding)) => finish(path, text, encoding),
            Err(message) => unlocated_error(path, message),
        },
        Err(e) => unlocated_error(path, format!("cannot read: {e}")),
    }
}

/// An input error with no position in the file (it could not be read or decoded).
fn unlocated_error(path: &Path, message: String) -> Loaded {
    Loaded::Error(InputError {
        path: path.to_path_buf(),
        message,
        text: None,
        span: None,
    })
}

/// Load from bytes already read (stdin, tests).
pub fn load_bytes(path: &Path, bytes: &[u8], limits: &Limits) -> Loaded {
    match decode(bytes) {
        Ok((text, encoding)) => load_text(path, text, encoding, limits),
        Err(message) => unlocated_error(path, message),
    }
}

/// Parse and classify decoded text.
fn load_text(path: &Path, text: String, encoding: Encoding, limits: &Limits) -> Loaded {
    let err = |message: String, text: Option<String>, span: Option<Span>| {
        Loaded::Error(InputError {
            path: path.to_path_buf(),
            message,
            text,
            span,
        })
    };
    let Some(syntax) = syntax_for(path, &text) else {
        return Loaded::Skipped {
            path: path.to_path_buf(),
            reason: "not JSON, YAML or Terraform HCL".into(),
            note: false,
        };
    };
    if text.trim().is_empty() {
        return Loaded::Skipped {
            path: path.to_path_buf(),
            reason: "empty file".into(),
            note: false,
        };
    }
    if syntax == Syntax::Yaml && looks_like_go_template(&text) {
        return Loaded::Skipped {
            path: path.to_path_buf(),
            reason: "unrendered Helm/Go template; render it (`helm template`) and lint the output"
                .into(),
            note: true,
        };
    }
    let docs = match syntax {
        Syntax::Json => json::parse_file(&text, limits.max_depth).map(|n| vec![n]),
        Syntax::Yaml => yaml::parse(&text, limits).map(|d| d.into_iter().map(|d| d.root).collect()),
        Syntax::Hcl => hcl::parse(&text, limits.max_depth).map(|n| vec![n]),
    };
    let mut docs = match docs {
        Ok(d) => d,
        Err(e) => {
            let what = match syntax {
                Syntax::Json => "invalid JSON",
                Syntax::Yaml => "invalid YAML",
                Syntax::Hcl => "invalid HCL",
            };
            return err(format!("{what}: {}", e.message), Some(text), Some(e.span));
        }
    };
    // Terraform files are known by their name: a `.tf` file is configuration whatever blocks it
    // holds (only variables, only locals), and variable files are read for evaluation only.
    let classified = if is_tfvars(path) {
        if docs.iter().all(|d| d.as_map().is_some()) {
            Classified::Kind(FileKind::TfVars)
        } else {
            Classified::Unknown("a Terraform variable file whose top level is not an object".into())
        }
    } else if syntax == Syntax::Hcl {
        Classified::Kind(FileKind::TfJson)
    } else {
        classify(path, &docs)
    };
    match classified {
        Classified::Kind(kind) => {
            if matches!(kind, FileKind::TfJson | FileKind::TfPlan) {
                for d in &mut docs {
                    parse_embedded_json(d, &text, limits);
                }
            }
            Loaded::File {
                path: path.to_path_buf(),
                text,
                encoding,
                kind,
                docs,
            }
        }
        Classified::Unknown(reason) => Loaded::Skipped {
            path: path.to_path_buf(),
            reason,
            note: false,
        },
        Classified::Rejected(message, span) => err(message, Some(text), span),
    }
}

/// Parse every string in a Terraform JSON/plan document that holds a JSON object or array
/// (`container_definitions`, IAM `policy` documents), mapping spans to the outer file.
pub fn parse_embedded_json(node: &mut Node, text: &str, limits: &Limits) {
    match &mut node.value {
        Value::Str(s) => {
            let t = s.trim_start();
            if (t.starts_with('{') || t.starts_with('[')) && !t.starts_with("${") {
                let raw = &text[node.span.range()];
                // Only strings written as JSON literals can be mapped byte for byte.
                if raw.starts_with('"') {
                    let e = match json::parse_embedded(s, raw, node.span.start, limits.max_depth) {
                        Ok(doc) => Embedded::Doc(doc),
                        Err(e) => Embedded::Invalid {
                            message: e.message,
                            span: e.span,
                        },
                    };
                    node.set_embedded(Some(e));
                }
            }
        }
        Value::Seq(items) => items
            .iter_mut()
            .for_each(|n| parse_embedded_json(n, text, limits)),
        Value::Map(members) => members
            .iter_mut()
            .for_each(|m| parse_embedded_json(&mut m.value, text, limits)),
        _ => {}
    }
}
