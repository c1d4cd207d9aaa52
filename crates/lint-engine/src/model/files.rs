//! Files that Terraform configuration reads: `container_definitions = file("…")`, or
//! `templatefile("…", {…})` rendered when the inputs were loaded ([`crate::load::rendered`]).
//!
//! The path is evaluated statically (`path.module` is the module's directory) and joined to the
//! directory of the configuration file. Only files among the run's inputs are read, so a path
//! cannot leave the input root, and the file was loaded under the run's limits.

use std::collections::HashMap;
use std::path::Path;

use crate::classify::is_container_definitions;
use crate::doc::Node;
use crate::source::{FileId, SourceDb, SourceFile};
use crate::tfeval::filecall::{file_call, FileFn};
use crate::tfeval::scope::normalize;
use crate::tfeval::Val;

use super::ecs::containers_of;
use super::{Containers, TfResource};

/// The run's files by normalized path.
pub(super) struct FilesByPath<'a> {
    by_path: HashMap<String, &'a SourceFile>,
    unrendered: &'a std::collections::BTreeMap<String, String>,
}

impl<'a> FilesByPath<'a> {
    pub fn new(db: &'a SourceDb) -> Self {
        FilesByPath {
            by_path: db.files.iter().map(|f| (normalize(&f.path), f)).collect(),
            unrendered: &db.unrendered,
        }
    }

    /// The containers of `container_definitions = file(…)` (`n`) of `r`; `None` when `n` is
    /// not such a call.
    pub fn containers(&self, r: &TfResource<'a>, n: &'a Node) -> Option<Containers<'a>> {
        let call = file_call(n.as_str()?)?;
        let unreadable = |reason: String| Some(Containers::Unreadable { node: n, reason });
        let func = match call.func {
            FileFn::File => "file()",
            FileFn::TemplateFile { .. } => "templatefile()",
        };
        let path = match &call.path {
            Val::Str(p) => p.clone(),
            v => {
                let why = v
                    .first_unknown()
                    .map(|u| u.to_string())
                    .unwrap_or_else(|| "not a string".into());
                return unreadable(format!(
                    "the path {} of {func} is not known statically ({why})",
                    call.path_text
                ));
            }
        };
        let full = normalize(&Path::new(&r.dir).join(&path));
        let Some(f) = self.by_path.get(&full) else {
            if let Some(why) = self.unrendered.get(&full) {
                return unreadable(why.clone());
            }
            return unreadable(format!(
                "{func} reads `{full}`, which is not among the inputs"
            ));
        };
        match f.docs.first() {
            Some(doc) if f.docs.len() == 1 && is_container_definitions(doc) => {
                Some(Containers::Parsed(containers_of(doc, f.id)))
            }
            _ => unreadable(format!(
                "{func} reads `{}`, which is not a JSON array of container definitions",
                f.name
            )),
        }
    }
}

/// The files whose container definitions a Terraform task definition reads.
pub(super) fn referenced(containers: &Containers<'_>, own: FileId) -> Option<FileId> {
    match containers {
        Containers::Parsed(cs) => cs.iter().map(|c| c.file).find(|f| *f != own),
        _ => None,
    }
}
