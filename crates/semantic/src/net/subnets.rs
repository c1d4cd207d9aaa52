//! The subnets of the inputs and what uses each one (ECS services, EKS node groups and
//! Fargate profiles, endpoints, Karpenter node classes, ENIConfigs).

use lint_engine::doc::{is_unresolved_text, Node, Text, Value};
use lint_engine::model::follow;
use lint_engine::model::{K8sObject, Model, TfOrigin, TfResource};
use lint_engine::source::{FileId, Span};
use lint_engine::tfeval::scope::expression_text;
use lint_engine::tfeval::{TfEvalIndex, Unknown};

use super::*;

/// A subnet of a `terraform-aws-modules/vpc` module: `module.<module>.<kind>_subnets[index]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleSlot {
    pub module: String,
    /// `private`, `public`, `intra`, `database`, …
    pub kind: String,
    pub index: usize,
}

/// One IPv4 subnet of the inputs.
#[derive(Debug, Clone)]
pub struct Subnet<'a> {
    pub file: FileId,
    /// `aws_subnet.pods_a`, `module.vpc.aws_subnet.private[0]` or `module.vpc.private_subnets[0]`.
    pub name: Text,
    pub cidr: Cidr,
    pub cidr_node: &'a Node,
    pub az: Option<Text>,
    /// The subnet ID (plans and state only).
    pub id: Option<&'a str>,
    /// Borrowed from the tree: a large plan has hundreds of thousands of subnets.
    pub tags: Vec<(&'a str, &'a str)>,
    /// Index into `Model::tf` for `aws_subnet` resources.
    pub resource: Option<usize>,
    /// Boxed: rare, and a large plan has hundreds of thousands of subnets.
    pub slot: Option<Box<ModuleSlot>>,
    /// Directory of the file (a Terraform module for `.tf.json`).
    pub dir: Text,
    /// Module path of the resource in a plan (`module.network`), empty at the root.
    pub module: Text,
    /// When the CIDR came from evaluating a Terraform expression rather than a literal: how,
    /// e.g. `10.40.3.0/26 = cidrsubnet(var.vpc_cidr, 10, 12)`.
    pub provenance: Option<String>,
}

impl Subnet<'_> {
    pub fn cidr_span(&self) -> Span {
        self.cidr_node.span
    }
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// What a subnet is used for. Ordered by how much address space the use needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Load balancers (`aws_lb.subnets`, `kubernetes.io/role/elb` tags): not modelled.
    LoadBalancer,
    /// Interface VPC endpoints: one address per endpoint.
    Endpoint,
    /// EKS control-plane ENIs (`aws_eks_cluster.vpc_config.subnet_ids`).
    Cluster,
    /// Node primary addresses only: pods get theirs elsewhere (custom networking) or are IPv6.
    NodesOnly,
    /// ECS awsvpc tasks, one address each.
    EcsTasks,
    /// EKS pods: node groups (secondary-IP mode), Fargate profiles, ENIConfig subnets,
    /// Karpenter-discovered subnets.
    Pods,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::LoadBalancer => "load balancers",
            Role::Endpoint => "VPC endpoints",
            Role::Cluster => "EKS cluster",
            Role::NodesOnly => "EKS nodes",
            Role::EcsTasks => "ECS tasks",
            Role::Pods => "EKS pods",
        }
    }
}

/// One use of a subnet.
#[derive(Debug, Clone)]
pub struct SubnetUse {
    pub role: Role,
    /// Where the use is written (the consumer's reference, or the tag).
    pub file: FileId,
    pub span: Span,
    /// `node group `aws_eks_node_group.main`` and the like, for labels.
    pub what: String,
    /// Names that decide whether the use is production (cluster, service, node group names).
    pub names: Vec<String>,
    /// The consumer, when it is a Terraform resource (index into `Model::tf`).
    pub tf: Option<usize>,
    /// The consumer, when it is a Kubernetes object (index into `Model::k8s`).
    pub k8s: Option<usize>,
}

/// The Terraform resource types read as consumers of subnets (every arm of the match in
/// [`Network::collect_uses`]).
const TF_CONSUMERS: &[&str] = &[
    "aws_eks_node_group",
    "aws_eks_fargate_profile",
    "aws_eks_cluster",
    "aws_ecs_service",
    "aws_vpc_endpoint",
    "aws_lb",
    "aws_alb",
    "aws_elb",
];

impl<'a> Network<'a> {
    /// Collect the subnets of the inputs. A subnet whose CIDR expression is unknown is pushed
    /// with a placeholder CIDR and returned in the list of pending ones, with the unknown, for
    /// [`Network::take_unresolved`].
    ///
    /// With at least `round` of them, `aws_subnet` resources are read in rounds of `round`, each
    /// round's second half on a thread of its own, and kept in the same order as on one thread.
    pub(crate) fn collect_subnets(
        &mut self,
        model: &Model<'a>,
        eval: Option<&TfEvalIndex<'a>>,
        round: usize,
    ) -> Vec<(usize, Unknown)> {
        let mut pending: Vec<(usize, Unknown)> = Vec::new();
        // Sized once: a large plan has hundreds of thousands of subnets, and a doubling vector
        // of them is the network model's largest allocation.
        self.subnets
            .reserve_exact(model.tf_of_type("aws_subnet").count());
        let mut keep = |built: Option<(Subnet<'a>, Option<Unknown>)>| {
            if let Some((subnet, unknown)) = built {
                if let Some(u) = unknown {
                    pending.push((self.subnets.len(), u));
                }
                self.subnets.push(subnet);
            }
        };
        let indexes = model.tf_indexes_of_type("aws_subnet");
        let build = |i: usize| subnet_resource(model, i, eval);
        if indexes.len() < round.max(2) {
            indexes.iter().for_each(|&i| keep(build(i)));
        } else {
            // A large plan: each round's second half is read on a thread of its own while this
            // one reads the first half, then both are kept in order. A plain thread, not a
            // rayon task: this runs inside a shared fact's initialisation, where a rayon worker
            // waiting on its tasks could take up a rule that waits on this very fact.
            for chunk in indexes.chunks(round) {
                let (mine, theirs) = chunk.split_at(chunk.len() / 2);
                let theirs = std::thread::scope(|scope| {
                    let other =
                        scope.spawn(|| theirs.iter().map(|&i| build(i)).collect::<Vec<_>>());
                    mine.iter().for_each(|&i| keep(build(i)));
                    other.join()
                });
                match theirs {
                    Ok(built) => built.into_iter().for_each(&mut keep),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
        }
        // vpc module inputs in `.tf.json` and `.tf` (plans expand the module into aws_subnet
        // resources).
        for mc in &model.tf_modules {
            if mc.origin != TfOrigin::Config || !mc.source.is_some_and(is_vpc_module_source) {
                continue;
            }
            let azs: Vec<String> = match mc.input("azs") {
                Some(n) if n.as_str().is_some_and(is_unresolved_text) => eval
                    .map(|e| e.value_of(mc.file, n).value)
                    .and_then(|v| {
                        v.as_list().map(|l| {
                            l.iter()
                                .map(|x| x.as_str().unwrap_or("${unknown}").to_string())
                                .collect()
                        })
                    })
                    .unwrap_or_default(),
                Some(n) => n
                    .as_seq()
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(Node::as_str)
                    .map(str::to_string)
                    .collect(),
                None => Vec::new(),
            };
            let common = tags_of(mc.input("tags"));
            for kind in VPC_MODULE_KINDS {
                let input = format!("{kind}_subnets");
                let Some(list_node) = mc.input(&input) else {
                    continue;
                };
                let mut tags = common.clone();
                for (k, v) in tags_of(mc.input(&format!("{kind}_subnet_tags"))) {
                    tags.retain(|(x, _)| *x != k);
                    tags.push((k, v));
                }
                // (index, CIDR, node spanning it, provenance)
                let mut found: Vec<(usize, Cidr, &'a Node, Option<String>)> = Vec::new();
                let mut unknown_items: Vec<(usize, Unknown)> = Vec::new();
                if let Some(list) = list_node.as_seq() {
                    for (index, item) in list.iter().enumerate() {
                        match cidr_of(item, mc.file, eval) {
                            Ok((cidr, prov)) => found.push((index, cidr, item, prov)),
                            Err(Some(u)) => {
                                unknown_items.push((index, u));
                                found.push((index, Cidr::PLACEHOLDER, item, None));
                            }
                            Err(None) => {}
                        }
                    }
                } else if let (Some(text), Some(ev)) =
                    (list_node.as_str().filter(|t| is_unresolved_text(t)), eval)
                {
                    // The whole list is one expression: `local.private_subnets`,
                    // `[for k, v in local.azs : cidrsubnet(local.vpc_cidr, 4, k)]`.
                    let v = ev.value_of(mc.file, list_node).value;
                    let expr = short_expression(expression_text(text));
                    for (index, x) in v.as_list().unwrap_or(&[]).iter().enumerate() {
                        if let Some(cidr) = x.as_str().and_then(Cidr::parse) {
                            let prov = format!(
                                "module.{} {input}[{index}] = {} from {expr}",
                                mc.name,
                                x.as_str().unwrap_or_default()
                            );
                            found.push((index, cidr, list_node, Some(prov)));
                        }
                    }
                }
                for (index, cidr, node, provenance) in found {
                    if let Some(p) = unknown_items.iter().position(|(i, _)| *i == index) {
                        pending.push((self.subnets.len(), unknown_items.swap_remove(p).1));
                    }
                    let az = (!azs.is_empty())
                        .then(|| azs[index % azs.len()].as_str())
                        .filter(|s| !s.contains("${"))
                        .map(Text::from);
                    self.subnets.push(Subnet {
                        file: mc.file,
                        name: format!("module.{}.{input}[{index}]", mc.name).into(),
                        cidr,
                        cidr_node: node,
                        az,
                        id: None,
                        tags: tags.clone(),
                        resource: None,
                        slot: Some(Box::new(ModuleSlot {
                            module: mc.name.to_string(),
                            kind: kind.to_string(),
                            index,
                        })),
                        dir: mc.dir.as_str().into(),
                        module: Text::default(),
                        provenance,
                    });
                }
            }
        }
        pending
    }

    pub(crate) fn add_use(&mut self, subnet: usize, u: SubnetUse) {
        if let Some(list) = self.uses.get_mut(subnet) {
            if !list
                .iter()
                .any(|x| x.role == u.role && x.tf == u.tf && x.tf.is_some())
            {
                list.push(u);
            }
        }
    }

    pub(crate) fn collect_uses(&mut self, model: &Model<'a>, eval: Option<&TfEvalIndex<'a>>) {
        // Tags.
        for i in 0..self.subnets.len() {
            let s = &self.subnets[i];
            let mut found = Vec::new();
            for (k, v) in &s.tags {
                let role = match *k {
                    "kubernetes.io/role/elb" | "kubernetes.io/role/internal-elb" => {
                        Role::LoadBalancer
                    }
                    "karpenter.sh/discovery" => Role::Pods,
                    _ => continue,
                };
                if *v == "0" {
                    continue;
                }
                found.push(SubnetUse {
                    role,
                    file: s.file,
                    span: s.cidr_span(),
                    what: format!("tag `{k}`"),
                    names: vec![v.to_string()],
                    tf: None,
                    k8s: None,
                });
            }
            for u in found {
                self.add_use(i, u);
            }
        }
        // Terraform consumers.
        for ti in model.tf_indexes_of_types(TF_CONSUMERS) {
            let r = &model.tf[ti];
            let (role, path, what): (Role, &[&str], &str) = match r.rtype {
                "aws_eks_node_group" => {
                    let role = if self.cni.custom_networking || self.node_group_is_ipv6(model, r) {
                        Role::NodesOnly
                    } else {
                        Role::Pods
                    };
                    (role, &["subnet_ids"], "node group")
                }
                "aws_eks_fargate_profile" => {
                    let role = if self.node_group_is_ipv6(model, r) {
                        Role::NodesOnly
                    } else {
                        Role::Pods
                    };
                    (role, &["subnet_ids"], "Fargate profile")
                }
                "aws_eks_cluster" => (Role::Cluster, &["vpc_config", "subnet_ids"], "EKS cluster"),
                "aws_ecs_service" => {
                    if !ecs_service_uses_awsvpc(model, r) {
                        continue;
                    }
                    (
                        Role::EcsTasks,
                        &["network_configuration", "subnets"],
                        "ECS service",
                    )
                }
                "aws_vpc_endpoint" => {
                    if !is_interface_endpoint(r) {
                        continue;
                    }
                    (Role::Endpoint, &["subnet_ids"], "VPC endpoint")
                }
                "aws_lb" | "aws_alb" | "aws_elb" => {
                    (Role::LoadBalancer, &["subnets"], "load balancer")
                }
                _ => continue,
            };
            let names = consumer_names(model, r);
            for (si, span) in self.referenced_subnets(model, r, path) {
                self.add_use(
                    si,
                    SubnetUse {
                        role,
                        file: r.file,
                        span,
                        what: format!("{what} `{}`", r.address),
                        names: names.clone(),
                        tf: Some(ti),
                        k8s: None,
                    },
                );
            }
            if r.rtype == "aws_lb" || r.rtype == "aws_alb" {
                for m in follow(r.values, &["subnet_mapping", "subnet_id"]) {
                    for si in self.subnets_from_strings(model, r, m) {
                        self.add_use(
                            si,
                            SubnetUse {
                                role: Role::LoadBalancer,
                                file: r.file,
                                span: m.span,
                                what: format!("load balancer `{}`", r.address),
                                names: Vec::new(),
                                tf: Some(ti),
                                k8s: None,
                            },
                        );
                    }
                }
            }
        }
        // terraform-aws-modules/eks module calls.
        self.eks_module_uses(model, eval);
        // Kubernetes: ENIConfig (custom networking) and Karpenter EC2NodeClass selectors.
        for (ki, o) in model.k8s.iter().enumerate() {
            match o.kind {
                "ENIConfig" => {
                    let Some(sn) = o.node.path(&["spec", "subnet"]) else {
                        continue;
                    };
                    let Some(id) = sn.as_str() else { continue };
                    for si in self.subnets_by_id(id, None) {
                        self.add_use(
                            si,
                            SubnetUse {
                                role: Role::Pods,
                                file: o.file,
                                span: sn.span,
                                what: format!("`{}`", o.logical()),
                                names: o.name.map(str::to_string).into_iter().collect(),
                                tf: None,
                                k8s: Some(ki),
                            },
                        );
                    }
                }
                "EC2NodeClass" => self.node_class_uses(ki, o),
                _ => {}
            }
        }
    }

    pub(crate) fn node_class_uses(&mut self, ki: usize, o: &K8sObject<'a>) {
        let terms = o
            .node
            .path(&["spec", "subnetSelectorTerms"])
            .and_then(Node::as_seq)
            .unwrap_or(&[]);
        for t in terms {
            let mut hits: Vec<usize> = Vec::new();
            if let Some(id) = t.get("id").and_then(Node::as_str) {
                hits.extend(self.subnets_by_id(id, None));
            } else if let Some(tags) = t.get("tags").and_then(Node::as_map) {
                if tags.is_empty() {
                    continue;
                }
                for (i, s) in self.subnets.iter().enumerate() {
                    let all = tags
                        .iter()
                        .all(|m| match (s.tag(&m.key), m.value.as_str()) {
                            (Some(_), Some("*")) => true,
                            (Some(v), Some(want)) => v == want,
                            _ => false,
                        });
                    if all {
                        hits.push(i);
                    }
                }
            }
            for si in hits {
                self.add_use(
                    si,
                    SubnetUse {
                        role: Role::Pods,
                        file: o.file,
                        span: t.span,
                        what: format!("`{}`", o.logical()),
                        names: o.name.map(str::to_string).into_iter().collect(),
                        tf: None,
                        k8s: Some(ki),
                    },
                );
            }
        }
    }
}

/// The CIDR of a node: a literal, or (with `eval`) a Terraform expression that evaluates to
/// one, with the provenance of the value. An evaluated value that is unknown gives
/// `Err(Some(unknown))`; anything else that is not an IPv4 CIDR gives `Err(None)`.
fn cidr_of(
    n: &Node,
    file: FileId,
    eval: Option<&TfEvalIndex<'_>>,
) -> Result<(Cidr, Option<String>), Option<Unknown>> {
    let text = n.as_str().ok_or(None)?;
    if !is_unresolved_text(text) {
        return Cidr::parse(text).map(|c| (c, None)).ok_or(None);
    }
    let e = eval.ok_or(None)?.value_of(file, n);
    if let Some(u) = e.value.first_unknown() {
        return Err(Some(u.clone()));
    }
    let cidr = e.value.as_str().and_then(Cidr::parse).ok_or(None)?;
    Ok((cidr, e.provenance))
}

/// A subnet whose CIDR is written as an expression that cannot be evaluated, and that NET001 or
/// NET002 would have judged (something other than a load balancer uses it). LINT000 reports it.
#[derive(Debug, Clone)]
pub struct UnresolvedSubnet {
    pub file: FileId,
    /// The CIDR expression.
    pub span: Span,
    /// `aws_subnet.pods_a` or `module.vpc.private_subnets[0]`.
    pub name: String,
    /// The expression as written (`cidrsubnet(var.vpc_cidr, 10, 12)`).
    pub expr: String,
    /// The part that is unknown, and why.
    pub unknown: Unknown,
    /// What uses the subnet (`node group `aws_eks_node_group.workers``), sorted.
    pub used_by: Vec<String>,
}

impl<'a> Network<'a> {
    /// Take the subnets whose CIDR is unknown (pushed with a placeholder CIDR so that their
    /// uses are found like any other's) out of the model: the ones something other than a load
    /// balancer uses become [`UnresolvedSubnet`]s; the indexes are rebuilt without them.
    pub(crate) fn take_unresolved(&mut self, pending: Vec<(usize, Unknown)>) {
        if pending.is_empty() {
            return;
        }
        let mut unknown_of: Vec<Option<Unknown>> = vec![None; self.subnets.len()];
        for (i, u) in pending {
            if let Some(slot) = unknown_of.get_mut(i) {
                *slot = Some(u);
            }
        }
        let subnets = std::mem::take(&mut self.subnets);
        let uses = std::mem::take(&mut self.uses);
        for ((s, u), unk) in subnets.into_iter().zip(uses).zip(unknown_of) {
            let Some(unknown) = unk else {
                self.subnets.push(s);
                self.uses.push(u);
                continue;
            };
            let mut used_by: Vec<String> = u
                .iter()
                .filter(|x| x.role != Role::LoadBalancer)
                .map(|x| x.what.clone())
                .collect();
            if used_by.is_empty() {
                continue;
            }
            used_by.sort();
            used_by.dedup();
            let expr = s
                .cidr_node
                .as_str()
                .map(|t| short_expression(expression_text(t)))
                .unwrap_or_default();
            self.unresolved.push(UnresolvedSubnet {
                file: s.file,
                span: s.cidr_span(),
                name: s.name.to_string(),
                expr,
                unknown,
                used_by,
            });
        }
        self.index();
    }
}

/// An expression for a note, shortened when long (`[for k, v in local.azs : …]`).
fn short_expression(expr: &str) -> String {
    const MAX: usize = 60;
    let one_line = expr.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX {
        return one_line;
    }
    let cut: String = one_line.chars().take(MAX - 1).collect();
    if one_line.starts_with('[') {
        format!("{cut}…]")
    } else {
        format!("{cut}…")
    }
}

/// Cluster, service and node group names of a consumer (for the production heuristic).
pub(crate) fn consumer_names(model: &Model<'_>, r: &TfResource<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for key in [
        "name",
        "cluster_name",
        "node_group_name",
        "fargate_profile_name",
    ] {
        if let Some(v) = r.attr(key).and_then(Node::as_str) {
            if !v.contains("${") {
                out.push(v.to_string());
            }
        }
    }
    for key in ["cluster", "cluster_name"] {
        for rf in r.resource_refs_at(&[key]) {
            if let Some(c) = model.resolve_tf(r, &rf.address) {
                if let Some(n) = c.attr("name").and_then(Node::as_str) {
                    out.push(n.to_string());
                }
            }
        }
    }
    out.push(r.name.to_string());
    out
}

/// False when the service's task definition uses `bridge`/`host`/`none` (no per-task IP). A
/// service with `network_configuration` is awsvpc (the block is only valid there).
pub fn ecs_service_uses_awsvpc(model: &Model<'_>, svc: &TfResource<'_>) -> bool {
    for rf in svc.resource_refs_at(&["task_definition"]) {
        if let Some(td) = model.resolve_tf(svc, &rf.address) {
            if let Some(mode) = td.attr("network_mode").and_then(Node::as_str) {
                if !mode.contains("${") {
                    return mode == "awsvpc";
                }
            }
        }
    }
    true
}

/// True for an `aws_vpc_endpoint` of type `Interface` (the only type with ENIs in subnets; the
/// provider's default is `Gateway`).
pub(crate) fn is_interface_endpoint(r: &TfResource<'_>) -> bool {
    r.attr("vpc_endpoint_type")
        .and_then(Node::as_str)
        .unwrap_or("Gateway")
        .eq_ignore_ascii_case("Interface")
}

/// `aws_subnet` resources per round from which [`Network::build`] reads them on two threads (a
/// plan of a large estate has hundreds of thousands); a round's second half is held in memory
/// until it is kept.
pub(crate) const PARALLEL_SUBNETS: usize = 16_384;

/// The subnet of managed resource `i` (an `aws_subnet`), with the unknown part of its CIDR when
/// that is an expression that cannot be evaluated (the subnet then has a placeholder CIDR);
/// `None` when it has no CIDR or one that is not an IPv4 block.
fn subnet_resource<'a>(
    model: &Model<'a>,
    i: usize,
    eval: Option<&TfEvalIndex<'a>>,
) -> Option<(Subnet<'a>, Option<Unknown>)> {
    let r = &model.tf[i];
    let cn = r.attr("cidr_block")?;
    let config_eval = eval.filter(|_| r.origin == TfOrigin::Config);
    let (cidr, provenance, unknown) = match cidr_of(cn, r.file, config_eval) {
        Ok((c, p)) => (c, p, None),
        Err(Some(u)) => (Cidr::PLACEHOLDER, None, Some(u)),
        Err(None) => return None,
    };
    let subnet = Subnet {
        file: r.file,
        name: r.address.as_str().into(),
        cidr,
        cidr_node: cn,
        az: r
            .attr("availability_zone")
            .and_then(Node::as_str)
            .filter(|s| !s.contains("${"))
            .map(Text::from),
        id: r
            .attr("id")
            .and_then(Node::as_str)
            .filter(|s| s.starts_with("subnet-")),
        tags: tags_of(r.attr("tags")),
        resource: Some(i),
        slot: module_slot_of(&r.address).map(Box::new),
        dir: r.dir.as_str().into(),
        module: r.module.as_str().into(),
        provenance,
    };
    Some((subnet, unknown))
}

/// Tags from a `tags` map (string values only; interpolations kept as written).
pub(crate) fn tags_of(n: Option<&Node>) -> Vec<(&str, &str)> {
    n.and_then(Node::as_map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|m| {
            let v = match &m.value.value {
                Value::Bool(true) => "true",
                Value::Bool(false) => "false",
                v => v.text()?,
            };
            Some((m.key.as_str(), v))
        })
        .collect()
}

/// `module.vpc.aws_subnet.private[2]` → slot (vpc, private, 2). Only one module level.
pub(crate) fn module_slot_of(address: &str) -> Option<ModuleSlot> {
    let rest = address.strip_prefix("module.")?;
    let (module, rest) = rest.split_once('.')?;
    let rest = rest.strip_prefix("aws_subnet.")?;
    let (kind, idx) = rest.split_once('[')?;
    let index: usize = idx.strip_suffix(']')?.parse().ok()?;
    if module.contains('[') || !VPC_MODULE_KINDS.contains(&kind) {
        return None;
    }
    Some(ModuleSlot {
        module: module.to_string(),
        kind: kind.to_string(),
        index,
    })
}
