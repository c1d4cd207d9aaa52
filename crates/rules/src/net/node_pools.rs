//! Where pods can run, for NET004: the node groups of the inputs (`aws_eks_node_group`, eksctl
//! `ClusterConfig` node groups) with their labels, taints, sizes and instance types, and whether
//! a pod spec can schedule onto them, onto a Karpenter NodePool or onto a Fargate profile.

use cutover_semantic::k8s::K8sIndex;
use cutover_semantic::net::{Network, UnknownReason};
use lint_engine::doc::Node;
use lint_engine::model::{K8sObject, Model, TfResource};
use lint_engine::source::{FileId, Span};

/// A `NoSchedule`/`NoExecute` taint (the only effects that keep pods off).
#[derive(Debug, Clone)]
pub struct Taint {
    pub key: Option<String>,
    pub value: Option<String>,
    pub effect: &'static str,
}

/// How many pods one node of a group takes, as the kubelet is told.
#[derive(Debug, Clone)]
pub enum MaxPods {
    /// From the instance type with the fewest pods (its name).
    Table(String),
    /// Written in the launch template or the eksctl group, at this place.
    Explicit(FileId, Span),
}

/// One node group as NET004 sees it.
#[derive(Debug, Clone)]
pub struct Group {
    pub file: FileId,
    /// The instance types value (the group's anchor when they are defaulted).
    pub span: Span,
    pub name: String,
    pub max_size: u64,
    /// Kubelet max pods per node, and where it comes from; `Err` when it cannot be known.
    pub max_pods: Result<(u64, MaxPods), String>,
    /// Labels the nodes carry: the group's own and the well-known ones EKS sets.
    pub labels: Vec<(String, String)>,
    pub taints: Vec<Taint>,
}

fn str_pairs(n: Option<&Node>) -> Vec<(String, String)> {
    n.and_then(Node::as_map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|m| {
            m.value
                .scalar_text()
                .map(|v| (m.key.to_string(), v.into_owned()))
        })
        .collect()
}

fn taint_of(t: &Node) -> Option<Taint> {
    let effect = match t.get("effect").and_then(Node::as_str)? {
        "NO_SCHEDULE" | "NoSchedule" => "NoSchedule",
        "NO_EXECUTE" | "NoExecute" => "NoExecute",
        _ => return None,
    };
    Some(Taint {
        key: t.get("key").and_then(Node::as_str).map(str::to_string),
        value: t.get("value").and_then(Node::as_str).map(str::to_string),
        effect,
    })
}

fn taints_of(n: Option<&Node>) -> Vec<Taint> {
    let Some(n) = n else { return Vec::new() };
    match n.as_seq() {
        Some(items) => items.iter().filter_map(taint_of).collect(),
        None => n.blocks().filter_map(taint_of).collect(),
    }
}

/// `--max-pods=N` / `--max-pods N` (bootstrap.sh) or `maxPods: N` (nodeadm) in user data:
/// `Ok(None)` when absent, `Err` when mentioned with a value that is not a literal number.
pub(super) fn max_pods_in(text: &str) -> Result<Option<u64>, ()> {
    for key in ["--max-pods", "maxPods"] {
        let Some(at) = text.find(key) else { continue };
        let rest = text[at + key.len()..].trim_start_matches(['=', ':', ' ', '"', '\'']);
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        return digits.parse().map(Some).map_err(|_| ());
    }
    Ok(None)
}

/// The max pods a node group's launch template hard-codes in its user data.
pub(super) fn launch_template_max_pods(
    model: &Model<'_>,
    ng: &TfResource<'_>,
) -> Result<Option<(u64, FileId, Span)>, String> {
    for rf in ng.resource_refs_at(&["launch_template"]) {
        let Some(lt) = model.resolve_tf(ng, &rf.address) else {
            continue;
        };
        if lt.rtype != "aws_launch_template" {
            continue;
        }
        let Some(ud) = lt.attr("user_data") else {
            continue;
        };
        let text = ud.as_str().unwrap_or_default();
        return match max_pods_in(text) {
            Ok(Some(n)) => Ok(Some((n, lt.file, ud.span))),
            Ok(None) => Ok(None),
            Err(()) => Err(format!(
                "the max pods in the user data of `{}` is not a literal number",
                lt.address
            )),
        };
    }
    Ok(None)
}

fn unknown_text(r: &UnknownReason) -> String {
    match r {
        UnknownReason::NodeGroupMaxSize { .. } => "`scaling_config.max_size` is not static".into(),
        UnknownReason::NodeGroupInstanceType { .. }
        | UnknownReason::NodeGroupInstanceTypes { .. } => {
            "the instance types are not static".into()
        }
        UnknownReason::NodeGroupLaunchTemplate { .. } => {
            "the instance type comes from a launch template".into()
        }
        UnknownReason::UnknownInstanceType { instance_type } => {
            format!("instance type `{instance_type}` is not in the ENI table")
        }
        UnknownReason::InstanceVcpuUnknown { instance_type } => format!(
            "the vCPU count of `{instance_type}`, which sets the prefix-mode max pods, is not known"
        ),
        other => format!("{other:?}"),
    }
}

/// Max pods per node of the type with the fewest (EKS applies that one to the whole group).
fn smallest(net: &Network<'_>, types: &[String]) -> Result<(u64, MaxPods), String> {
    let mut best: Option<(u64, String)> = None;
    for t in types {
        let Some(l) = cutover_semantic::net::instance_limits(t) else {
            return Err(unknown_text(&UnknownReason::UnknownInstanceType {
                instance_type: t.clone(),
            }));
        };
        let Some(p) = net.cni.kubelet_max_pods(l) else {
            return Err(unknown_text(&UnknownReason::InstanceVcpuUnknown {
                instance_type: t.clone(),
            }));
        };
        if best.as_ref().is_none_or(|(b, _)| p < *b) {
            best = Some((p, t.clone()));
        }
    }
    best.map(|(p, t)| (p, MaxPods::Table(t)))
        .ok_or_else(|| "no instance type".to_string())
}

/// Labels EKS puts on every node of a group: OS, architecture, single instance type.
fn well_known(labels: &mut Vec<(String, String)>, types: &[String], windows: bool) {
    let os = if windows { "windows" } else { "linux" };
    labels.push(("kubernetes.io/os".into(), os.into()));
    let arm = |t: &str| {
        t.split('.')
            .next()
            .is_some_and(|f| f.len() > 2 && f[1..].contains('g') && !f.starts_with('g'))
    };
    if let Some(first) = types.first() {
        if types.iter().all(|t| arm(t) == arm(first)) {
            let arch = if arm(first) { "arm64" } else { "amd64" };
            labels.push(("kubernetes.io/arch".into(), arch.into()));
        }
    }
    if let [only] = types {
        labels.push(("node.kubernetes.io/instance-type".into(), only.clone()));
    }
}

/// The `aws_eks_node_group` resources and eksctl node groups of the inputs, sorted by name.
pub fn groups(model: &Model<'_>, net: &Network<'_>) -> Vec<Group> {
    let mut out = Vec::new();
    for r in model.tf_of_type("aws_eks_node_group") {
        let spec = match net.node_group_spec(model, r) {
            Ok(Some(s)) if !s.ipv6 => s,
            Ok(_) => continue,
            Err(unknown) => {
                let reason = unknown
                    .first()
                    .map_or_else(|| "unknown".to_string(), |u| unknown_text(&u.reason));
                let span = unknown.first().map_or(r.anchor, |u| u.span);
                out.push(tf_group(r, span, 0, Err(reason), Vec::new()));
                continue;
            }
        };
        let types: Vec<String> = spec.types.iter().map(|(t, _)| t.clone()).collect();
        let span = r.attr("instance_types").map_or(r.anchor, |n| n.span);
        let max_pods = match launch_template_max_pods(model, r) {
            Ok(Some((n, file, at))) => Ok((n, MaxPods::Explicit(file, at))),
            Ok(None) => smallest(net, &types),
            Err(e) => Err(e),
        };
        out.push(tf_group(r, span, spec.max, max_pods, types));
    }
    for o in model.k8s.iter().filter(|o| is_eksctl(o)) {
        for (list, default_type) in [
            ("managedNodeGroups", "m5.large"),
            ("nodeGroups", "m5.large"),
        ] {
            for g in o.node.get(list).and_then(Node::as_seq).unwrap_or(&[]) {
                if let Some(group) = eksctl_group(net, o, g, default_type) {
                    out.push(group);
                }
            }
        }
    }
    out.sort_by(|a, b| (a.file, a.span.start, &a.name).cmp(&(b.file, b.span.start, &b.name)));
    out
}

fn tf_group(
    r: &TfResource<'_>,
    span: Span,
    max_size: u64,
    max_pods: Result<(u64, MaxPods), String>,
    types: Vec<String>,
) -> Group {
    let mut labels = str_pairs(r.attr("labels"));
    if let Some(n) = r.attr("node_group_name").and_then(Node::as_str) {
        labels.push(("eks.amazonaws.com/nodegroup".into(), n.to_string()));
    }
    let ct = r
        .attr("capacity_type")
        .and_then(Node::as_str)
        .unwrap_or("ON_DEMAND");
    labels.push(("eks.amazonaws.com/capacityType".into(), ct.to_string()));
    let windows = r
        .attr("ami_type")
        .and_then(Node::as_str)
        .is_some_and(|a| a.starts_with("WINDOWS"));
    well_known(&mut labels, &types, windows);
    Group {
        file: r.file,
        span,
        name: format!("node group `{}`", r.address),
        max_size,
        max_pods,
        labels,
        taints: taints_of(r.attr("taint")),
    }
}

fn is_eksctl(o: &K8sObject<'_>) -> bool {
    o.kind == "ClusterConfig" && o.api_version.starts_with("eksctl.io/")
}

fn eksctl_group(
    net: &Network<'_>,
    o: &K8sObject<'_>,
    g: &Node,
    default_type: &str,
) -> Option<Group> {
    let name = g.get("name").and_then(Node::as_str)?;
    let anchor = g.get("name").map_or(g.span, |n| n.span);
    let (types, span) = match (g.get("instanceTypes"), g.get("instanceType")) {
        (Some(list), _) => (
            list.as_seq()
                .unwrap_or(&[])
                .iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect(),
            list.span,
        ),
        (None, Some(t)) => (t.as_str().map(str::to_string).into_iter().collect(), t.span),
        (None, None) => (vec![default_type.to_string()], anchor),
    };
    let max_size = match g.get("maxSize").or_else(|| g.get("desiredCapacity")) {
        Some(n) => n.as_i64().and_then(|v| u64::try_from(v).ok()),
        None => Some(2),
    };
    let max_pods = match (max_size, g.get("maxPodsPerNode")) {
        (None, _) => Err("`maxSize` is not a number".to_string()),
        (_, Some(n)) => match n.as_i64().and_then(|v| u64::try_from(v).ok()) {
            Some(v) => Ok((v, MaxPods::Explicit(o.file, n.span))),
            None => Err("`maxPodsPerNode` is not a number".to_string()),
        },
        _ if types.is_empty() => Err("the instance types are not literal".to_string()),
        _ => smallest(net, &types),
    };
    let mut labels = str_pairs(g.get("labels"));
    labels.push(("eks.amazonaws.com/nodegroup".into(), name.to_string()));
    let windows = g
        .get("amiFamily")
        .and_then(Node::as_str)
        .is_some_and(|a| a.starts_with("Windows"));
    well_known(&mut labels, &types, windows);
    let taints = match g.get("taints") {
        Some(t) if t.as_seq().is_some() => taints_of(Some(t)),
        // The older map form: `key: value:Effect`.
        Some(t) => t
            .as_map()
            .unwrap_or(&[])
            .iter()
            .filter_map(|m| {
                let v = m.value.as_str()?;
                let (value, effect) = v.rsplit_once(':').unwrap_or(("", v));
                let effect = match effect {
                    "NoSchedule" => "NoSchedule",
                    "NoExecute" => "NoExecute",
                    _ => return None,
                };
                Some(Taint {
                    key: Some(m.key.to_string()),
                    value: (!value.is_empty()).then(|| value.to_string()),
                    effect,
                })
            })
            .collect(),
        None => Vec::new(),
    };
    Some(Group {
        file: o.file,
        span,
        name: format!("eksctl node group `{name}`"),
        max_size: max_size.unwrap_or(0),
        max_pods,
        labels,
        taints,
    })
}

/// Whether the pod spec tolerates every `NoSchedule`/`NoExecute` taint.
pub fn tolerates(spec: &Node, taints: &[Taint]) -> bool {
    let tolerations = spec
        .get("tolerations")
        .and_then(Node::as_seq)
        .unwrap_or(&[]);
    taints.iter().all(|t| {
        tolerations.iter().any(|tol| {
            let key = tol.get("key").and_then(Node::as_str);
            let exists = tol.get("operator").and_then(Node::as_str) == Some("Exists");
            let key_ok = (key.is_none() && exists) || key == t.key.as_deref();
            let value_ok = exists || tol.get("value").and_then(Node::as_str) == t.value.as_deref();
            let effect_ok = tol
                .get("effect")
                .and_then(Node::as_str)
                .is_none_or(|e| e.is_empty() || e == t.effect);
            key_ok && value_ok && effect_ok
        })
    })
}

/// Whether `nodeSelector` and the required node affinity of a pod spec accept nodes with these
/// labels. `open` says which label keys a node may carry without the inputs saying so (Karpenter
/// sets them from its requirements); such keys are accepted whatever the value.
pub fn selects(spec: &Node, labels: &[(String, String)], open: &dyn Fn(&str) -> bool) -> bool {
    let label = |k: &str| {
        labels
            .iter()
            .find(|(lk, _)| lk == k)
            .map(|(_, v)| v.as_str())
    };
    for m in spec
        .get("nodeSelector")
        .and_then(Node::as_map)
        .unwrap_or(&[])
    {
        let want = m.value.scalar_text();
        let ok = match (label(&m.key), want) {
            (Some(have), Some(want)) => have == want,
            (None, _) => open(&m.key),
            (Some(_), None) => false,
        };
        if !ok {
            return false;
        }
    }
    let terms = spec
        .path(&[
            "affinity",
            "nodeAffinity",
            "requiredDuringSchedulingIgnoredDuringExecution",
            "nodeSelectorTerms",
        ])
        .and_then(Node::as_seq)
        .unwrap_or(&[]);
    if terms.is_empty() {
        return true;
    }
    terms.iter().any(|term| {
        term.get("matchExpressions")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .all(|e| {
                let Some(key) = e.get("key").and_then(Node::as_str) else {
                    return false;
                };
                if label(key).is_none() && open(key) {
                    return true;
                }
                let values: Vec<&str> = e
                    .get("values")
                    .and_then(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(Node::as_str)
                    .collect();
                let have = label(key);
                match e.get("operator").and_then(Node::as_str) {
                    Some("In") => have.is_some_and(|h| values.contains(&h)),
                    Some("NotIn") => have.is_none_or(|h| !values.contains(&h)),
                    Some("Exists") => have.is_some(),
                    Some("DoesNotExist") => have.is_none(),
                    _ => false,
                }
            })
    })
}

/// Label keys Karpenter (or the kubelet) sets from a NodePool's requirements.
fn karpenter_open(key: &str) -> bool {
    key.starts_with("karpenter.sh/")
        || key.starts_with("karpenter.k8s.aws/")
        || key.starts_with("kubernetes.io/")
        || key.starts_with("node.kubernetes.io/")
        || key.starts_with("topology.kubernetes.io/")
}

/// A Karpenter NodePool in the workload's repository that its pods can schedule onto: capacity
/// there is dynamic, so NET004 leaves the workload out.
pub fn karpenter_pool<'a>(
    model: &Model<'a>,
    ix: &K8sIndex,
    obj: usize,
    spec: &Node,
) -> Option<&'a str> {
    ix.in_repo_of(model, obj, "NodePool")
        .filter(|(_, np)| np.api_version.starts_with("karpenter.sh/"))
        .find(|(_, np)| {
            let tmpl = np.node.path(&["spec", "template"]);
            let labels = str_pairs(tmpl.and_then(|t| t.path(&["metadata", "labels"])));
            let taints = taints_of(tmpl.and_then(|t| t.path(&["spec", "taints"])));
            selects(spec, &labels, &karpenter_open) && tolerates(spec, &taints)
        })
        .map(|(_, np)| np.name.unwrap_or("?"))
}

/// EKS Fargate profile namespace patterns accept `*` and `?`.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Whether a Fargate profile of the workload's repository selects its pods (namespace and
/// labels), so they run on Fargate, not on a node group.
pub fn on_fargate(
    model: &Model<'_>,
    ix: &K8sIndex,
    obj: usize,
    pod_labels: &[(String, String)],
) -> bool {
    let ns = ix.namespace(obj);
    let matches = |sel: &Node| {
        let ns_ok = sel
            .get("namespace")
            .and_then(Node::as_str)
            .is_some_and(|p| glob(p, ns));
        ns_ok
            && str_pairs(sel.get("labels"))
                .iter()
                .all(|l| pod_labels.contains(l))
    };
    let tf = model
        .tf_of_type("aws_eks_fargate_profile")
        .filter(|p| ix.same_repo_file(obj, p.file))
        .any(|p| p.attr("selector").is_some_and(|s| s.blocks().any(matches)));
    let eksctl = ix
        .in_repo_of(model, obj, "ClusterConfig")
        .filter(|(_, o)| is_eksctl(o))
        .flat_map(|(_, o)| {
            o.node
                .get("fargateProfiles")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
        })
        .flat_map(|p| p.get("selectors").and_then(Node::as_seq).unwrap_or(&[]))
        .any(matches);
    tf || eksctl
}

/// Labels of a pod template as pairs.
pub fn pod_labels(n: Option<&Node>) -> Vec<(String, String)> {
    str_pairs(n)
}
