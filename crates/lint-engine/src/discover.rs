//! Turning command-line paths into the list of files to load.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::load::{is_candidate, InputError};

/// Compile `--exclude` globs. A pattern without `/` matches a file or directory name anywhere.
pub fn compile_excludes(patterns: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let pat = if p.contains('/') {
            p.trim_start_matches("./").to_string()
        } else {
            format!("**/{p}")
        };
        for variant in [pat.clone(), format!("{}/**", pat.trim_end_matches('/'))] {
            b.add(Glob::new(&variant).map_err(|e| format!("invalid --exclude glob `{p}`: {e}"))?);
        }
    }
    b.build().map_err(|e| e.to_string())
}

fn rel<'p>(path: &'p Path, root: &Path) -> &'p Path {
    path.strip_prefix(root).unwrap_or(path)
}

/// Files to load, sorted and deduplicated. Explicit files are always taken (their content decides
/// what they are); directories are walked honouring `.gitignore`/`.ignore` and the excludes.
pub fn discover(paths: &[PathBuf], excludes: &GlobSet) -> (Vec<PathBuf>, Vec<InputError>) {
    let (files, errors, _) = discover_with_skipped(paths, excludes);
    (files, errors)
}

/// As [`discover`], and also the files of the walked directories that are not read because of
/// their name (sorted), for `-v`.
pub fn discover_with_skipped(
    paths: &[PathBuf],
    excludes: &GlobSet,
) -> (Vec<PathBuf>, Vec<InputError>, Vec<PathBuf>) {
    let mut skipped = Vec::new();
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for root in paths {
        let meta = std::fs::symlink_metadata(root);
        let is_dir = std::fs::metadata(root).map(|m| m.is_dir()).unwrap_or(false);
        if !is_dir {
            if meta.is_err() {
                errors.push(InputError {
                    path: root.clone(),
                    message: "no such file or directory".into(),
                    text: None,
                    span: None,
                });
            } else {
                files.push(root.clone());
            }
            continue;
        }
        let walker = ignore::WalkBuilder::new(root)
            .hidden(true)
            .follow_links(false)
            .require_git(false)
            .sort_by_file_name(|a, b| a.cmp(b))
            .build();
        for entry in walker {
            match entry {
                Ok(e) => {
                    let p = e.path();
                    let ft = e.file_type();
                    if ft.is_some_and(|t| t.is_dir()) {
                        continue;
                    }
                    let r = rel(p, root);
                    if !excludes.is_empty() && (excludes.is_match(r) || excludes.is_match(p)) {
                        continue;
                    }
                    if is_candidate(p) {
                        files.push(p.to_path_buf());
                    } else {
                        skipped.push(p.to_path_buf());
                    }
                }
                Err(err) => {
                    let (path, message) = describe_walk_error(&err);
                    errors.push(InputError {
                        path: path.unwrap_or_else(|| root.clone()),
                        message,
                        text: None,
                        span: None,
                    });
                }
            }
        }
    }
    files.sort();
    files.dedup();
    skipped.sort();
    skipped.dedup();
    (files, errors, skipped)
}

/// Path as shown to users: relative to the working directory when under it, `/`-separated.
///
/// The working directory is read once per process (cutover never changes it; a run shows
/// hundreds of paths).
pub fn display_name(path: &Path) -> String {
    static CWD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let cwd = CWD.get_or_init(|| std::env::current_dir().ok());
    let shown = match cwd {
        Some(c) if path.is_absolute() => path.strip_prefix(c).unwrap_or(path),
        _ => path,
    };
    let s = shown.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// The path and a plain message for a directory-walk error (the `ignore` crate nests them).
fn describe_walk_error(err: &ignore::Error) -> (Option<PathBuf>, String) {
    match err {
        ignore::Error::WithPath { path, err } => (Some(path.clone()), describe_walk_error(err).1),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            describe_walk_error(err)
        }
        ignore::Error::Loop { ancestor, child } => (
            Some(child.clone()),
            format!(
                "symbolic link loop back to `{}`; not followed",
                ancestor.display()
            ),
        ),
        ignore::Error::Io(e) => {
            // walkdir wraps the OS error in a message naming the path, which we show anyway.
            let os = e.raw_os_error().or_else(|| {
                e.get_ref()
                    .and_then(|inner| inner.source())
                    .and_then(|src| src.downcast_ref::<std::io::Error>())
                    .and_then(std::io::Error::raw_os_error)
            });
            match os {
                Some(code) => (
                    None,
                    format!("cannot read: {}", std::io::Error::from_raw_os_error(code)),
                ),
                None => (None, format!("cannot read: {e}")),
            }
        }
        other => (None, format!("cannot walk: {other}")),
    }
}

/// Why walking `paths` found no file to lint: one line per kind of file left out, with how many
/// and an example (`3 files with an unsupported extension (e.g. main.py)`, `2 files in hidden
/// directories (e.g. .deploy/app.yaml)`, `1 file ignored by .gitignore/.ignore (e.g. …)`,
/// `1 file excluded by --exclude/exclude`). Walks again without the filters, so it is meant for
/// the case where nothing was found.
pub fn explain_empty(paths: &[PathBuf], excludes: &GlobSet) -> Vec<String> {
    #[derive(Default)]
    struct Count {
        n: usize,
        example: Option<String>,
    }
    impl Count {
        fn add(&mut self, p: &Path) {
            self.n += 1;
            if self.example.is_none() {
                self.example = Some(display_name(p));
            }
        }
    }
    let (mut unsupported, mut hidden, mut ignored, mut excluded) = (
        Count::default(),
        Count::default(),
        Count::default(),
        Count::default(),
    );
    for root in paths.iter().filter(|p| p.is_dir()) {
        // What the normal walk sees, to tell ignored files from the others.
        let mut seen = std::collections::HashSet::new();
        let normal = ignore::WalkBuilder::new(root)
            .hidden(true)
            .follow_links(false)
            .require_git(false)
            .build();
        for e in normal.flatten() {
            seen.insert(e.path().to_path_buf());
        }
        let all = ignore::WalkBuilder::new(root)
            .standard_filters(false)
            .follow_links(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        for e in all.flatten() {
            if !e.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let p = e.path();
            let r = rel(p, root);
            let in_hidden = r.components().any(|c| {
                c.as_os_str()
                    .to_str()
                    .is_some_and(|s| s.starts_with('.') && s != "." && s != "..")
            });
            if !is_candidate(p) {
                unsupported.add(p);
            } else if in_hidden {
                hidden.add(p);
            } else if !seen.contains(p) {
                ignored.add(p);
            } else if !excludes.is_empty() && (excludes.is_match(r) || excludes.is_match(p)) {
                excluded.add(p);
            }
        }
    }
    let plural = |n: usize| if n == 1 { "file" } else { "files" };
    let line = |c: &Count, what: &str, hint: &str| {
        (c.n > 0).then(|| {
            format!(
                "{} {} {what} (e.g. {}){hint}",
                c.n,
                plural(c.n),
                c.example.as_deref().unwrap_or_default()
            )
        })
    };
    [
        line(
            &unsupported,
            "with an extension cutover does not read",
            "; it reads .json, .yaml, .yml, .tf and .tfvars",
        ),
        line(
            &hidden,
            "in hidden files or directories",
            "; name a hidden directory on the command line to lint it",
        ),
        line(&ignored, "ignored by .gitignore or .ignore", ""),
        line(&excluded, "excluded by `exclude` or `--exclude`", ""),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod explain_empty_tests {
    use super::*;

    #[test]
    fn names_each_kind_of_file_left_out() {
        let dir =
            std::env::temp_dir().join(format!("cutover-explain-empty-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (p, text) in [
            ("main.py", "print()"),
            ("README.md", "#"),
            (".deploy/app.yaml", "a: 1"),
            ("build/out.json", "{}"),
            ("vendor/x.yaml", "a: 1"),
            (".gitignore", "build/\n"),
        ] {
            let f = dir.join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, text).unwrap();
        }
        let ex = compile_excludes(&["vendor".to_string()]).unwrap();
        let (files, _) = discover(std::slice::from_ref(&dir), &ex);
        assert!(files.is_empty(), "{files:?}");
        let lines = explain_empty(std::slice::from_ref(&dir), &ex);
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert!(
            lines[0].starts_with("3 files with an extension cutover does not read"),
            "{lines:?}"
        );
        assert!(
            lines[1].starts_with("1 file in hidden files or directories (e.g. "),
            "{lines:?}"
        );
        assert!(
            lines[1].ends_with(
                ".deploy/app.yaml); name a hidden directory on the command line to lint it"
            ),
            "{lines:?}"
        );
        assert!(
            lines[2].starts_with("1 file ignored by .gitignore or .ignore (e.g. "),
            "{lines:?}"
        );
        assert!(lines[2].ends_with("build/out.json)"), "{lines:?}");
        assert!(
            lines[3].starts_with("1 file excluded by `exclude` or `--exclude` (e.g. "),
            "{lines:?}"
        );
        assert!(lines[3].ends_with("vendor/x.yaml)"), "{lines:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
