//! Typed, span-keeping views over the loaded documents: what rules read.
//!
//! Nothing here copies values out of the trees: every view holds references to [`Node`]s, so a
//! rule can always report on the exact key or value it looked at.

mod ecs;
pub mod ecs_service;
mod k8s;
mod tf;

pub use ecs::{Container, Containers, TaskDef, TaskDefOrigin};
pub use ecs_service::{EcsService, EffectiveStrategy, StrategyItem, StrategySource};
pub use k8s::{K8sContainer, K8sObject, Workload};
pub use tf::follow;
pub use tf::{TfMode, TfModuleCall, TfOrigin, TfProvider, TfResource};

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::source::{FileId, FileKind, SourceDb, SourceFile, Span};

/// The cross-file model of one run.
pub struct Model<'a> {
    pub db: &'a SourceDb,
    pub task_defs: Vec<TaskDef<'a>>,
    pub k8s: Vec<K8sObject<'a>>,
    pub workloads: Vec<Workload<'a>>,
    pub tf: Vec<TfResource<'a>>,
    pub tf_modules: Vec<TfModuleCall<'a>>,
    pub tf_providers: Vec<TfProvider<'a>>,
    tf_by_address: HashMap<String, Vec<usize>>,
    /// Indexes of `k8s` by kind and of managed `tf` resources by type, so that lookups by kind
    /// cost the number of objects of that kind, not the size of the model.
    k8s_by_kind: HashMap<&'a str, Vec<usize>>,
    tf_by_type: HashMap<&'a str, Vec<usize>>,
    /// `task_defs` by family, and the Terraform ones by their resource (file, anchor): the
    /// service ↔ task definition join looks them up instead of scanning every task definition.
    td_by_family: HashMap<&'a str, Vec<usize>>,
    td_by_resource: HashMap<(FileId, Span), Vec<usize>>,
    /// For each task definition (by index in `task_defs`), the managed `aws_ecs_service`
    /// resources (indexes in `tf`) that run it; built on first use.
    services_by_td: OnceLock<Vec<Vec<usize>>>,
}

impl<'a> Model<'a> {
    pub fn build(db: &'a SourceDb) -> Model<'a> {
        let mut m = Model {
            db,
            task_defs: Vec::new(),
            k8s: Vec::new(),
            workloads: Vec::new(),
            tf: Vec::new(),
            tf_modules: Vec::new(),
            tf_providers: Vec::new(),
            tf_by_address: HashMap::new(),
            k8s_by_kind: HashMap::new(),
            tf_by_type: HashMap::new(),
            td_by_family: HashMap::new(),
            td_by_resource: HashMap::new(),
            services_by_td: OnceLock::new(),
        };
        for f in &db.files {
            match f.kind {
                FileKind::K8s => k8s::collect(f, &mut m.k8s),
                FileKind::TaskDef => ecs::collect_file(f, &mut m.task_defs),
                FileKind::TfJson => tf::collect_config(f, &mut m),
                FileKind::TfPlan => tf::collect_plan(f, &mut m),
            }
        }
        for (i, o) in m.k8s.iter().enumerate() {
            m.k8s_by_kind.entry(o.kind).or_default().push(i);
            if let Some(w) = k8s::workload(i, o) {
                m.workloads.push(w);
            }
        }
        for (i, r) in m.tf.iter().enumerate() {
            m.tf_by_address
                .entry(r.address.clone())
                .or_default()
                .push(i);
            if r.mode == TfMode::Managed {
                m.tf_by_type.entry(r.rtype).or_default().push(i);
            }
            if r.rtype == "aws_ecs_task_definition" && r.mode == TfMode::Managed {
                m.td_by_resource
                    .entry((r.file, r.anchor))
                    .or_default()
                    .push(m.task_defs.len());
                m.task_defs.push(ecs::from_tf(i, r));
            }
        }
        for (i, td) in m.task_defs.iter().enumerate() {
            if let Some(f) = td.family() {
                m.td_by_family.entry(f).or_default().push(i);
            }
        }
        m
    }

    /// Task definitions whose `family` is `family`, in model order.
    pub fn task_defs_of_family<'m>(
        &'m self,
        family: &str,
    ) -> impl Iterator<Item = &'m TaskDef<'a>> + 'm {
        self.td_by_family
            .get(family)
            .into_iter()
            .flatten()
            .map(|&i| &self.task_defs[i])
    }

    /// Task definitions defined by the managed Terraform resource at (`file`, `anchor`).
    pub fn task_defs_of_resource<'m>(
        &'m self,
        file: FileId,
        anchor: Span,
    ) -> impl Iterator<Item = &'m TaskDef<'a>> + 'm {
        self.td_by_resource
            .get(&(file, anchor))
            .into_iter()
            .flatten()
            .map(|&i| &self.task_defs[i])
    }

    /// Index in `task_defs` of a task definition of this model (by identity).
    pub fn task_def_index(&self, td: &TaskDef<'a>) -> Option<usize> {
        let base = self.task_defs.as_ptr() as usize;
        let at = td as *const TaskDef<'a> as usize;
        let size = std::mem::size_of::<TaskDef<'a>>().max(1);
        let i = at.checked_sub(base)? / size;
        self.task_defs
            .get(i)
            .filter(|t| std::ptr::eq(*t, td))
            .map(|_| i)
            .or_else(|| {
                self.task_defs
                    .iter()
                    .position(|t| std::ptr::eq(t.node, td.node))
            })
    }

    /// For each task definition, the `tf` indexes of the services that run it (computed once).
    pub(crate) fn services_by_td(&self, build: impl FnOnce() -> Vec<Vec<usize>>) -> &[Vec<usize>] {
        self.services_by_td.get_or_init(build)
    }

    pub fn file(&self, id: FileId) -> &'a SourceFile {
        self.db.get(id)
    }

    /// Terraform resources of a type (managed resources only).
    pub fn tf_of_type<'m>(
        &'m self,
        rtype: &'m str,
    ) -> impl Iterator<Item = &'m TfResource<'a>> + 'm {
        self.tf_by_type
            .get(rtype)
            .into_iter()
            .flatten()
            .map(|&i| &self.tf[i])
    }

    /// Indexes in `tf` of the managed resources of a type.
    pub fn tf_indexes_of_type(&self, rtype: &str) -> &[usize] {
        self.tf_by_type.get(rtype).map_or(&[], Vec::as_slice)
    }

    /// Resolve a reference address (`aws_iam_role.exec`) seen in `from`: the same file first,
    /// then the same directory (a Terraform module is a directory), then a unique match anywhere.
    pub fn resolve_tf(&self, from: &TfResource<'a>, address: &str) -> Option<&TfResource<'a>> {
        let cands = self.tf_by_address.get(&qualify(&from.module, address))?;
        let pick = |pred: &dyn Fn(&TfResource<'a>) -> bool| {
            cands.iter().map(|&i| &self.tf[i]).find(|r| pred(r))
        };
        pick(&|r| r.file == from.file)
            .or_else(|| pick(&|r| r.dir == from.dir))
            .or_else(|| (cands.len() == 1).then(|| &self.tf[cands[0]]))
    }

    /// All resources with an address, whatever file they are in.
    pub fn tf_by_address(&self, address: &str) -> impl Iterator<Item = &TfResource<'a>> {
        self.tf_by_address
            .get(address)
            .into_iter()
            .flatten()
            .map(|&i| &self.tf[i])
    }

    /// Kubernetes objects of a kind (case-sensitive, e.g. `Service`).
    pub fn k8s_of_kind<'m>(
        &'m self,
        kind: &'m str,
    ) -> impl Iterator<Item = &'m K8sObject<'a>> + 'm {
        self.k8s_by_kind
            .get(kind)
            .into_iter()
            .flatten()
            .map(|&i| &self.k8s[i])
    }
}

/// Prefix a module-relative address with its module path (`module.app.`), unless already global.
pub fn qualify(module: &str, address: &str) -> String {
    if module.is_empty() || address.starts_with("module.") {
        address.to_string()
    } else {
        format!("{module}.{address}")
    }
}

/// `executionRoleArn` → `execution_role_arn`.
pub fn camel_to_snake(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
