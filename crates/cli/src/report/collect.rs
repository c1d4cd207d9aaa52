//! The services of a run, read from the model while it is alive: every ECS service (with the
//! task definitions it runs), every task definition no service of the inputs runs, and every
//! Kubernetes workload, each with the places that belong to it (its *scope*, see
//! [`super::attribute`]). A pair from the ECS↔Kubernetes pairing is one service.

use std::collections::{HashMap, HashSet};

use cutover_semantic::k8s::index::K8sIndex;
use cutover_semantic::pairing::Pairing;
use lint_engine::doc::Node;
use lint_engine::model::ecs_service::{ecs_services, EcsService};
use lint_engine::model::{Model, TaskDef, TfResource};
use lint_engine::shared::FactContext;
use lint_engine::source::FileId;
use lint_engine::tfref::parse_refs;
use lint_engine::Span;

/// A place in a file: a finding located inside one belongs to the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub file: FileId,
    pub span: Span,
}

/// One side of a service: what it is and where it is declared.
#[derive(Debug, Clone)]
pub struct Side {
    /// `ECS service`, `task definition`, or the Kubernetes kind.
    pub kind: String,
    /// Terraform address, task-definition family, or `Kind/namespace/name`.
    pub id: String,
    pub at: Place,
}

/// One row of the parity table: the same aspect on both sides.
#[derive(Debug, Clone)]
pub struct ParityRow {
    pub aspect: String,
    /// The parity rule that judges this aspect.
    pub rule: &'static str,
    /// When the rule judges several aspects (PAR002: CPU and memory), the part of its findings'
    /// logical path that names this one (`.cpu`).
    pub topic: Option<&'static str>,
    /// In a pair with several containers, the Kubernetes container the row is about
    /// (`containers[app]`): a finding about another container does not judge it.
    pub container: Option<String>,
    pub ecs: Option<(String, Place)>,
    pub k8s: Option<(String, Place)>,
    /// `ok`, or the severity and ID of the parity rule's finding on the service.
    pub verdict: String,
}

/// What a unit was read from (indices into the model), for the pairing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// `model.tf`.
    Service(usize),
    /// `model.task_defs`.
    TaskDef(usize),
    /// `model.workloads`.
    Workload(usize),
}

/// A service as the report shows it: an ECS side, a Kubernetes side, or both (a pair).
#[derive(Debug, Clone)]
pub struct Unit {
    pub key: Key,
    /// How the pair was found (`annotation`, `name`…), for a pair.
    pub paired_by: Option<&'static str>,
    pub name: String,
    pub ecs: Option<Side>,
    pub k8s: Option<Side>,
    /// Everything that belongs to the service (see [`super::attribute`]).
    pub scope: Vec<Place>,
    pub parity: Vec<ParityRow>,
}

fn place(file: FileId, span: Span) -> Place {
    Place { file, span }
}

/// Task definition, its containers (which may live in another file) and its anchor.
fn task_def_scope(td: &TaskDef<'_>, out: &mut Vec<Place>) {
    out.push(place(td.file, td.node.span));
    out.push(place(td.file, td.anchor));
    for c in td.containers() {
        out.push(place(c.file, c.node.span));
    }
}

fn resource_scope(r: &TfResource<'_>, out: &mut Vec<Place>) {
    out.push(place(r.file, r.values.span));
    out.push(place(r.file, r.anchor));
}

/// Target groups the service's `load_balancer` blocks name.
fn target_groups<'m, 'a>(model: &'m Model<'a>, svc: &TfResource<'a>) -> Vec<&'m TfResource<'a>> {
    let mut refs = Vec::new();
    if let Some(lb) = svc.values.get("load_balancer") {
        for block in lb.blocks() {
            if let Some(s) = block.get("target_group_arn").and_then(Node::as_str) {
                refs.extend(parse_refs(s));
            }
        }
    }
    if refs.is_empty() {
        refs = svc.resource_refs_at(&["load_balancer", "target_group_arn"]);
    }
    refs.iter()
        .filter(|r| r.address.contains("target_group."))
        .filter_map(|r| model.resolve_tf(svc, &r.address))
        .collect()
}

fn ecs_unit<'a>(model: &Model<'a>, svc: &EcsService<'_, 'a>, used: &mut HashSet<usize>) -> Unit {
    let r = svc.resource;
    let mut scope = Vec::new();
    resource_scope(r, &mut scope);
    for td in svc.task_definitions(model).task_defs {
        if let Some(i) = model.task_def_index(td) {
            used.insert(i);
        }
        task_def_scope(td, &mut scope);
    }
    for tg in target_groups(model, r) {
        resource_scope(tg, &mut scope);
    }
    let name = svc
        .name()
        .map_or_else(|| r.name.to_string(), str::to_string);
    Unit {
        key: Key::Service(model.tf_index(r).unwrap_or(usize::MAX)),
        paired_by: None,
        name,
        ecs: Some(Side {
            kind: "ECS service".into(),
            id: r.address.to_string(),
            at: place(r.file, r.anchor),
        }),
        k8s: None,
        scope,
        parity: Vec::new(),
    }
}

fn task_def_unit(i: usize, td: &TaskDef<'_>) -> Unit {
    let mut scope = Vec::new();
    task_def_scope(td, &mut scope);
    Unit {
        key: Key::TaskDef(i),
        paired_by: None,
        name: td.family().unwrap_or(td.logical.as_str()).to_string(),
        ecs: Some(Side {
            kind: "task definition".into(),
            id: td.logical.clone(),
            at: place(td.file, td.anchor),
        }),
        k8s: None,
        scope,
        parity: Vec::new(),
    }
}

/// ServiceAccounts by (effective namespace, name).
type Accounts<'a> = HashMap<(&'a str, &'a str), Vec<usize>>;

fn workload_unit(model: &Model<'_>, ix: &K8sIndex, sas: &Accounts<'_>, w: usize) -> Option<Unit> {
    let wl = model.workloads.get(w)?;
    let obj = model.k8s.get(wl.object)?;
    let mut scope = vec![place(obj.file, obj.node.span)];
    let mut joined: Vec<usize> = Vec::new();
    joined.extend(ix.services_of(w));
    joined.extend(ix.lb_targets(w).iter().map(|(_, lb)| lb.object));
    joined.extend(ix.pdbs_of(w));
    joined.extend(ix.hpas_of(w));
    let sa = wl
        .pod_spec
        .get("serviceAccountName")
        .or_else(|| wl.pod_spec.get("serviceAccount"))
        .and_then(Node::as_str)
        .unwrap_or("default");
    let ns = ix.namespace(wl.object);
    if let Some(found) = sas.get(&(ns, sa)) {
        joined.extend(found.iter().filter(|&&i| ix.same_repo(i, wl.object)));
    }
    for j in joined {
        if let Some(o) = model.k8s.get(j) {
            scope.push(place(o.file, o.node.span));
        }
    }
    Some(Unit {
        key: Key::Workload(w),
        paired_by: None,
        name: obj.name.unwrap_or(obj.kind).to_string(),
        ecs: None,
        k8s: Some(Side {
            kind: obj.kind.to_string(),
            id: obj.logical(),
            at: place(obj.file, obj.anchor()),
        }),
        scope,
        parity: Vec::new(),
    })
}

/// Every service of the model, ECS first (services, then task definitions no service runs),
/// then Kubernetes workloads; pairs merged into their ECS row.
///
/// The facts are those the rules of the run built (the join index, the pairing), or are built
/// here when no rule asked for them.
pub fn collect(cx: &FactContext<'_, '_>) -> Vec<Unit> {
    let model = cx.model;
    let ix = cx.get::<K8sIndex>();
    let mut used = HashSet::new();
    let mut units: Vec<Unit> = ecs_services(model)
        .map(|s| ecs_unit(model, &s, &mut used))
        .collect();
    units.extend(
        model
            .task_defs
            .iter()
            .enumerate()
            .filter(|(i, _)| !used.contains(i))
            .map(|(i, td)| task_def_unit(i, td)),
    );
    let mut sas: Accounts<'_> = HashMap::new();
    for (i, o) in model.k8s.iter().enumerate() {
        if let (true, Some(name)) = (o.kind == "ServiceAccount", o.name) {
            sas.entry((ix.namespace(i), name)).or_default().push(i);
        }
    }
    let k8s: Vec<Unit> = (0..model.workloads.len())
        .filter_map(|w| workload_unit(model, ix, &sas, w))
        .collect();
    super::pairs::merge(model, cx.get::<Pairing>(), units, k8s)
}
