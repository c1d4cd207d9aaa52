//! Inputs that an external tool renders (Kustomize overlays, Helm charts) and the way findings on
//! the rendered objects reach a file of the repository.
//!
//! The command line runs the renderer (the engine runs no process); the engine reads what it
//! printed. A rendered stream becomes one [`SourceFile`] of kind `K8s` whose text is the
//! renderer's output, so the model, the joins and the rules read rendered objects exactly like
//! written ones (rendered names and namespaces included) and need no change. Beside it,
//! [`SourceDb::origins`] keeps an [`Origin`]: for every rendered node (value and key), the place
//! in a repository file it came from. After the rules ran, [`map_findings`] moves every label
//! that points into a rendered file to that place and adds a note naming what rendered it, so no
//! output format ever shows the renderer's text or a temporary file.
//!
//! The files the origins point into are added to the run with [`FileKind::RenderSource`]: they
//! can be shown with their lines but are not modelled (their objects are the rendered ones).

pub mod helm;
pub mod kustomize;
mod tree;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::finding::Finding;
use crate::load::{load_path, InputError, Limits, Loaded};
use crate::runner::LoadOutcome;
use crate::source::{FileId, FileKind, LineIndex, SourceDb, SourceFile, Span};

/// Where the nodes of one rendered file come from.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The note findings on it get: `rendered by env/production`.
    pub note: String,
    /// Rendered span → file and span in the repository.
    pub nodes: Vec<(Span, FileId, Span)>,
    /// Where a label that no node covers goes (the kustomization or chart file).
    pub fallback: (FileId, Span),
}

impl Origin {
    /// The repository place of a rendered span: the innermost rendered node that covers it.
    pub fn target(&self, span: Span) -> (FileId, Span) {
        self.nodes
            .iter()
            .filter(|(s, _, _)| s.start <= span.start && span.end <= s.end)
            .min_by_key(|(s, _, _)| (s.end - s.start, s.start))
            .map(|&(_, f, s)| (f, s))
            .unwrap_or(self.fallback)
    }
}

/// Move every label of `findings` that points into a rendered file to its repository place and
/// name the renderer run in the notes (once per finding and overlay).
pub fn map_findings(db: &SourceDb, findings: &mut [Finding]) {
    if db.origins.is_empty() {
        return;
    }
    for f in findings {
        let mut notes = Vec::new();
        for l in std::iter::once(&mut f.primary).chain(f.related.iter_mut()) {
            if let Some(o) = db.origins.get(&l.file) {
                (l.file, l.span) = o.target(l.span);
                if !notes.contains(&o.note) {
                    notes.push(o.note.clone());
                }
            }
        }
        for n in notes {
            if !f.notes.contains(&n) {
                f.notes.push(n);
            }
        }
    }
}

/// What a renderer printed for one input (a kustomization or a chart).
#[derive(Debug, Clone)]
pub struct RenderedText {
    /// The overlay or chart directory, as found on disk.
    pub dir: PathBuf,
    /// How it is named in notes: `env/production`.
    pub name: String,
    /// The renderer's standard output.
    pub text: String,
    /// What it was rendered from (how origins are read).
    pub source: RenderSource,
}

/// How origins of a rendered stream are read.
#[derive(Debug, Clone)]
pub enum RenderSource {
    /// `kubectl kustomize`/`kustomize build` of a temporary wrapper kustomization in `wrapper`
    /// (origin annotation paths are relative to it; the directory no longer exists).
    Kustomize {
        wrapper: PathBuf,
        chain: Vec<kustomize::Kustomization>,
    },
    /// `helm template` of a chart; `values` are the values files given to it.
    Helm {
        chart: PathBuf,
        values: Vec<PathBuf>,
    },
}

/// The repository files origins point into, loaded once per run.
pub(crate) struct Sources<'a> {
    pub outcome: &'a mut LoadOutcome,
    by_path: BTreeMap<PathBuf, Option<FileId>>,
    limits: &'a Limits,
}

impl<'a> Sources<'a> {
    fn new(outcome: &'a mut LoadOutcome, limits: &'a Limits) -> Self {
        let by_path = outcome
            .db
            .files
            .iter()
            .map(|f| (normal(&f.path), Some(f.id)))
            .collect();
        Sources {
            outcome,
            by_path,
            limits,
        }
    }

    /// The file at `path` in the run, loaded as a render source when it is not in it yet.
    pub fn file(&mut self, path: &Path) -> Option<FileId> {
        let key = normal(path);
        if let Some(id) = self.by_path.get(&key) {
            return *id;
        }
        let shown = relative_to_cwd(&key);
        let id = match load_path(&shown, self.limits) {
            Loaded::File {
                path,
                text,
                encoding,
                docs,
                ..
            } => Some(self.push(path, text, encoding, docs)),
            // A patch or values file that is not a manifest by itself is still shown by line.
            Loaded::Skipped { path, .. } => std::fs::read_to_string(&path).ok().map(|text| {
                let docs = crate::load::yaml::parse(&text, self.limits)
                    .map(|d| d.into_iter().map(|d| d.root).collect())
                    .unwrap_or_default();
                self.push(path, text, crate::source::Encoding::Utf8, docs)
            }),
            Loaded::Error(_) => None,
        };
        self.by_path.insert(key, id);
        id
    }

    fn push(
        &mut self,
        path: PathBuf,
        text: String,
        encoding: crate::source::Encoding,
        docs: Vec<crate::doc::Node>,
    ) -> FileId {
        let id = FileId(self.outcome.db.files.len() as u32);
        self.outcome.db.files.push(SourceFile {
            id,
            name: crate::discover::display_name(&path),
            lines: LineIndex::new(&text),
            path,
            text,
            encoding,
            kind: FileKind::RenderSource,
            docs,
        });
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        self.outcome.db.get(id)
    }
}

/// Add what the renderers printed to the run: one rendered `K8s` file per input with its
/// [`Origin`], and the repository files the origins point into. A stream that does not parse is
/// an input error of the rendered directory.
///
/// With a load cache (`--repo-context`), a stream whose text did not change since the run that
/// saved the cache is decoded from it rather than parsed.
pub fn attach(
    outcome: &mut LoadOutcome,
    rendered: Vec<RenderedText>,
    limits: &Limits,
    cache: Option<&crate::load::cache::LoadCache>,
) {
    // The renders are parsed in parallel, then mapped to their sources in order.
    let parsed: Vec<_> = {
        use rayon::prelude::*;
        rendered
            .into_par_iter()
            .map(|r| {
                let docs = match cache {
                    Some(c) => c.parse_rendered(&rendered_path(&r), &r.text, limits),
                    None => crate::load::yaml::parse(&r.text, limits)
                        .map(|d| d.into_iter().map(|d| d.root).collect()),
                };
                (r, docs)
            })
            .collect()
    };
    let mut sources = Sources::new(outcome, limits);
    for (r, parsed) in parsed {
        let docs = match parsed {
            Ok(d) => d,
            Err(e) => {
                sources.outcome.errors.push(InputError {
                    path: r.dir.clone(),
                    message: format!("{} rendered into invalid YAML: {}", r.name, e.message),
                    text: None,
                    span: None,
                });
                continue;
            }
        };
        let (docs, origin) = match &r.source {
            RenderSource::Kustomize { wrapper, chain } => {
                kustomize::map_stream(&mut sources, docs, wrapper, chain, &r.name)
            }
            RenderSource::Helm { chart, values } => {
                helm::map_stream(&mut sources, docs, &r.text, chart, values, &r.name)
            }
        };
        let Some(origin) = origin else {
            continue;
        };
        let db = &mut sources.outcome.db;
        let id = FileId(db.files.len() as u32);
        let path = rendered_path(&r);
        db.files.push(SourceFile {
            id,
            name: format!("{} (rendered)", r.name),
            lines: LineIndex::new(&r.text),
            path,
            text: r.text,
            encoding: crate::source::Encoding::Utf8,
            kind: FileKind::K8s,
            docs,
        });
        db.origins.insert(id, origin);
    }
}

/// The path of the file a render adds to the run (`DIR/<rendered NAME>`), never one on disk.
fn rendered_path(r: &RenderedText) -> PathBuf {
    r.dir.join(format!("<rendered {}>", r.name))
}

/// A path made absolute and lexically normal (`a/./b/../c` → `a/c`).
pub fn normal(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|c| c.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to the working directory when it is under it (how inputs are shown).
fn relative_to_cwd(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|c| path.strip_prefix(normal(&c)).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}
