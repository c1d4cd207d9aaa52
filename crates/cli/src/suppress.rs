//! Suppressions in cutover: the engine's suppression machinery
//! ([`lint_engine::suppress`]) with cutover's names, plus `[[ignore]]` entries of `cutover.toml`.
//!
//! * YAML comments: `# cutover: ignore[ECS001] reason` at the end of the flagged line, or alone on
//!   the line above it (stacked suppression comments all apply to the next line of content);
//!   `# cutover: ignore-file[K8S001] reason` anywhere in the file applies to the whole file.
//! * Kubernetes annotation on the object:
//!   `cutover.dev/ignore: "K8S001: reason"` (one `RULES: reason` entry per line).
//! * `cutover.toml`: `[[ignore]] path = "ecs/*.json" rule = "ECS001" reason = "…"
//!   expires = 2027-01-31`, for every format and the only way for JSON (no comments).
//!
//! Rules are named by ID, old ID or name, comma-separated. A reason is required. An inline
//! suppression may end with `expires=YYYY-MM-DD`; from that date on it no longer suppresses and
//! is reported. A suppression that is not applied is reported by `LINT002 unused-suppression`
//! (`crates/rules/src/lint/unused_suppression.rs`). Suppressed findings are kept, with their
//! suppression, for SARIF `suppressions`.

use std::path::{Path, PathBuf};

use lint_engine::model::Model;
use lint_engine::source::{Encoding, LineIndex};
use lint_engine::suppress::{comment, validity, Suppression};
use lint_engine::{FileId, FileKind, SourceFile, Span};

pub use lint_engine::suppress::{Date, Kind, Origin, Suppressed, Suppressions};

/// The tool name in suppression comments (`# cutover: ignore[...]`).
pub const TOOL: &str = "cutover";
/// Annotation key for Kubernetes objects.
pub const ANNOTATION: &str = "cutover.dev/ignore";

/// Where `cutover.toml` entries live and how paths are matched against them.
pub struct ConfigSource<'c> {
    pub path: &'c Path,
    pub text: &'c str,
    pub entries: &'c [crate::config::IgnoreEntry],
}

/// A built-in rule's ID from an ID, a former ID or a name written in a suppression.
fn resolve(written: &str) -> Option<&'static str> {
    crate::select::find_rule(written).map(|r| r.meta().id)
}

/// Collect the suppressions written in the linted files for which `wanted` holds (the files
/// reported on), their Kubernetes annotations and the configuration.
pub fn collect(
    model: &Model<'_>,
    config: Option<&ConfigSource<'_>>,
    today: Date,
    wanted: &dyn Fn(FileId) -> bool,
) -> Suppressions {
    let mut list = comment::from_comments(model.db, TOOL, &resolve, today, wanted);
    list.extend(comment::from_annotations(
        model, ANNOTATION, &resolve, today, wanted,
    ));
    if let Some(cfg) = config {
        let spans = config_spans(cfg.text);
        for (i, e) in cfg.entries.iter().enumerate() {
            let span = spans.get(i).copied();
            let expires: Result<Option<Date>, String> = Ok(e.expires.and_then(|d| {
                d.date.map(|d| Date {
                    year: i32::from(d.year),
                    month: u32::from(d.month),
                    day: u32::from(d.day),
                })
            }));
            let reason = e.reason.trim().to_string();
            let mut invalid = validity(&reason, &expires, today);
            let scope = match lint_engine::discover::compile_excludes(std::slice::from_ref(&e.path))
            {
                Ok(g) => lint_engine::suppress::Scope::Paths(g),
                Err(err) => {
                    invalid = Some(err);
                    lint_engine::suppress::Scope::Paths(globset::GlobSet::empty())
                }
            };
            list.push(Suppression {
                kind: Kind::External,
                reason,
                origin: Origin::Config { span },
                scope,
                entries: lint_engine::suppress::entries(&e.rule, &resolve),
                invalid,
            });
        }
    }
    Suppressions { list }
}

/// Byte spans of the `[[ignore]]` entries of a configuration text, in order.
fn config_spans(text: &str) -> Vec<Span> {
    #[derive(serde::Deserialize)]
    struct Raw {
        #[serde(default)]
        ignore: Vec<toml::Spanned<serde::de::IgnoredAny>>,
    }
    toml::from_str::<Raw>(text)
        .map(|r| {
            r.ignore
                .iter()
                .map(|s| {
                    let r = s.span();
                    Span::new(r.start as u32, r.end as u32)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `path` relative to `dir`, `/`-separated (both made absolute first).
pub fn relative_to(path: &Path, dir: &Path) -> Option<String> {
    relative_to_absolute(path, &absolute(dir))
}

/// [`relative_to`] for a directory already made absolute with [`absolute`].
pub fn relative_to_absolute(path: &Path, abs_dir: &Path) -> Option<String> {
    let abs = absolute(path);
    let rel = abs.strip_prefix(abs_dir).ok()?;
    Some(rel.to_string_lossy().replace('\\', "/"))
}

/// Canonical path when it exists, else the lexically normalised absolute path.
///
/// Each directory is resolved once per process, from its parent's resolution: a file or
/// directory that is not itself a symbolic link resolves to its parent's canonical path joined
/// with its name, which is what resolving the whole path gives, for one `lstat` instead of a
/// lookup of every component (a repository's hundreds of files share a few directories, which
/// share their ancestors).
pub fn absolute(path: &Path) -> PathBuf {
    if let Some(p) = by_directory(path) {
        return p;
    }
    absolute_uncached(path)
}

/// [`absolute`] through the per-directory cache, when the file exists and is not a link.
fn by_directory(path: &Path) -> Option<PathBuf> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static DIRS: OnceLock<Mutex<HashMap<PathBuf, Option<PathBuf>>>> = OnceLock::new();
    let name = path.file_name()?;
    if name == ".." || name == "." {
        return None;
    }
    // cutover never changes its working directory, so it is read once.
    static CWD: OnceLock<Option<PathBuf>> = OnceLock::new();
    let parent = path.parent()?;
    let dir = if parent.is_absolute() {
        parent.to_path_buf()
    } else {
        CWD.get_or_init(|| std::env::current_dir().ok())
            .as_ref()?
            .join(parent)
    };
    let canonical = canonical_dir(&dir, DIRS.get_or_init(Default::default))?;
    let full = canonical.join(name);
    let meta = std::fs::symlink_metadata(&full).ok()?;
    (!meta.file_type().is_symlink()).then_some(full)
}

/// The canonical path of directory `dir` (absolute), through `cache`: its parent's, joined with
/// its name when it is a directory and not a symbolic link (one `lstat`, the parent being
/// resolved once for all its children), else what the operating system resolves it to. `None`
/// when it does not exist.
fn canonical_dir(
    dir: &Path,
    cache: &std::sync::Mutex<std::collections::HashMap<PathBuf, Option<PathBuf>>>,
) -> Option<PathBuf> {
    if let Some(c) = cache.lock().ok()?.get(dir) {
        return c.clone();
    }
    let by_parent = || {
        let (parent, name) = (dir.parent()?, dir.file_name()?);
        let meta = std::fs::symlink_metadata(dir).ok()?;
        if !meta.is_dir() {
            return None;
        }
        Some(canonical_dir(parent, cache)?.join(name))
    };
    let c = by_parent().or_else(|| std::fs::canonicalize(dir).ok());
    cache.lock().ok()?.insert(dir.to_path_buf(), c.clone());
    c
}

fn absolute_uncached(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let base = if path.is_absolute() {
        PathBuf::new()
    } else {
        std::env::current_dir()
            .ok()
            .and_then(|c| std::fs::canonicalize(&c).ok().or(Some(c)))
            .unwrap_or_default()
    };
    let mut out = PathBuf::new();
    for c in base.join(path).components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// A `cutover.toml` as a source file, so `LINT002` findings about it have spans to show.
pub fn config_source_file(id: FileId, path: &Path, text: &str) -> SourceFile {
    SourceFile {
        id,
        path: path.to_path_buf(),
        name: lint_engine::discover::display_name(path),
        text: text.to_string(),
        encoding: Encoding::Utf8,
        lines: LineIndex::new(text),
        // Not a lint input; no rule sees it (the model is built before it is added).
        kind: FileKind::TfJson,
        docs: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn absolute_resolves_links_in_the_directory_and_the_file_itself() {
        let base = std::env::temp_dir().join(format!("cutover-absolute-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let real = base.join("real");
        std::fs::create_dir_all(&real).unwrap();
        std::fs::write(real.join("app.yaml"), "a: 1\n").unwrap();
        std::os::unix::fs::symlink(&real, base.join("via")).unwrap();
        std::os::unix::fs::symlink("app.yaml", real.join("alias.yaml")).unwrap();
        let canonical = std::fs::canonicalize(real.join("app.yaml")).unwrap();
        // A link in the middle of a path, and `..` after a link to a nested directory (the
        // parent of the link's target, not of the link).
        std::fs::create_dir_all(real.join("sub")).unwrap();
        std::fs::write(real.join("sub/deep.yaml"), "a: 1\n").unwrap();
        std::fs::write(real.join("x.yaml"), "a: 1\n").unwrap();
        std::os::unix::fs::symlink(real.join("sub"), base.join("inner")).unwrap();
        let deep = std::fs::canonicalize(real.join("sub/deep.yaml")).unwrap();
        let x = std::fs::canonicalize(real.join("x.yaml")).unwrap();
        // Twice each: the second answer comes from the per-directory cache.
        for _ in 0..2 {
            assert_eq!(absolute(&base.join("via/sub/deep.yaml")), deep);
            assert_eq!(absolute(&base.join("inner/deep.yaml")), deep);
            assert_eq!(absolute(&base.join("inner/../x.yaml")), x);
            assert_eq!(absolute(&real.join("app.yaml")), canonical);
            assert_eq!(absolute(&base.join("via/app.yaml")), canonical);
            assert_eq!(absolute(&real.join("alias.yaml")), canonical);
            assert_eq!(absolute(&base.join("via/../real/app.yaml")), canonical);
            // A file that does not exist: the lexically normal path.
            assert_eq!(
                absolute(&base.join("via/./gone/../new.yaml")),
                base.join("via/new.yaml")
            );
        }
        let _ = std::fs::remove_dir_all(&base);
    }
}
