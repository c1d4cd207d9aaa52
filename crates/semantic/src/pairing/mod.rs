//! ECS ↔ Kubernetes pairing (a shared fact: `cx.shared::<Pairing>()`): which Kubernetes
//! workload runs what an ECS service (or a task definition no service runs) ran, and which
//! containers correspond. The PAR rules and the readiness report read it.
//!
//! Pairs are found in this order, the first hit winning:
//! 1. an explicit `[[parity.pairs]]` entry of the configuration;
//! 2. the workload annotation `cutover.dev/ecs-service: <service name or family>`;
//! 3. equal names after normalisation (lower case, `_` → `-`, without `ecs-`, `-service`,
//!    `-svc` and an environment suffix such as `-prod`), against the service name and the
//!    task-definition family;
//! 4. a shared image repository (tag and digest ignored) when exactly one candidate on each
//!    side shares it.
//!
//! Methods 3 and 4 only pair within one repository and must be unambiguous: two candidates for
//! one side means no pair (an unknown is never guessed). Containers pair by name, then by a
//! unique image repository, then — one container on each side — with each other.

mod build;
mod names;

#[cfg(test)]
mod tests;

use lint_engine::model::{
    ecs_service::EcsService, Container, K8sContainer, K8sObject, Model, TaskDef, Workload,
};
use lint_engine::shared::{Fact, FactContext};
use lint_engine::source::{FileId, Span};

pub use build::image_repository;
pub use names::normalise_name;

use crate::k8s::K8sIndex;

/// The annotation that names a workload's ECS counterpart.
pub const ECS_SERVICE_ANNOTATION: &str = "cutover.dev/ecs-service";

/// The ECS side of a pair: a managed `aws_ecs_service`, or a task definition that no service of
/// the inputs runs (a raw task-definition file, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EcsSide {
    /// A service (index into `model.tf`) and the task definition it runs (index into
    /// `model.task_defs`; `None` when it cannot be resolved from the inputs).
    Service { tf: usize, task_def: Option<usize> },
    /// A task definition (index into `model.task_defs`) that no service runs.
    TaskDef { task_def: usize },
}

impl EcsSide {
    /// The service view, for a service.
    pub fn service<'m, 'a>(&self, model: &'m Model<'a>) -> Option<EcsService<'m, 'a>> {
        match *self {
            EcsSide::Service { tf, .. } => model.tf.get(tf).map(|resource| EcsService { resource }),
            EcsSide::TaskDef { .. } => None,
        }
    }
    /// Index into `model.task_defs` of the task definition, when known.
    pub fn task_def_index(&self) -> Option<usize> {
        match *self {
            EcsSide::Service { task_def, .. } => task_def,
            EcsSide::TaskDef { task_def } => Some(task_def),
        }
    }
    /// The task definition, when known.
    pub fn task_def<'m, 'a>(&self, model: &'m Model<'a>) -> Option<&'m TaskDef<'a>> {
        self.task_def_index().and_then(|i| model.task_defs.get(i))
    }
    /// The service name (literal), else the task-definition family.
    pub fn name<'a>(&self, model: &Model<'a>) -> Option<&'a str> {
        self.service(model)
            .and_then(|s| s.name())
            .or_else(|| self.family(model))
    }
    /// The task-definition family, when literal.
    pub fn family<'a>(&self, model: &Model<'a>) -> Option<&'a str> {
        self.task_def(model).and_then(TaskDef::family)
    }
    /// A name for messages: the service name (or its Terraform address), else the family, else
    /// the task definition's logical name.
    pub fn display_name(&self, model: &Model<'_>) -> String {
        if let Some(s) = self.service(model) {
            return s.display_name();
        }
        match self.task_def(model) {
            Some(td) => td
                .family()
                .map_or_else(|| td.logical.clone(), str::to_string),
            None => String::new(),
        }
    }
    /// The file and span that identify the ECS side (the service `name`, else the task
    /// definition's anchor).
    pub fn anchor(&self, model: &Model<'_>) -> Option<(FileId, Span)> {
        if let Some(s) = self.service(model) {
            return Some((s.resource.file, s.anchor()));
        }
        self.task_def(model).map(|td| (td.file, td.anchor))
    }
    /// The containers of the task definition (empty when unknown).
    pub fn containers<'m, 'a>(&self, model: &'m Model<'a>) -> &'m [Container<'a>] {
        self.task_def(model).map_or(&[], TaskDef::containers)
    }
}

/// How a pair was found (reported by the readiness report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PairMethod {
    /// `[[parity.pairs]]` in the configuration.
    Config,
    /// The workload annotation `cutover.dev/ecs-service`.
    Annotation,
    /// Equal names after normalisation.
    Name,
    /// The only ECS service and the only workload sharing an image repository.
    Image,
}

impl PairMethod {
    /// A short description: "configuration", "annotation", "name", "image".
    pub fn describe(self) -> &'static str {
        match self {
            PairMethod::Config => "configuration",
            PairMethod::Annotation => "annotation",
            PairMethod::Name => "name",
            PairMethod::Image => "image",
        }
    }
}

/// How two containers of a pair were matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContainerMethod {
    /// Same container name.
    Name,
    /// The only two containers sharing an image repository.
    Image,
    /// Each side has exactly one container, with different names and images.
    Only,
}

/// Two corresponding containers: `ecs` indexes the task definition's `containers()`, `k8s` the
/// workload's `containers` (init containers are not paired).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContainerPair {
    pub ecs: usize,
    pub k8s: usize,
    pub method: ContainerMethod,
}

/// One ECS side and its Kubernetes counterpart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub ecs: EcsSide,
    /// Index into `model.workloads`.
    pub k8s: usize,
    pub method: PairMethod,
    pub containers: Vec<ContainerPair>,
}

impl Pair {
    pub fn workload<'m, 'a>(&self, model: &'m Model<'a>) -> Option<&'m Workload<'a>> {
        model.workloads.get(self.k8s)
    }
    /// The workload's object (Deployment, StatefulSet…).
    pub fn object<'m, 'a>(&self, model: &'m Model<'a>) -> Option<&'m K8sObject<'a>> {
        self.workload(model).and_then(|w| model.k8s.get(w.object))
    }
    /// The matched containers, resolved: (ECS container, Kubernetes container, method).
    pub fn container_pairs<'m, 'a>(
        &self,
        model: &'m Model<'a>,
    ) -> Vec<(&'m Container<'a>, &'m K8sContainer<'a>, ContainerMethod)> {
        let ecs = self.ecs.containers(model);
        let Some(w) = self.workload(model) else {
            return Vec::new();
        };
        self.containers
            .iter()
            .filter_map(|c| Some((ecs.get(c.ecs)?, w.containers.get(c.k8s)?, c.method)))
            .collect()
    }
    /// `Kind/namespace/name` of the workload, with the effective namespace.
    pub fn k8s_display(&self, model: &Model<'_>, index: &K8sIndex) -> String {
        let Some(w) = self.workload(model) else {
            return String::new();
        };
        let Some(o) = model.k8s.get(w.object) else {
            return String::new();
        };
        format!(
            "{}/{}/{}",
            o.kind,
            index.namespace(w.object),
            o.name.unwrap_or("?")
        )
    }
}

/// The pairing of one run.
#[derive(Debug, Clone, Default)]
pub struct Pairing {
    /// Pairs in a deterministic order (by ECS side, then workload).
    pub pairs: Vec<Pair>,
    /// ECS sides without a counterpart.
    pub unpaired_ecs: Vec<EcsSide>,
    /// Workloads (indices into `model.workloads`) without a counterpart.
    pub unpaired_k8s: Vec<usize>,
    /// `[[parity.pairs]]` entries that name no ECS service or no workload of the inputs:
    /// (entry index, what was not found).
    pub unmatched_config: Vec<(usize, String)>,
    /// The first pair of each workload and of each ECS side (indexes into `pairs`), built on the
    /// first lookup: the PAR rules look up every workload, and a scan of `pairs` per workload
    /// made that quadratic.
    lookup: std::sync::OnceLock<Lookup>,
}

#[derive(Debug, Clone, Default)]
struct Lookup {
    by_workload: std::collections::HashMap<usize, usize>,
    by_ecs: std::collections::BTreeMap<EcsSide, usize>,
}

impl Pairing {
    fn lookup(&self) -> &Lookup {
        self.lookup.get_or_init(|| {
            let mut l = Lookup::default();
            for (i, p) in self.pairs.iter().enumerate() {
                l.by_workload.entry(p.k8s).or_insert(i);
                l.by_ecs.entry(p.ecs).or_insert(i);
            }
            l
        })
    }
    /// The pair of a workload (index into `model.workloads`).
    pub fn pair_of_workload(&self, workload: usize) -> Option<&Pair> {
        self.pairs.get(*self.lookup().by_workload.get(&workload)?)
    }
    /// The pair of an ECS side.
    pub fn pair_of_ecs(&self, ecs: &EcsSide) -> Option<&Pair> {
        self.pairs.get(*self.lookup().by_ecs.get(ecs)?)
    }
}

impl Fact for Pairing {
    type Value<'m, 'a: 'm> = Pairing;
    fn build<'m, 'a: 'm>(cx: &FactContext<'m, 'a>) -> Pairing {
        let index = cx.get::<K8sIndex>();
        build::build(cx.model, &cx.config.parity, index)
    }
}
