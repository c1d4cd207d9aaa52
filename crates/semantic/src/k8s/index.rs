//! The Kubernetes join index (`cx.shared::<K8sIndex>()`): effective namespaces, repository
//! scopes, Service → workloads, load balancers → Services, PDB and HPA → workloads. Every join
//! stays within one namespace and one repository.

use std::collections::{BTreeMap, HashMap};

use lint_engine::doc::Node;
use lint_engine::model::{K8sObject, Model, Workload};
use lint_engine::shared::{Fact, FactContext};

use super::backends::{ingress_backends, ingress_mode, nlb_mode, tgb_ref, LbRef, TargetMode, Via};
use super::repo::RepoScopes;
use super::selector::{label_pairs, Selector};

/// Joins of the Kubernetes objects of one run. Indices are into `model.k8s` (objects) and
/// `model.workloads` (workloads).
#[derive(Debug, Default)]
pub struct K8sIndex {
    namespace: Vec<String>,
    /// Objects whose `metadata.namespace` is written but is not a string (an unrendered
    /// template value): they join nothing, since their namespace is unknown.
    unknown_namespace: Vec<bool>,
    scope: Vec<usize>,
    file_scope: HashMap<lint_engine::source::FileId, usize>,
    workload_of_object: HashMap<usize, usize>,
    services_of: Vec<Vec<usize>>,
    lb_of_service: BTreeMap<usize, Vec<LbRef>>,
    pdbs_of: Vec<Vec<usize>>,
    pdb_targets: BTreeMap<usize, Vec<usize>>,
    hpas_of: Vec<Vec<usize>>,
    hpa_target: BTreeMap<usize, usize>,
    /// Objects by repository, then kind, in input order.
    by_repo_kind: HashMap<usize, HashMap<String, Vec<usize>>>,
}

/// Whether a workload kind runs until stopped (replicas count) rather than to completion.
pub fn is_replicated(kind: &str) -> bool {
    matches!(
        kind,
        "Deployment" | "StatefulSet" | "ReplicaSet" | "Rollout"
    )
}

/// `spec.replicas` of a replicated workload (1 when absent or written empty, as the API server
/// defaults it); `None` for other kinds or a value that is not a number (a template expression).
pub fn replicas(obj: &K8sObject<'_>) -> Option<i64> {
    if !is_replicated(obj.kind) {
        return None;
    }
    match obj
        .node
        .path(&["spec", "replicas"])
        .filter(|n| !n.is_null())
    {
        None => Some(1),
        Some(n) => n.as_i64(),
    }
}

impl K8sIndex {
    pub fn build(model: &Model<'_>, default_namespace: Option<&str>) -> K8sIndex {
        let default_ns = default_namespace.unwrap_or("default");
        let mut scopes = RepoScopes::default();
        let mut scope_ids: BTreeMap<Option<std::path::PathBuf>, usize> = BTreeMap::new();
        let mut by_file: HashMap<lint_engine::source::FileId, usize> = HashMap::new();
        let mut ix = K8sIndex::default();
        for o in &model.k8s {
            ix.namespace
                .push(o.namespace.unwrap_or(default_ns).to_string());
            ix.unknown_namespace.push(
                o.namespace.is_none()
                    && o.node
                        .path(&["metadata", "namespace"])
                        .is_some_and(|n| !n.is_null()),
            );
            let s = *by_file.entry(o.file).or_insert_with(|| {
                let root = scopes.root_of(&model.file(o.file).path);
                let n = scope_ids.len();
                *scope_ids.entry(root).or_insert(n)
            });
            ix.scope.push(s);
            ix.by_repo_kind
                .entry(s)
                .or_default()
                .entry(o.kind.to_string())
                .or_default()
                .push(ix.scope.len() - 1);
        }
        for f in model.db.iter() {
            let root = scopes.root_of(&f.path);
            let n = scope_ids.len();
            let s = *scope_ids.entry(root).or_insert(n);
            ix.file_scope.insert(f.id, s);
        }
        let n = model.workloads.len();
        ix.hpas_of = vec![Vec::new(); n];
        for (wi, w) in model.workloads.iter().enumerate() {
            ix.workload_of_object.insert(w.object, wi);
        }
        let kinds = |kind: &'static str| {
            model
                .k8s_ids_of_kind(kind)
                .iter()
                .filter_map(|&i| model.k8s.get(i).map(|o| (i, o)))
        };
        // Workloads by (repository, namespace): the only ones a selector of that namespace
        // can join; their pod labels read once.
        let pod_labels: Vec<Vec<(&str, &str)>> = model
            .workloads
            .iter()
            .map(|w| label_pairs(w.pod_labels))
            .collect();
        // Copies, so that the index can grow while they are read.
        let (scope, unknown, ns) = (
            ix.scope.clone(),
            ix.unknown_namespace.clone(),
            ix.namespace.clone(),
        );
        let known = |o: usize| -> Option<(usize, &str)> {
            match (scope.get(o), unknown.get(o)) {
                (Some(&s), Some(false)) => Some((s, ns.get(o).map_or("default", String::as_str))),
                _ => None,
            }
        };
        let mut joinable: HashMap<(usize, &str), Vec<usize>> = HashMap::new();
        for (wi, w) in model.workloads.iter().enumerate() {
            if let Some(key) = known(w.object) {
                joinable.entry(key).or_default().push(wi);
            }
        }
        let joinable_from = |from: usize| -> &[usize] {
            known(from)
                .and_then(|key| joinable.get(&key))
                .map_or(&[], Vec::as_slice)
        };
        let mut services_of = vec![Vec::new(); model.workloads.len()];
        let mut pdbs_of = vec![Vec::new(); model.workloads.len()];
        // Services → workloads.
        for (si, svc) in kinds("Service") {
            let Some(sel) = svc
                .node
                .path(&["spec", "selector"])
                .and_then(Selector::from_map)
                .filter(|s| !s.is_empty())
            else {
                continue;
            };
            for &wi in joinable_from(si) {
                if sel.matches(&pod_labels[wi]) {
                    services_of[wi].push(si);
                }
            }
            if let Some((mode, mode_span)) = nlb_mode(svc) {
                ix.lb_of_service.entry(si).or_default().push(LbRef {
                    object: si,
                    via: Via::LoadBalancerService,
                    mode,
                    mode_span,
                });
            }
        }
        // Ingresses and TargetGroupBindings → Services.
        for (ii, ing) in kinds("Ingress") {
            for (name, port) in ingress_backends(ing) {
                for si in ix.services_named(model, ii, name) {
                    let svc = &model.k8s[si];
                    if port.as_ref().is_none_or(|p| p.served_by(svc)) {
                        let (mode, mode_span) = ingress_mode(ing, svc);
                        ix.push_lb(si, ii, Via::Ingress, mode, mode_span);
                    }
                }
            }
        }
        for (ti, tgb) in kinds("TargetGroupBinding") {
            if !tgb.api_version.starts_with("elbv2.k8s.aws/") {
                continue;
            }
            let Some((name, port, mode, mode_span)) = tgb_ref(tgb) else {
                continue;
            };
            for si in ix.services_named(model, ti, name) {
                if port.as_ref().is_none_or(|p| p.served_by(&model.k8s[si])) {
                    ix.push_lb(si, ti, Via::TargetGroupBinding, mode, mode_span);
                }
            }
        }
        // PodDisruptionBudgets → workloads (by selector).
        for (pi, pdb) in kinds("PodDisruptionBudget") {
            let Some(sel) = pdb
                .node
                .path(&["spec", "selector"])
                .and_then(Selector::from_label_selector)
            else {
                // An unreadable selector (unknown operator): no join, and no claim either way.
                continue;
            };
            let mut hit = Vec::new();
            for &wi in joinable_from(pi) {
                if sel.matches(&pod_labels[wi]) {
                    pdbs_of[wi].push(pi);
                    hit.push(wi);
                }
            }
            ix.pdb_targets.insert(pi, hit);
        }
        // HorizontalPodAutoscalers → workloads (scaleTargetRef kind and name).
        for (hi, hpa) in kinds("HorizontalPodAutoscaler") {
            let r = hpa.node.path(&["spec", "scaleTargetRef"]);
            let kind = r.and_then(|r| r.get("kind")).and_then(Node::as_str);
            let name = r.and_then(|r| r.get("name")).and_then(Node::as_str);
            let (Some(kind), Some(name)) = (kind, name) else {
                continue;
            };
            for &oi in model.k8s_named_ids(kind, name) {
                if let (true, Some(&wi)) = (ix.joins(hi, oi), ix.workload_of_object.get(&oi)) {
                    ix.hpas_of[wi].push(hi);
                    ix.hpa_target.entry(hi).or_insert(wi);
                }
            }
        }
        ix.services_of = services_of;
        ix.pdbs_of = pdbs_of;
        ix
    }

    fn push_lb(
        &mut self,
        svc: usize,
        object: usize,
        via: Via,
        mode: TargetMode,
        mode_span: Option<lint_engine::source::Span>,
    ) {
        let refs = self.lb_of_service.entry(svc).or_default();
        if !refs.iter().any(|r| r.object == object) {
            refs.push(LbRef {
                object,
                via,
                mode,
                mode_span,
            });
        }
    }

    fn services_named(&self, model: &Model<'_>, from: usize, name: &str) -> Vec<usize> {
        model
            .k8s_named_ids("Service", name)
            .iter()
            .copied()
            .filter(|&si| self.joins(from, si))
            .collect()
    }

    /// Effective namespace of object `i` (its own, else the configured default, else `default`).
    pub fn namespace(&self, i: usize) -> &str {
        self.namespace.get(i).map_or("default", String::as_str)
    }

    /// Objects `a` and `b` are in the same repository.
    pub fn same_repo(&self, a: usize, b: usize) -> bool {
        self.scope.get(a).is_some() && self.scope.get(a) == self.scope.get(b)
    }

    /// The repository (an opaque identifier) of object `obj`: equal identifiers, same repository.
    pub fn repo_of_object(&self, obj: usize) -> Option<usize> {
        self.scope.get(obj).copied()
    }

    /// The repository (same identifiers as [`Self::repo_of_object`]) of file `file`.
    pub fn repo_of_file(&self, file: lint_engine::source::FileId) -> Option<usize> {
        self.file_scope.get(&file).copied()
    }

    /// Object `obj` and file `file` (a Terraform file, say) are in the same repository.
    pub fn same_repo_file(&self, obj: usize, file: lint_engine::source::FileId) -> bool {
        self.scope.get(obj).is_some() && self.scope.get(obj) == self.file_scope.get(&file)
    }

    /// Object `i` writes a `metadata.namespace` that is not a string: its namespace is unknown
    /// and it joins no other object.
    pub fn namespace_unknown(&self, i: usize) -> bool {
        self.unknown_namespace.get(i).copied().unwrap_or(false)
    }

    /// Objects `a` and `b` may refer to each other: same repository and same (known) namespace.
    pub fn joins(&self, a: usize, b: usize) -> bool {
        self.same_repo(a, b)
            && !self.namespace_unknown(a)
            && !self.namespace_unknown(b)
            && self.namespace(a) == self.namespace(b)
    }

    /// Index in `model.workloads` of the workload whose object is `object`.
    pub fn workload_of(&self, object: usize) -> Option<usize> {
        self.workload_of_object.get(&object).copied()
    }

    /// Services (object indices) whose selector matches the workload's pod labels.
    pub fn services_of(&self, workload: usize) -> &[usize] {
        self.services_of.get(workload).map_or(&[], Vec::as_slice)
    }

    /// Load balancers routing to a Service.
    pub fn lb_refs(&self, service: usize) -> &[LbRef] {
        self.lb_of_service.get(&service).map_or(&[], Vec::as_slice)
    }

    /// `(service, lb)` pairs that reach a workload's pods.
    pub fn lb_targets(&self, workload: usize) -> Vec<(usize, &LbRef)> {
        self.services_of(workload)
            .iter()
            .flat_map(|&s| self.lb_refs(s).iter().map(move |r| (s, r)))
            .collect()
    }

    /// PDBs (object indices) whose selector matches the workload's pods.
    pub fn pdbs_of(&self, workload: usize) -> &[usize] {
        self.pdbs_of.get(workload).map_or(&[], Vec::as_slice)
    }

    /// Workloads a PDB selects (`None` when the object is not a PDB).
    pub fn pdb_targets(&self, pdb: usize) -> Option<&[usize]> {
        self.pdb_targets.get(&pdb).map(Vec::as_slice)
    }

    /// HPAs (object indices) scaling the workload.
    pub fn hpas_of(&self, workload: usize) -> &[usize] {
        self.hpas_of.get(workload).map_or(&[], Vec::as_slice)
    }

    /// The workload an HPA scales, when it is in the inputs.
    pub fn hpa_target(&self, hpa: usize) -> Option<usize> {
        self.hpa_target.get(&hpa).copied()
    }

    /// Objects of `kind` in the same repository as object `of`.
    pub fn in_repo_of<'m, 'a>(
        &'m self,
        model: &'m Model<'a>,
        of: usize,
        kind: &'m str,
    ) -> impl Iterator<Item = (usize, &'m K8sObject<'a>)> + 'm {
        self.scope
            .get(of)
            .and_then(|s| self.by_repo_kind.get(s))
            .and_then(|kinds| kinds.get(kind))
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(move |&i| model.k8s.get(i).map(|o| (i, o)))
    }

    /// The smallest replica count the workload runs with: the HPA's `minReplicas` (1 when
    /// unset) when an HPA scales it, else `spec.replicas`. `None` when unknown.
    pub fn min_replicas(&self, model: &Model<'_>, workload: usize) -> Option<(i64, Option<usize>)> {
        let w: &Workload<'_> = model.workloads.get(workload)?;
        if let Some(&h) = self.hpas_of(workload).first() {
            let n = match model.k8s[h]
                .node
                .path(&["spec", "minReplicas"])
                .filter(|n| !n.is_null())
            {
                None => Some(1),
                Some(n) => n.as_i64(),
            };
            return n.map(|n| (n, Some(h)));
        }
        replicas(model.k8s.get(w.object)?).map(|n| (n, None))
    }
}

impl Fact for K8sIndex {
    type Value<'m, 'a: 'm> = K8sIndex;
    fn build<'m, 'a: 'm>(cx: &FactContext<'m, 'a>) -> K8sIndex {
        K8sIndex::build(cx.model, cx.config.k8s.default_namespace.as_deref())
    }
}
