//! The pairing algorithm (see the module docs for the order). Docker Hub official images
//! (`docker.io/library/…`) do not pair services by image.

use std::collections::BTreeSet;

use lint_engine::config::ParityOptions;
use lint_engine::doc::Node;
use lint_engine::model::{EcsService, Model};

use super::names::normalise_name;
use super::{
    ContainerMethod, ContainerPair, EcsSide, Pair, PairMethod, Pairing, ECS_SERVICE_ANNOTATION,
};
use crate::iam::image::parse_image;
use crate::k8s::K8sIndex;

/// The repository of an image reference, without tag or digest (`docker.io/library/nginx`,
/// `123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments`). `None` when the reference is
/// not literal or does not parse.
pub fn image_repository(image: &str) -> Option<String> {
    let r = parse_image(image)?;
    Some(format!(
        "{}/{}",
        r.host.as_deref().unwrap_or("docker.io"),
        r.repository
    ))
}

struct State<'m, 'a> {
    model: &'m Model<'a>,
    index: &'m K8sIndex,
    ecs: Vec<EcsSide>,
    ecs_taken: Vec<bool>,
    wl_taken: Vec<bool>,
    pairs: Vec<(usize, usize, PairMethod)>,
}

impl State<'_, '_> {
    fn take(&mut self, e: usize, w: usize, method: PairMethod) {
        self.ecs_taken[e] = true;
        self.wl_taken[w] = true;
        self.pairs.push((e, w, method));
    }
    fn free_ecs(&self) -> Vec<usize> {
        (0..self.ecs.len())
            .filter(|&e| !self.ecs_taken[e])
            .collect()
    }
    fn free_wl(&self) -> Vec<usize> {
        (0..self.wl_taken.len())
            .filter(|&w| !self.wl_taken[w])
            .collect()
    }
    /// The ECS side is named `name` (service name or family).
    fn named(&self, e: usize, name: &str) -> bool {
        let side = &self.ecs[e];
        side.service(self.model).and_then(|s| s.name()) == Some(name)
            || side.family(self.model) == Some(name)
    }
    /// The ECS side and the workload are in the same repository.
    fn same_repo(&self, e: usize, w: usize) -> bool {
        let (Some((file, _)), Some(wl)) =
            (self.ecs[e].anchor(self.model), self.model.workloads.get(w))
        else {
            return false;
        };
        self.index.same_repo_file(wl.object, file)
    }
    /// Pairs every edge whose two ends have no other edge.
    fn pair_unique(&mut self, edges: &[(usize, usize)], method: PairMethod) {
        let degree_e = |e: usize| edges.iter().filter(|x| x.0 == e).count();
        let degree_w = |w: usize| edges.iter().filter(|x| x.1 == w).count();
        let unique: Vec<(usize, usize)> = edges
            .iter()
            .copied()
            .filter(|&(e, w)| degree_e(e) == 1 && degree_w(w) == 1)
            .collect();
        for (e, w) in unique {
            self.take(e, w, method);
        }
    }
}

/// Every ECS service of the inputs, and every task definition no service runs.
fn ecs_sides(model: &Model<'_>) -> Vec<EcsSide> {
    let mut run = vec![false; model.task_defs.len()];
    let mut out = Vec::new();
    for &tf in model.tf_indexes_of_type("aws_ecs_service") {
        let Some(resource) = model.tf.get(tf) else {
            continue;
        };
        let tds = EcsService { resource }.task_definitions(model).task_defs;
        let idx: Vec<usize> = tds.iter().filter_map(|t| model.task_def_index(t)).collect();
        for &k in &idx {
            if let Some(r) = run.get_mut(k) {
                *r = true;
            }
        }
        out.push(EcsSide::Service {
            tf,
            task_def: idx.first().copied(),
        });
    }
    for (k, seen) in run.iter().enumerate() {
        if !seen {
            out.push(EcsSide::TaskDef { task_def: k });
        }
    }
    out
}

fn str_of(n: Option<&Node>) -> Option<&str> {
    n.and_then(Node::as_str)
}

/// Docker Hub official images (`nginx`, `busybox`) say nothing about which service runs them:
/// they do not pair services (containers within a pair still may).
fn identifies(repo: &str) -> bool {
    !repo.starts_with("docker.io/library/")
}

/// Image repositories of the ECS side's essential containers other than log routers.
fn ecs_repos(model: &Model<'_>, side: &EcsSide) -> BTreeSet<String> {
    side.containers(model)
        .iter()
        .filter(|c| c.is_essential() && c.get("firelensConfiguration").is_none())
        .filter_map(|c| str_of(c.get("image")).and_then(image_repository))
        .filter(|r| identifies(r))
        .collect()
}

fn wl_repos(model: &Model<'_>, w: usize) -> BTreeSet<String> {
    model.workloads.get(w).map_or_else(BTreeSet::new, |wl| {
        wl.containers
            .iter()
            .filter_map(|c| str_of(c.get("image")).and_then(image_repository))
            .filter(|r| identifies(r))
            .collect()
    })
}

/// `Kind/namespace/name` (or `Kind/name`: any namespace) → matching workloads.
fn config_workloads(model: &Model<'_>, index: &K8sIndex, spec: &str) -> Vec<usize> {
    let parts: Vec<&str> = spec.split('/').collect();
    let (kind, ns, name) = match parts.as_slice() {
        [k, n] => (*k, None, *n),
        [k, ns, n] => (*k, Some(*ns), *n),
        _ => return Vec::new(),
    };
    model
        .workloads
        .iter()
        .enumerate()
        .filter(|(_, w)| {
            model.k8s.get(w.object).is_some_and(|o| {
                o.kind == kind
                    && o.name == Some(name)
                    && ns.is_none_or(|ns| index.namespace(w.object) == ns)
            })
        })
        .map(|(i, _)| i)
        .collect()
}

pub(super) fn build(model: &Model<'_>, opts: &ParityOptions, index: &K8sIndex) -> Pairing {
    let ecs = ecs_sides(model);
    let mut st = State {
        model,
        index,
        ecs_taken: vec![false; ecs.len()],
        ecs,
        wl_taken: vec![false; model.workloads.len()],
        pairs: Vec::new(),
    };
    let mut unmatched_config = Vec::new();

    // 1. Explicit pairs.
    for (i, entry) in opts.pairs.iter().enumerate() {
        let es: Vec<usize> = st
            .free_ecs()
            .into_iter()
            .filter(|&e| st.named(e, &entry.ecs))
            .collect();
        let ws: Vec<usize> = config_workloads(model, index, &entry.k8s)
            .into_iter()
            .filter(|&w| !st.wl_taken[w])
            .collect();
        match (es.first(), ws.first()) {
            (Some(&e), Some(&w)) => st.take(e, w, PairMethod::Config),
            (None, _) => unmatched_config.push((i, format!("no ECS service `{}`", entry.ecs))),
            (_, None) => unmatched_config.push((i, format!("no workload `{}`", entry.k8s))),
        }
    }

    // 2. The workload annotation.
    for w in st.free_wl() {
        let Some(name) = model
            .workloads
            .get(w)
            .and_then(|wl| model.k8s.get(wl.object))
            .and_then(|o| o.annotation(ECS_SERVICE_ANNOTATION))
            .and_then(Node::as_str)
            .map(str::trim)
        else {
            continue;
        };
        let all: Vec<usize> = st
            .free_ecs()
            .into_iter()
            .filter(|&e| st.named(e, name))
            .collect();
        let local: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&e| st.same_repo(e, w))
            .collect();
        let pick = match (all.as_slice(), local.as_slice()) {
            ([e], _) | (_, [e]) => Some(*e),
            _ => None,
        };
        if let Some(e) = pick {
            st.take(e, w, PairMethod::Annotation);
        }
    }

    // 3. Normalised names, within one repository, unambiguous.
    let mut edges = Vec::new();
    for e in st.free_ecs() {
        let side = st.ecs[e];
        let keys: BTreeSet<String> = [
            side.service(model).and_then(|s| s.name()),
            side.family(model),
        ]
        .into_iter()
        .flatten()
        .filter_map(normalise_name)
        .collect();
        for w in st.free_wl() {
            let key = model
                .workloads
                .get(w)
                .and_then(|wl| model.k8s.get(wl.object))
                .and_then(|o| o.name)
                .and_then(normalise_name);
            if key.is_some_and(|k| keys.contains(&k)) && st.same_repo(e, w) {
                edges.push((e, w));
            }
        }
    }
    st.pair_unique(&edges, PairMethod::Name);

    // 4. A shared image repository, within one repository, unambiguous.
    let mut edges = Vec::new();
    let wl_sets: Vec<(usize, BTreeSet<String>)> = st
        .free_wl()
        .into_iter()
        .map(|w| (w, wl_repos(model, w)))
        .collect();
    for e in st.free_ecs() {
        let repos = ecs_repos(model, &st.ecs[e]);
        for (w, set) in &wl_sets {
            if !repos.is_disjoint(set) && st.same_repo(e, *w) {
                edges.push((e, *w));
            }
        }
    }
    st.pair_unique(&edges, PairMethod::Image);

    let mut pairs: Vec<Pair> = st
        .pairs
        .iter()
        .map(|&(e, w, method)| Pair {
            ecs: st.ecs[e],
            k8s: w,
            method,
            containers: pair_containers(model, &st.ecs[e], w),
        })
        .collect();
    pairs.sort_by_key(|p| (p.ecs, p.k8s));
    Pairing {
        pairs,
        unpaired_ecs: st.free_ecs().into_iter().map(|e| st.ecs[e]).collect(),
        unpaired_k8s: st.free_wl(),
        unmatched_config,
    }
}

/// Containers by name, then by a unique image repository, then the last one on each side.
fn pair_containers(model: &Model<'_>, side: &EcsSide, w: usize) -> Vec<ContainerPair> {
    let ecs = side.containers(model);
    let Some(wl) = model.workloads.get(w) else {
        return Vec::new();
    };
    let k8s = &wl.containers;
    let mut e_free = vec![true; ecs.len()];
    let mut k_free = vec![true; k8s.len()];
    let mut out = Vec::new();
    for (ei, ec) in ecs.iter().enumerate() {
        let Some(name) = ec.name else { continue };
        if let Some(ki) = (0..k8s.len()).find(|&k| k_free[k] && k8s[k].name == Some(name)) {
            e_free[ei] = false;
            k_free[ki] = false;
            out.push(ContainerPair {
                ecs: ei,
                k8s: ki,
                method: ContainerMethod::Name,
            });
        }
    }
    let e_repo: Vec<Option<String>> = ecs
        .iter()
        .map(|c| str_of(c.get("image")).and_then(image_repository))
        .collect();
    let k_repo: Vec<Option<String>> = k8s
        .iter()
        .map(|c| str_of(c.get("image")).and_then(image_repository))
        .collect();
    let mut edges = Vec::new();
    for ei in (0..ecs.len()).filter(|&i| e_free[i]) {
        for ki in (0..k8s.len()).filter(|&k| k_free[k]) {
            if e_repo[ei].is_some() && e_repo[ei] == k_repo[ki] {
                edges.push((ei, ki));
            }
        }
    }
    for &(ei, ki) in &edges {
        let unique = edges.iter().filter(|x| x.0 == ei).count() == 1
            && edges.iter().filter(|x| x.1 == ki).count() == 1;
        if unique {
            e_free[ei] = false;
            k_free[ki] = false;
            out.push(ContainerPair {
                ecs: ei,
                k8s: ki,
                method: ContainerMethod::Image,
            });
        }
    }
    // One container on each side, matched by neither: the same application renamed. Leftovers of
    // larger pods (a sidecar against a log router) are not paired: that would be a guess.
    if ecs.len() == 1 && k8s.len() == 1 && out.is_empty() {
        out.push(ContainerPair {
            ecs: 0,
            k8s: 0,
            method: ContainerMethod::Only,
        });
    }
    out.sort_by_key(|c| (c.ecs, c.k8s));
    out
}
