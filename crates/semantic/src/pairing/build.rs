//! The pairing algorithm (see the module docs for the order). Docker Hub official images
//! (`docker.io/library/…`) do not pair services by image.

use std::collections::{BTreeMap, BTreeSet, HashMap};

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

/// ECS sides and workloads that share a key: every side has an edge to every workload.
type Group = (Vec<usize>, Vec<usize>);

struct State<'a> {
    ecs: Vec<EcsSide>,
    ecs_taken: Vec<bool>,
    wl_taken: Vec<bool>,
    pairs: Vec<(usize, usize, PairMethod)>,
    /// The repository of each ECS side and of each workload (`None`: joins nothing).
    ecs_repo: Vec<Option<usize>>,
    wl_repo: Vec<Option<usize>>,
    /// ECS sides by service name and by family, in ascending order.
    by_name: HashMap<&'a str, Vec<usize>>,
}

impl State<'_> {
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
    /// The free ECS sides named `name` (service name or family), ascending.
    fn free_named(&self, name: &str) -> Vec<usize> {
        self.by_name.get(name).map_or_else(Vec::new, |es| {
            es.iter().copied().filter(|&e| !self.ecs_taken[e]).collect()
        })
    }
    /// The ECS side and the workload are in the same repository.
    fn same_repo(&self, e: usize, w: usize) -> bool {
        match (self.ecs_repo.get(e), self.wl_repo.get(w)) {
            (Some(Some(a)), Some(Some(b))) => a == b,
            _ => false,
        }
    }
    /// Pairs every edge whose two ends have no other edge. The edges are given as groups: every
    /// ECS side of a group has an edge to every workload of the same group (and to no workload
    /// of a group it is not in); a workload belongs to one group at most per key, an ECS side
    /// to several. Degrees are counted up to 2, so no edge list is ever built.
    fn pair_unique_groups(&mut self, groups: &[Group], method: PairMethod) {
        let mut e_groups: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut w_groups: HashMap<usize, Vec<usize>> = HashMap::new();
        for (g, (es, ws)) in groups.iter().enumerate() {
            for &e in es {
                e_groups.entry(e).or_default().push(g);
            }
            for &w in ws {
                w_groups.entry(w).or_default().push(g);
            }
        }
        // The single neighbour of a node, or None when it has none or several.
        let single = |gs: &[usize], side: fn(&Group) -> &Vec<usize>| {
            let mut seen: Option<usize> = None;
            for &g in gs {
                for &x in side(&groups[g]) {
                    match seen {
                        None => seen = Some(x),
                        Some(y) if y == x => {}
                        Some(_) => return None,
                    }
                }
            }
            seen
        };
        let mut unique: Vec<(usize, usize)> = Vec::new();
        for (&e, gs) in &e_groups {
            let Some(w) = single(gs, |g| &g.1) else {
                continue;
            };
            let back = w_groups.get(&w).and_then(|gs| single(gs, |g| &g.0));
            if back == Some(e) {
                unique.push((e, w));
            }
        }
        unique.sort_unstable();
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
    let ecs_repo: Vec<Option<usize>> = ecs
        .iter()
        .map(|side| side.anchor(model).and_then(|(f, _)| index.repo_of_file(f)))
        .collect();
    let wl_repo: Vec<Option<usize>> = model
        .workloads
        .iter()
        .map(|wl| index.repo_of_object(wl.object))
        .collect();
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (e, side) in ecs.iter().enumerate() {
        let service = side.service(model).and_then(|s| s.name());
        let family = side.family(model);
        for name in [service, family.filter(|f| Some(*f) != service)]
            .into_iter()
            .flatten()
        {
            by_name.entry(name).or_default().push(e);
        }
    }
    let mut st = State {
        ecs_taken: vec![false; ecs.len()],
        ecs,
        wl_taken: vec![false; model.workloads.len()],
        pairs: Vec::new(),
        ecs_repo,
        wl_repo,
        by_name,
    };
    let mut unmatched_config = Vec::new();

    // 1. Explicit pairs.
    for (i, entry) in opts.pairs.iter().enumerate() {
        let es = st.free_named(&entry.ecs);
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
        let all = st.free_named(name);
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

    // 3. Normalised names, within one repository, unambiguous: groups by (repository, name).
    let mut groups: BTreeMap<(usize, String), Group> = BTreeMap::new();
    for e in st.free_ecs() {
        let Some(repo) = st.ecs_repo[e] else { continue };
        let side = st.ecs[e];
        let keys: BTreeSet<String> = [
            side.service(model).and_then(|s| s.name()),
            side.family(model),
        ]
        .into_iter()
        .flatten()
        .filter_map(normalise_name)
        .collect();
        for k in keys {
            groups.entry((repo, k)).or_default().0.push(e);
        }
    }
    for w in st.free_wl() {
        let Some(repo) = st.wl_repo[w] else { continue };
        let key = model
            .workloads
            .get(w)
            .and_then(|wl| model.k8s.get(wl.object))
            .and_then(|o| o.name)
            .and_then(normalise_name);
        if let Some(group) = key.and_then(|k| groups.get_mut(&(repo, k))) {
            group.1.push(w);
        }
    }
    let groups: Vec<_> = groups.into_values().collect();
    st.pair_unique_groups(&groups, PairMethod::Name);

    // 4. A shared image repository, within one repository, unambiguous: groups by (repository,
    // image repository).
    let mut groups: BTreeMap<(usize, String), Group> = BTreeMap::new();
    for e in st.free_ecs() {
        let Some(repo) = st.ecs_repo[e] else { continue };
        for image in ecs_repos(model, &st.ecs[e]) {
            groups.entry((repo, image)).or_default().0.push(e);
        }
    }
    for w in st.free_wl() {
        let Some(repo) = st.wl_repo[w] else { continue };
        for image in wl_repos(model, w) {
            if let Some(group) = groups.get_mut(&(repo, image)) {
                group.1.push(w);
            }
        }
    }
    let groups: Vec<_> = groups.into_values().collect();
    st.pair_unique_groups(&groups, PairMethod::Image);

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
        lookup: Default::default(),
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
