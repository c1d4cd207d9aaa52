//! Typed, span-keeping views over the loaded documents: what rules read.
//!
//! Nothing here copies values out of the trees: every view holds references to [`Node`]s, so a
//! rule can always report on the exact key or value it looked at.

mod ecs;
pub mod ecs_module;
pub mod ecs_service;
mod files;
mod k8s;
mod tf;

pub use ecs::{Container, Containers, ModuleDefault, TaskDef, TaskDefOrigin};
pub use ecs_service::{EcsService, EffectiveStrategy, StrategyItem, StrategySource};
pub use k8s::{K8sContainer, K8sObject, Workload};
pub use tf::{follow, plan_references};
pub use tf::{TfMode, TfModuleCall, TfOrigin, TfProvider, TfResource};

/// The model's indexes hash with foldhash: they are built over every object of every run, and
/// SipHash (the standard library's default) was most of their cost. Seeded per process like the
/// default, so nothing may depend on their iteration order (nothing does).
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
use std::sync::OnceLock;

use rayon::prelude::*;

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
    tf_by_address: AddressIndex,
    /// `tf_providers` by directory.
    providers_by_dir: HashMap<String, Vec<usize>>,
    /// Managed `aws_ecs_cluster` resources by literal `name`.
    ecs_clusters_by_name: HashMap<String, Near>,
    /// Indexes of `k8s` by kind and of managed `tf` resources by type, so that lookups by kind
    /// cost the number of objects of that kind, not the size of the model.
    k8s_by_kind: HashMap<&'a str, Vec<usize>>,
    /// `k8s` by (kind, name) and by (kind, namespace or `default`).
    k8s_by_kind_name: HashMap<&'a str, HashMap<&'a str, Vec<usize>>>,
    k8s_by_kind_ns: HashMap<&'a str, HashMap<&'a str, Vec<usize>>>,
    tf_by_type: HashMap<&'a str, Vec<usize>>,
    /// `task_defs` by family, and the Terraform ones by their resource (file, anchor): the
    /// service ↔ task definition join looks them up instead of scanning every task definition.
    td_by_family: HashMap<&'a str, Vec<usize>>,
    td_by_resource: HashMap<(FileId, Span), Vec<usize>>,
    /// For each task definition (by index in `task_defs`), the managed `aws_ecs_service`
    /// resources (indexes in `tf`) that run it; built on first use.
    services_by_td: OnceLock<Vec<Vec<usize>>>,
    /// Managed `aws_ecs_service` resources (indexes in `tf`) by Terraform module: (module path,
    /// directory) for `.tf.json`, (module path, file) for plans; built on first use.
    services_by_module: OnceLock<ServicesByModule>,
}

#[derive(Default)]
struct ServicesByModule {
    config: HashMap<(String, String), Vec<usize>>,
    plan: HashMap<(String, FileId), Vec<usize>>,
}

impl<'a> Model<'a> {
    fn empty(db: &'a SourceDb) -> Model<'a> {
        Model {
            db,
            task_defs: Vec::new(),
            k8s: Vec::new(),
            workloads: Vec::new(),
            tf: Vec::new(),
            tf_modules: Vec::new(),
            tf_providers: Vec::new(),
            tf_by_address: AddressIndex::default(),
            providers_by_dir: HashMap::default(),
            ecs_clusters_by_name: HashMap::default(),
            k8s_by_kind: HashMap::default(),
            k8s_by_kind_name: HashMap::default(),
            k8s_by_kind_ns: HashMap::default(),
            tf_by_type: HashMap::default(),
            td_by_family: HashMap::default(),
            td_by_resource: HashMap::default(),
            services_by_td: OnceLock::new(),
            services_by_module: OnceLock::new(),
        }
    }

    pub fn build(db: &'a SourceDb) -> Model<'a> {
        // Each file's objects are collected on their own (in parallel), then appended in file
        // order: the same model as one pass over the files, for any thread count.
        let parts: Vec<Model<'a>> = db
            .files
            .par_iter()
            .map(|f| {
                let mut part = Model::empty(db);
                match f.kind {
                    FileKind::K8s => k8s::collect(f, &mut part.k8s),
                    FileKind::TaskDef => ecs::collect_file(f, &mut part.task_defs),
                    FileKind::TfJson => tf::collect_config(f, &mut part),
                    FileKind::TfPlan => tf::collect_plan(f, &mut part),
                    // Variable values: read by the evaluator, not objects of the model.
                    FileKind::TfVars => {}
                    // Sources of rendered objects: the rendered file holds their objects.
                    FileKind::RenderSource => {}
                }
                part
            })
            .collect();
        let mut m = Model::empty(db);
        let mut parts = parts;
        m.k8s = concat(parts.iter_mut().map(|p| std::mem::take(&mut p.k8s)));
        m.task_defs = concat(parts.iter_mut().map(|p| std::mem::take(&mut p.task_defs)));
        m.tf = concat(parts.iter_mut().map(|p| std::mem::take(&mut p.tf)));
        m.tf_modules = concat(parts.iter_mut().map(|p| std::mem::take(&mut p.tf_modules)));
        m.tf_providers = concat(
            parts
                .iter_mut()
                .map(|p| std::mem::take(&mut p.tf_providers)),
        );
        drop(parts);
        // The indexes of Kubernetes objects, those of Terraform resources and the task
        // definitions Terraform defines are independent of one another: built side by side, each
        // in model order.
        let task_defs = std::mem::take(&mut m.task_defs);
        let (k8s_ix, (tf_ix, td_ix)) = rayon::join(
            || K8sIndexes::build(&m.k8s),
            || {
                rayon::join(
                    || TfIndexes::build(&m.tf),
                    || TaskDefIndexes::build(db, &m.tf, task_defs),
                )
            },
        );
        m.workloads = k8s_ix.workloads;
        m.k8s_by_kind = k8s_ix.by_kind;
        m.k8s_by_kind_name = k8s_ix.by_kind_name;
        m.k8s_by_kind_ns = k8s_ix.by_kind_ns;
        m.tf_by_address = tf_ix.by_address;
        m.tf_by_type = tf_ix.by_type;
        m.ecs_clusters_by_name = tf_ix.clusters_by_name;
        m.task_defs = td_ix.task_defs;
        m.td_by_resource = td_ix.by_resource;
        m.td_by_family = td_ix.by_family;
        for (i, p) in m.tf_providers.iter().enumerate() {
            m.providers_by_dir.entry(p.dir.clone()).or_default().push(i);
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

    /// The managed `aws_ecs_service` resources of the Terraform module of `r`: the same module
    /// path and directory for `.tf.json`, the same module path and plan file for plans.
    pub fn ecs_services_in_module_of<'m>(
        &'m self,
        r: &TfResource<'a>,
    ) -> impl Iterator<Item = &'m TfResource<'a>> + 'm {
        let ix = self.services_by_module.get_or_init(|| {
            let mut ix = ServicesByModule::default();
            for &i in self.tf_indexes_of_type("aws_ecs_service") {
                let s = &self.tf[i];
                match s.origin {
                    TfOrigin::Config => ix
                        .config
                        .entry((s.module.to_string(), s.dir.to_string()))
                        .or_default()
                        .push(i),
                    TfOrigin::Plan => ix
                        .plan
                        .entry((s.module.to_string(), s.file))
                        .or_default()
                        .push(i),
                }
            }
            ix
        });
        let ids: &'m [usize] = match r.origin {
            TfOrigin::Config => ix.config.get(&(r.module.to_string(), r.dir.to_string())),
            TfOrigin::Plan => ix.plan.get(&(r.module.to_string(), r.file)),
        }
        .map_or(&[], Vec::as_slice);
        ids.iter().map(move |&i| &self.tf[i])
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

    /// Indexes in `tf` of the managed resources of any of `types`, in model order: what a walk
    /// of every resource filtered on these types visits, without the walk (a large plan has
    /// hundreds of thousands of resources).
    pub fn tf_indexes_of_types(&self, types: &[&str]) -> Vec<usize> {
        let mut ix: Vec<usize> = types
            .iter()
            .flat_map(|t| self.tf_indexes_of_type(t))
            .copied()
            .collect();
        if types.len() > 1 {
            ix.sort_unstable();
            ix.dedup();
        }
        ix
    }

    /// Resolve a reference address (`aws_iam_role.exec`) seen in `from`: the same file first,
    /// then the same directory (a Terraform module is a directory), then a unique match anywhere.
    pub fn resolve_tf(&self, from: &TfResource<'a>, address: &str) -> Option<&TfResource<'a>> {
        let near = self
            .tf_by_address
            .get(qualify(&from.module, address).as_str())?;
        near.nearest(from.file, Some(from.dir.as_str()), None)
            .and_then(|i| self.tf.get(i))
    }

    /// All resources with an address, whatever file they are in.
    pub fn tf_by_address(&self, address: &str) -> impl Iterator<Item = &TfResource<'a>> {
        self.tf_by_address
            .get(address)
            .into_iter()
            .flat_map(Near::all)
            .map(|i| &self.tf[i])
    }

    /// The providers of a Terraform directory (`TfResource::dir`), in model order.
    pub fn tf_providers_in<'m>(&'m self, dir: &str) -> impl Iterator<Item = &'m TfProvider<'a>> {
        self.providers_by_dir
            .get(dir)
            .into_iter()
            .flatten()
            .map(|&i| &self.tf_providers[i])
    }

    /// The managed `aws_ecs_cluster` named `name` (literal `name`) that `near` means: the first
    /// in its file, else the first in its directory and module, else the only one.
    pub fn ecs_cluster_named(&self, near: &TfResource<'a>, name: &str) -> Option<&TfResource<'a>> {
        let n = self.ecs_clusters_by_name.get(name)?;
        n.nearest(
            near.file,
            None,
            Some(&(near.dir.to_string(), near.module.to_string())),
        )
        .and_then(|i| self.tf.get(i))
    }

    /// Indices (into `k8s`) of the objects of a kind with a `metadata.name`, in model order.
    pub fn k8s_named_ids(&self, kind: &str, name: &str) -> &[usize] {
        self.k8s_by_kind_name
            .get(kind)
            .and_then(|m| m.get(name))
            .map_or(&[], Vec::as_slice)
    }

    /// Indices (into `k8s`) of the objects of a kind, in model order.
    pub fn k8s_ids_of_kind(&self, kind: &str) -> &[usize] {
        self.k8s_by_kind.get(kind).map_or(&[], Vec::as_slice)
    }

    /// Kubernetes objects of a kind with a `metadata.name`, in model order.
    pub fn k8s_named<'m>(
        &'m self,
        kind: &str,
        name: &str,
    ) -> impl Iterator<Item = &'m K8sObject<'a>> + 'm {
        let ids: &'m [usize] = self
            .k8s_by_kind_name
            .get(kind)
            .and_then(|m| m.get(name))
            .map_or(&[], Vec::as_slice);
        ids.iter().map(move |&i| &self.k8s[i])
    }

    /// Kubernetes objects of a kind in a namespace (`default` when none is written).
    pub fn k8s_in_namespace<'m>(
        &'m self,
        kind: &str,
        namespace: &str,
    ) -> impl Iterator<Item = &'m K8sObject<'a>> + 'm {
        let ids: &'m [usize] = self
            .k8s_by_kind_ns
            .get(kind)
            .and_then(|m| m.get(namespace))
            .map_or(&[], Vec::as_slice);
        ids.iter().map(move |&i| &self.k8s[i])
    }

    /// Index in `tf` of a resource of this model (by identity).
    pub fn tf_index(&self, r: &TfResource<'a>) -> Option<usize> {
        let base = self.tf.as_ptr() as usize;
        let size = std::mem::size_of::<TfResource<'a>>().max(1);
        let i = (r as *const TfResource<'a> as usize).checked_sub(base)? / size;
        self.tf.get(i).filter(|x| std::ptr::eq(*x, r)).map(|_| i)
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

/// Resources sharing a key (an address, a name), with the first of them in each file, directory
/// and (directory, module), so that "the one nearest to the referrer" is a lookup however many
/// homonyms the inputs hold.
///
/// The first resource is held inline; the others and the maps only once there is a second one
/// (every lookup with one resource falls back to it, which is what the maps would give): most
/// addresses of a large plan are unique, and a vector and three maps each would cost more than
/// the resource's tree (16 bytes and no allocation per unique address).
struct Near {
    first: usize,
    more: Option<Box<NearMore>>,
}

#[derive(Default)]
struct NearMore {
    /// The resources after the first, in model order.
    rest: Vec<usize>,
    by_file: HashMap<FileId, usize>,
    by_dir: HashMap<crate::doc::Text, usize>,
    by_dir_module: HashMap<(String, String), usize>,
}

impl Near {
    fn new(i: usize) -> Self {
        Near {
            first: i,
            more: None,
        }
    }

    /// Every resource, in model order.
    fn all(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.first).chain(self.more.iter().flat_map(|m| m.rest.iter().copied()))
    }

    /// Add resource `i` of `tf` (after the first); `with_module` also records it by (directory,
    /// module).
    fn push(&mut self, i: usize, tf: &[TfResource<'_>], with_module: bool) {
        if self.more.is_none() {
            // A second homonym: index the first one now, before it (the first one wins).
            let mut more = Box::<NearMore>::default();
            if let Some(r) = tf.get(self.first) {
                more.index(self.first, r, with_module);
            }
            self.more = Some(more);
        }
        if let Some(more) = self.more.as_deref_mut() {
            more.rest.push(i);
            if let Some(r) = tf.get(i) {
                more.index(i, r, with_module);
            }
        }
    }

    /// The first resource in `file`, else the first in `dir` (when `dir` is given), else the only
    /// one.
    fn nearest(
        &self,
        file: FileId,
        dir: Option<&str>,
        dir_module: Option<&(String, String)>,
    ) -> Option<usize> {
        let Some(m) = self.more.as_deref() else {
            return Some(self.first);
        };
        m.by_file
            .get(&file)
            .or_else(|| dir.and_then(|d| m.by_dir.get(d)))
            .or_else(|| dir_module.and_then(|k| m.by_dir_module.get(k)))
            .copied()
    }
}

impl NearMore {
    fn index(&mut self, i: usize, r: &TfResource<'_>, with_module: bool) {
        self.by_file.entry(r.file).or_insert(i);
        if !self.by_dir.contains_key(r.dir.as_str()) {
            self.by_dir.insert(r.dir.clone(), i);
        }
        if with_module {
            self.by_dir_module
                .entry((r.dir.to_string(), r.module.to_string()))
                .or_insert(i);
        }
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

/// The indexes of the model's Kubernetes objects, and their workloads, in model order.
#[derive(Default)]
struct K8sIndexes<'a> {
    workloads: Vec<Workload<'a>>,
    by_kind: HashMap<&'a str, Vec<usize>>,
    by_kind_name: HashMap<&'a str, HashMap<&'a str, Vec<usize>>>,
    by_kind_ns: HashMap<&'a str, HashMap<&'a str, Vec<usize>>>,
}

impl<'a> K8sIndexes<'a> {
    fn build(k8s: &[K8sObject<'a>]) -> Self {
        let mut ix = K8sIndexes::default();
        for (i, o) in k8s.iter().enumerate() {
            ix.by_kind.entry(o.kind).or_default().push(i);
            if let Some(n) = o.name {
                ix.by_kind_name
                    .entry(o.kind)
                    .or_default()
                    .entry(n)
                    .or_default()
                    .push(i);
            }
            ix.by_kind_ns
                .entry(o.kind)
                .or_default()
                .entry(o.namespace_or_default())
                .or_default()
                .push(i);
            if let Some(w) = k8s::workload(i, o) {
                ix.workloads.push(w);
            }
        }
        ix
    }
}

/// The indexes of the model's Terraform resources.
#[derive(Default)]
struct TfIndexes<'a> {
    by_address: AddressIndex,
    by_type: HashMap<&'a str, Vec<usize>>,
    clusters_by_name: HashMap<String, Near>,
}

impl<'a> TfIndexes<'a> {
    fn build(tf: &[TfResource<'a>]) -> Self {
        // The address index and the type indexes are independent: built side by side, each in
        // model order.
        let (by_address, (by_type, clusters_by_name)) =
            rayon::join(|| AddressIndex::build(tf), || Self::by_type(tf));
        TfIndexes {
            by_address,
            by_type,
            clusters_by_name,
        }
    }

    #[allow(clippy::type_complexity)]
    fn by_type(tf: &[TfResource<'a>]) -> (HashMap<&'a str, Vec<usize>>, HashMap<String, Near>) {
        let mut by_type: HashMap<&'a str, Vec<usize>> = HashMap::default();
        let mut clusters_by_name: HashMap<String, Near> = HashMap::default();
        for (i, r) in tf.iter().enumerate() {
            if r.mode == TfMode::Managed {
                by_type.entry(r.rtype).or_default().push(i);
                if r.rtype == "aws_ecs_cluster" {
                    if let Some(name) = r.attr("name").and_then(crate::doc::Node::literal_str) {
                        match clusters_by_name.entry(name.to_string()) {
                            std::collections::hash_map::Entry::Occupied(mut e) => {
                                e.get_mut().push(i, tf, true)
                            }
                            std::collections::hash_map::Entry::Vacant(e) => {
                                e.insert(Near::new(i));
                            }
                        }
                    }
                }
            }
        }
        (by_type, clusters_by_name)
    }
}

/// The Terraform resources by address, in shards chosen by a fixed hash of the address: each
/// shard is built on its own (in parallel: a large plan has hundreds of thousands of
/// addresses), in model order, so every address's [`Near`] is the same as one map's would be.
#[derive(Default)]
struct AddressIndex {
    shards: Vec<HashMap<crate::doc::Text, Near>>,
}

impl AddressIndex {
    const SHARDS: usize = 16;

    fn shard_of(address: &str) -> usize {
        use std::hash::BuildHasher;
        (foldhash::fast::FixedState::with_seed(0).hash_one(address) % Self::SHARDS as u64) as usize
    }

    fn build(tf: &[TfResource<'_>]) -> Self {
        let shard_of: Vec<u8> = tf
            .par_iter()
            .map(|r| Self::shard_of(&r.address) as u8)
            .collect();
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); Self::SHARDS];
        for (i, &s) in shard_of.iter().enumerate() {
            members[s as usize].push(i);
        }
        let shards = members
            .into_par_iter()
            .map(|ix| {
                // Sized once for the worst case (every address distinct, as in a plan), not
                // grown by rehashing.
                let mut map: HashMap<crate::doc::Text, Near> =
                    HashMap::with_capacity_and_hasher(ix.len(), Default::default());
                for i in ix {
                    let r = &tf[i];
                    // The address is copied once per distinct address, not once per resource.
                    match map.get_mut(r.address.as_str()) {
                        Some(near) => near.push(i, tf, false),
                        None => {
                            map.insert(r.address.clone(), Near::new(i));
                        }
                    }
                }
                map
            })
            .collect();
        AddressIndex { shards }
    }

    fn get(&self, address: &str) -> Option<&Near> {
        self.shards.get(Self::shard_of(address))?.get(address)
    }
}

/// The model's task definitions (those of the loaded files, then those of managed Terraform
/// resources) with their indexes.
struct TaskDefIndexes<'a> {
    task_defs: Vec<TaskDef<'a>>,
    by_resource: HashMap<(FileId, Span), Vec<usize>>,
    by_family: HashMap<&'a str, Vec<usize>>,
}

impl<'a> TaskDefIndexes<'a> {
    fn build(db: &'a SourceDb, tf: &[TfResource<'a>], mut task_defs: Vec<TaskDef<'a>>) -> Self {
        let files = files::FilesByPath::new(db);
        let read = |r: &TfResource<'a>, n: &'a crate::doc::Node| files.containers(r, n);
        let is_td =
            |r: &TfResource<'a>| r.rtype == "aws_ecs_task_definition" && r.mode == TfMode::Managed;
        // A container-definitions file that a task definition reads (`file(…)`) is linted
        // through that task definition, not also on its own.
        let referenced: std::collections::HashSet<FileId> = tf
            .iter()
            .filter(|r| is_td(r))
            .filter_map(|r| files::referenced(&read(r, r.attr("container_definitions")?)?, r.file))
            .collect();
        task_defs.retain(|t| t.origin != TaskDefOrigin::File || !referenced.contains(&t.file));
        let mut by_resource: HashMap<(FileId, Span), Vec<usize>> = HashMap::default();
        for (i, r) in tf.iter().enumerate().filter(|(_, r)| is_td(r)) {
            by_resource
                .entry((r.file, r.anchor))
                .or_default()
                .push(task_defs.len());
            task_defs.push(ecs::from_tf(i, r, &read));
        }
        let mut by_family: HashMap<&'a str, Vec<usize>> = HashMap::default();
        for (i, td) in task_defs.iter().enumerate() {
            if let Some(f) = td.family() {
                by_family.entry(f).or_default().push(i);
            }
        }
        TaskDefIndexes {
            task_defs,
            by_resource,
            by_family,
        }
    }
}

/// The vectors one after the other, in order, with no spare capacity. The first non-empty one
/// is grown in place rather than copied: a large plan is one file whose part holds every
/// resource, and copying it into a new vector held both at the peak.
fn concat<T>(parts: impl Iterator<Item = Vec<T>>) -> Vec<T> {
    let parts: Vec<Vec<T>> = parts.filter(|p| !p.is_empty()).collect();
    let total = parts.iter().map(Vec::len).sum::<usize>();
    let mut out: Vec<T> = Vec::new();
    for p in parts {
        if out.capacity() == 0 {
            out = p;
            out.reserve_exact(total - out.len());
        } else {
            out.extend(p);
        }
    }
    out.shrink_to_fit();
    out
}

#[cfg(test)]
mod near_tests {
    use super::*;
    use crate::load::Limits;
    use crate::runner::{load_all, MemoryInput};

    fn load(files: &[(&str, &str)]) -> crate::runner::LoadOutcome {
        let mem = files
            .iter()
            .map(|(p, t)| MemoryInput {
                path: (*p).into(),
                bytes: t.as_bytes().to_vec(),
            })
            .collect();
        let out = load_all(&[], mem, &Limits::default());
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        out
    }

    /// A homonym resolves to the one in the referrer's file, else in its directory, else to the
    /// only one; with two elsewhere and none near, to none. Clusters are found by name the same
    /// way, per (directory, module).
    #[test]
    fn references_resolve_to_the_nearest_homonym() {
        let out = load(&[
            (
                "a/main.tf",
                "resource \"aws_iam_role\" \"exec\" {}\nresource \"aws_ecs_cluster\" \"c\" {\n  name = \"main\"\n}\nresource \"aws_iam_role\" \"only\" {}\n",
            ),
            (
                "a/other.tf",
                "resource \"aws_iam_role\" \"exec\" {}\nresource \"aws_s3_bucket\" \"x\" {}\n",
            ),
            (
                "b/main.tf",
                "resource \"aws_iam_role\" \"exec\" {}\nresource \"aws_ecs_cluster\" \"c\" {\n  name = \"main\"\n}\n",
            ),
            ("c/main.tf", "resource \"aws_s3_bucket\" \"y\" {}\n"),
        ]);
        let model = Model::build(&out.db);
        let by = |addr: &str, path: &str| {
            model
                .tf
                .iter()
                .find(|r| r.address == addr && out.db.files[r.file.0 as usize].name.ends_with(path))
                .unwrap()
        };
        let place = |r: Option<&TfResource<'_>>| {
            r.map(|r| format!("{} {}", out.db.files[r.file.0 as usize].name, r.address))
        };
        // Same file, then same directory.
        assert_eq!(
            place(model.resolve_tf(by("aws_iam_role.exec", "a/main.tf"), "aws_iam_role.exec")),
            Some("a/main.tf aws_iam_role.exec".into())
        );
        assert_eq!(
            place(model.resolve_tf(by("aws_s3_bucket.x", "a/other.tf"), "aws_iam_role.exec")),
            Some("a/other.tf aws_iam_role.exec".into())
        );
        assert_eq!(
            place(model.resolve_tf(by("aws_s3_bucket.x", "a/other.tf"), "aws_ecs_cluster.c")),
            Some("a/main.tf aws_ecs_cluster.c".into())
        );
        // Three homonyms, none in c/: none. One resource: that one, from anywhere.
        assert_eq!(
            place(model.resolve_tf(by("aws_s3_bucket.y", "c/main.tf"), "aws_iam_role.exec")),
            None
        );
        assert_eq!(
            place(model.resolve_tf(by("aws_s3_bucket.y", "c/main.tf"), "aws_iam_role.only")),
            Some("a/main.tf aws_iam_role.only".into())
        );
        // Every homonym, in model order.
        let all: Vec<String> = model
            .tf_by_address("aws_iam_role.exec")
            .map(|r| out.db.files[r.file.0 as usize].name.clone())
            .collect();
        assert_eq!(all, ["a/main.tf", "a/other.tf", "b/main.tf"]);
        assert_eq!(model.tf_by_address("aws_iam_role.none").count(), 0);
        // Clusters by name: the one in the same directory and module.
        assert_eq!(
            place(model.ecs_cluster_named(by("aws_iam_role.exec", "b/main.tf"), "main")),
            Some("b/main.tf aws_ecs_cluster.c".into())
        );
        assert_eq!(
            place(model.ecs_cluster_named(by("aws_s3_bucket.x", "a/other.tf"), "main")),
            Some("a/main.tf aws_ecs_cluster.c".into())
        );
        assert_eq!(
            place(model.ecs_cluster_named(by("aws_s3_bucket.y", "c/main.tf"), "main")),
            None
        );
    }
}
