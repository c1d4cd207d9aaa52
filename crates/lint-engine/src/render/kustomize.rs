//! Kustomize: what a kustomization includes and reads, which ones are leaves, and how the
//! objects `kustomize build` printed (with `buildMetadata: [originAnnotations]`) map back to the
//! files they were written in.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::tree::{lookup, lookup_key, remove_member, same_value, walk, Step};
use super::{normal, Origin, Sources};
use crate::doc::Node;
use crate::load::Limits;
use crate::source::{FileId, Span};

/// The file names that make a directory a kustomization, in Kustomize's order.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The annotation Kustomize writes with `buildMetadata: [originAnnotations]`.
pub const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";

/// One kustomization file and what it refers to (paths absolute and normal).
#[derive(Debug, Clone)]
pub struct Kustomization {
    pub dir: PathBuf,
    pub file: PathBuf,
    /// Directories it includes (`resources`, `bases`, `components` entries that are directories).
    pub includes: Vec<PathBuf>,
    /// Files it reads as resources, with the span of their entry.
    pub resources: Vec<(PathBuf, Span)>,
    /// Every `resources`/`bases`/`components` entry with its span (for the last-resort mapping).
    pub entries: Vec<(PathBuf, Span)>,
    /// Patch files (`patches[].path`, `patchesStrategicMerge`, `patchesJson6902[].path`).
    pub patches: Vec<PathBuf>,
    /// The `namespace:` key's value span, when set.
    pub namespace: Option<Span>,
    /// `kind: Component`: only built as part of a kustomization that includes it.
    pub component: bool,
    /// Some `resources`/`bases`/`components` entry is remote (fetched by the renderer).
    pub remote: bool,
}

/// The kustomization file of `dir`, if it has one.
pub fn file_of(dir: &Path) -> Option<PathBuf> {
    FILE_NAMES.iter().map(|n| dir.join(n)).find(|p| p.is_file())
}

impl Kustomization {
    /// Read the kustomization file of `dir`.
    pub fn read(dir: &Path, limits: &Limits) -> Result<Kustomization, String> {
        let file = file_of(dir).ok_or_else(|| format!("{} has no kustomization", dir.display()))?;
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let doc = crate::load::yaml::parse(&text, limits)
            .map_err(|e| format!("invalid YAML in {}: {}", file.display(), e.message))?
            .into_iter()
            .next()
            .map(|d| d.root)
            .unwrap_or_else(|| Node::new(crate::doc::Value::Null, Span::default()));
        Ok(Kustomization::parse(dir, file, &doc))
    }

    fn parse(dir: &Path, file: PathBuf, doc: &Node) -> Kustomization {
        let dir = normal(dir);
        let mut k = Kustomization {
            file: normal(&file),
            includes: Vec::new(),
            resources: Vec::new(),
            entries: Vec::new(),
            patches: Vec::new(),
            namespace: doc.get("namespace").map(|n| n.span),
            component: doc.get("kind").and_then(Node::as_str) == Some("Component"),
            remote: false,
            dir,
        };
        for key in ["resources", "bases", "components"] {
            for item in doc.get(key).and_then(Node::as_seq).unwrap_or(&[]) {
                let Some(entry) = item.as_str() else {
                    continue;
                };
                if is_remote(entry) {
                    k.remote = true;
                    continue;
                }
                let path = normal(&k.dir.join(entry));
                k.entries.push((path.clone(), item.span));
                if path.is_dir() {
                    k.includes.push(path);
                } else {
                    k.resources.push((path, item.span));
                }
            }
        }
        let patch_paths = ["patches", "patchesJson6902"]
            .iter()
            .flat_map(|key| doc.get(key).and_then(Node::as_seq).unwrap_or(&[]))
            .filter_map(|p| p.get("path").and_then(Node::as_str));
        let smp = doc
            .get("patchesStrategicMerge")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::as_str)
            // An inline patch is a YAML document, not a file name.
            .filter(|s| !s.contains('\n') && !s.contains(": "));
        k.patches = patch_paths
            .chain(smp)
            .map(|p| normal(&k.dir.join(p)))
            .collect();
        k
    }

    /// Every file a build of this kustomization reads, itself included, through the
    /// kustomizations it includes (`all` holds them by directory).
    pub fn owned(&self, all: &[Kustomization]) -> BTreeSet<PathBuf> {
        let mut out = BTreeSet::new();
        let mut seen = BTreeSet::new();
        self.collect(all, &mut out, &mut seen);
        out
    }

    fn collect(
        &self,
        all: &[Kustomization],
        out: &mut BTreeSet<PathBuf>,
        seen: &mut BTreeSet<PathBuf>,
    ) {
        if !seen.insert(self.dir.clone()) {
            return;
        }
        out.insert(self.file.clone());
        out.extend(self.resources.iter().map(|(p, _)| p.clone()));
        out.extend(self.patches.iter().cloned());
        for inc in &self.includes {
            if let Some(k) = all.iter().find(|k| &k.dir == inc) {
                k.collect(all, out, seen);
            }
        }
    }

    /// This kustomization and every one it includes, outermost first.
    pub fn chain(&self, all: &[Kustomization]) -> Vec<Kustomization> {
        let mut out: Vec<Kustomization> = vec![self.clone()];
        let mut i = 0;
        while i < out.len() {
            let incs = out[i].includes.clone();
            for inc in incs {
                if let Some(k) = all.iter().find(|k| k.dir == inc) {
                    if !out.iter().any(|o| o.dir == k.dir) {
                        out.push(k.clone());
                    }
                }
            }
            i += 1;
        }
        out
    }
}

/// Remote resources (`github.com/…`, `https://…`) are the renderer's business, not files here.
fn is_remote(entry: &str) -> bool {
    entry.contains("://") || entry.starts_with("github.com/") || entry.starts_with("git@")
}

/// The kustomizations no other one includes, in the order given (a component is never built on
/// its own).
pub fn leaves(all: &[Kustomization]) -> Vec<&Kustomization> {
    let included: BTreeSet<&PathBuf> = all.iter().flat_map(|k| &k.includes).collect();
    all.iter()
        .filter(|k| !k.component && !included.contains(&k.dir))
        .collect()
}

/// Map a `kustomize build` stream: take the origin annotations out of the objects and give every
/// rendered node a repository place (see the crate's ARCHITECTURE.md, "Rendered inputs").
pub(crate) fn map_stream(
    sources: &mut Sources<'_>,
    mut docs: Vec<Node>,
    wrapper: &Path,
    chain: &[Kustomization],
    name: &str,
) -> (Vec<Node>, Option<Origin>) {
    let Some(overlay) = chain.first() else {
        return (docs, None);
    };
    let Some(overlay_file) = sources.file(&overlay.file) else {
        return (docs, None);
    };
    let mut origin = Origin {
        note: format!("rendered by {name}"),
        nodes: Vec::new(),
        fallback: (overlay_file, Span::default()),
    };
    // Patch documents of the whole chain, outermost first (the one applied last wins).
    let patch_files: Vec<FileId> = chain
        .iter()
        .flat_map(|k| k.patches.clone())
        .filter_map(|p| sources.file(&p))
        .collect();
    let patches: Vec<(FileId, Node)> = patch_files
        .into_iter()
        .flat_map(|id| {
            sources
                .get(id)
                .docs
                .iter()
                .map(|d| (id, d.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    // The `namespace:` a kustomization sets (the outermost one that sets it wins).
    let namespace = chain
        .iter()
        .find_map(|k| Some((sources.file(&k.file)?, k.namespace?)));
    for doc in &mut docs {
        let from = remove_member(doc, &["metadata", "annotations"], ORIGIN_ANNOTATION)
            .and_then(|n| n.as_str().and_then(|s| origin_path(s, wrapper)));
        let kind = doc
            .get("kind")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string();
        let rendered_name = doc
            .path(&["metadata", "name"])
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string();
        let source_file = from.as_deref().and_then(|p| sources.file(p));
        let entry = entry_for(overlay, from.as_deref()).map(|s| (overlay_file, s));
        let last_resort = entry.unwrap_or((overlay_file, Span::default()));
        let source_doc: Option<(FileId, Node)> = source_file.and_then(|f| {
            find_doc(&sources.get(f).docs, &kind, &rendered_name).map(|d| (f, d.clone()))
        });
        let my_patches: Vec<&(FileId, Node)> = patches
            .iter()
            .filter(|(_, p)| {
                p.get("kind")
                    .and_then(Node::as_str)
                    .is_none_or(|k| k == kind)
                    && p.path(&["metadata", "name"])
                        .and_then(Node::as_str)
                        .is_none_or(|n| rendered_name.contains(n))
            })
            .collect();
        let mut resolve = |path: &[Step], node: &Node| -> Option<(FileId, Span)> {
            if let Some((f, src)) = &source_doc {
                if let Some(s) = lookup(src, path).filter(|s| same_value(node, s)) {
                    return Some((*f, s.span));
                }
            }
            if let Some((f, s)) = my_patches
                .iter()
                .find_map(|(f, p)| lookup(p, path).map(|s| (*f, s.span)))
            {
                return Some((f, s));
            }
            if path == [Step::Key("metadata".into()), Step::Key("namespace".into())] {
                if let Some(ns) = namespace {
                    return Some(ns);
                }
            }
            // Set by the overlay otherwise (a transformer, a generator, an inline patch): the
            // `resources:` entry through which the object came in.
            match (&source_doc, path.is_empty()) {
                (Some((f, d)), true) => Some((*f, d.span)),
                _ => Some(last_resort),
            }
        };
        let mut keys = |path: &[Step]| -> Option<(FileId, Span)> {
            let (f, src) = source_doc.as_ref()?;
            lookup_key(src, path).map(|s| (*f, s))
        };
        walk(
            doc,
            &mut Vec::new(),
            &mut resolve,
            &mut keys,
            &mut origin.nodes,
        );
    }
    (docs, Some(origin))
}

/// The absolute path an origin annotation names (`path:` of a resource, `configuredIn:` of a
/// generated object), relative to the wrapper kustomization.
fn origin_path(annotation: &str, wrapper: &Path) -> Option<PathBuf> {
    annotation.lines().find_map(|l| {
        let rel = l
            .strip_prefix("path:")
            .or_else(|| l.strip_prefix("configuredIn:"))?
            .trim()
            .trim_matches(['"', '\'']);
        (!rel.is_empty() && !is_remote(rel)).then(|| normal(&wrapper.join(rel)))
    })
}

/// The object of `kind` in a source file that became `rendered_name` (a `namePrefix` or
/// `nameSuffix` changes the name): the same name, else the one whose name the rendered one
/// contains, else the only one of that kind.
fn find_doc<'a>(docs: &'a [Node], kind: &str, rendered_name: &str) -> Option<&'a Node> {
    let of_kind: Vec<&Node> = docs
        .iter()
        .filter(|d| d.get("kind").and_then(Node::as_str) == Some(kind))
        .collect();
    let name = |d: &Node| {
        d.path(&["metadata", "name"])
            .and_then(Node::as_str)
            .map(str::to_string)
    };
    of_kind
        .iter()
        .find(|d| name(d).as_deref() == Some(rendered_name))
        .or_else(|| {
            of_kind
                .iter()
                .filter(|d| name(d).is_some_and(|n| !n.is_empty() && rendered_name.contains(&n)))
                .max_by_key(|d| name(d).map(|n| n.len()))
        })
        .or_else(|| (of_kind.len() == 1).then(|| &of_kind[0]))
        .copied()
}

/// The overlay's `resources:` entry that leads to `from` (the entry is that file or a directory
/// above it), else its first entry.
fn entry_for(overlay: &Kustomization, from: Option<&Path>) -> Option<Span> {
    let by_path = from.and_then(|f| {
        overlay
            .entries
            .iter()
            .filter(|(p, _)| f.starts_with(p))
            .max_by_key(|(p, _)| p.components().count())
            .map(|(_, s)| *s)
    });
    by_path.or_else(|| overlay.entries.first().map(|(_, s)| *s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_paths_resolve_against_the_wrapper() {
        let w = Path::new("/tmp/cutover-render-1");
        assert_eq!(
            origin_path("path: ../../repo/base/app.yaml\n", w),
            Some(PathBuf::from("/repo/base/app.yaml"))
        );
        assert_eq!(
            origin_path("configuredIn: ../../repo/base/kustomization.yaml\nconfiguredBy:\n  kind: ConfigMapGenerator\n", w),
            Some(PathBuf::from("/repo/base/kustomization.yaml"))
        );
        assert_eq!(origin_path("repo: https://x\n", w), None);
    }

    #[test]
    fn a_prefixed_name_finds_its_source_object() {
        let docs = crate::load::yaml::parse(
            "kind: Deployment\nmetadata: {name: api}\n---\nkind: Deployment\nmetadata: {name: api-worker}\n",
            &Limits::default(),
        )
        .unwrap();
        let docs: Vec<Node> = docs.into_iter().map(|d| d.root).collect();
        let found = find_doc(&docs, "Deployment", "prod-api-worker").unwrap();
        assert_eq!(
            found.path(&["metadata", "name"]).and_then(Node::as_str),
            Some("api-worker")
        );
        assert!(find_doc(&docs, "Service", "api").is_none());
    }
}
