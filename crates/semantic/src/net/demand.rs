//! Per-subnet peak IP demand (NET002): ECS awsvpc services, interface endpoints, and the
//! node groups and node pools of [`super::nodes`].

use std::collections::HashMap;

use lint_engine::config::Config;
use lint_engine::doc::{Node, Value};
use lint_engine::model::follow;
use lint_engine::model::{Model, TfResource};
use lint_engine::source::{FileId, Span};

use super::nodes::{max_size, GroupSpec};
use super::subnets::is_interface_endpoint;
use super::*;

/// One consumer's share of a subnet's peak demand: numbers and places only; the rule words them.
#[derive(Debug, Clone)]
pub struct DemandPart {
    pub consumer: Consumer,
    /// The consumer's Terraform address, or the logical name of a Karpenter `NodePool`.
    pub name: String,
    pub ips: u64,
    /// How the number was reached.
    pub basis: Basis,
    /// The values the number comes from.
    pub sources: Vec<DemandSource>,
    /// Instances of the consumer (`count`/`for_each`); `ips` counts them all.
    pub instances: u64,
}

/// What takes the addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consumer {
    EcsService,
    VpcEndpoint,
    NodeGroup,
    /// The pods of a node group on secondary ENIs (custom networking: ENIConfig subnets).
    NodeGroupPods,
    NodePool,
}

/// How a part's number of addresses was reached.
#[derive(Debug, Clone, PartialEq)]
pub enum Basis {
    /// `floor(desired × percent%) = tasks`, spread over `subnets` subnets.
    EcsTasks {
        desired: u64,
        percent: u64,
        tasks: u64,
        subnets: u64,
    },
    /// One ENI per subnet.
    EndpointEni,
    /// `nodes` nodes in this subnet, each taking `per_node`.
    NodeGroupNodes { nodes: u64, per_node: NodeIps },
    /// Custom networking: `nodes` nodes × `ips` addresses of `pods` pods on secondary ENIs.
    NodeGroupPods {
        nodes: u64,
        ips: u64,
        instance_type: String,
        pods: u64,
    },
    /// `nodes` nodes in this subnet (`nodes_total` `instance_type` nodes for `limits.cpu`
    /// `cpu`), each taking `per_node` addresses with `pods` pods.
    NodePoolNodes {
        nodes: u64,
        nodes_total: u64,
        instance_type: String,
        cpu: f64,
        per_node: u64,
        pods: u64,
    },
}

/// The addresses one node of a node group takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeIps {
    /// IPv6 cluster: one IPv4 address per node.
    Ipv6,
    /// Custom networking: pods use ENIConfig subnets, one address per node.
    CustomNetworking,
    /// `ips` addresses per `instance_type` node with `pods` pods, kept warm by `mode`.
    Warm {
        ips: u64,
        instance_type: String,
        pods: u64,
        mode: WarmMode,
    },
}

/// Which VPC CNI setting decides the addresses a node keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarmMode {
    PrefixDelegation,
    /// `WARM_IP_TARGET`/`MINIMUM_IP_TARGET`.
    IpTargets,
    /// `WARM_ENI_TARGET` (the default).
    EniTarget,
}

/// A value a part's number comes from, and where it is written.
#[derive(Debug, Clone)]
pub struct DemandSource {
    pub file: FileId,
    pub span: Span,
    pub kind: SourceKind,
}

/// What a [`DemandSource`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// An interface endpoint's subnet: one address.
    InterfaceEndpoint,
    /// `desired_count`.
    DesiredCount(u64),
    /// An autoscaling target's `max_capacity`.
    AutoscalingMax(u64),
    /// `deployment_maximum_percent`.
    DeploymentMaxPercent(u64),
    /// No `deployment_maximum_percent`: the default 200% applies (points at the service).
    DefaultDeploymentMaxPercent,
    /// `scaling_config.max_size`: up to `max` nodes, `nodes` of them in this subnet.
    NodeGroupMax { max: u64, nodes: u64 },
    /// A module node group without `max_size`: the module's default `max`, `nodes` of them in
    /// this subnet (points at the group's key).
    NodeGroupDefaultMax { max: u64, nodes: u64 },
    /// `count`/`for_each`: this many instances of the consumer.
    Instances(u64),
    /// The VPC CNI settings.
    CniSettings,
    /// A node pool's `limits.cpu`: up to `nodes` nodes of `instance_type`.
    NodePoolCpu { nodes: u64, instance_type: String },
}

impl DemandSource {
    pub(crate) fn new(file: FileId, span: Span, kind: SourceKind) -> DemandSource {
        DemandSource { file, span, kind }
    }
}

/// A value the demand could not be computed for (info).
#[derive(Debug, Clone)]
pub struct DemandUnknown {
    pub file: FileId,
    pub span: Span,
    pub reason: UnknownReason,
}

/// Why a consumer's demand is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnknownReason {
    /// `attr` (`desired_count`, `deployment_maximum_percent`) of an ECS service is not static.
    EcsValue { service: String, attr: &'static str },
    /// `scaling_config.max_size` of a node group is not static.
    NodeGroupMaxSize { node_group: String },
    /// One instance type of a node group is not static.
    NodeGroupInstanceType { node_group: String },
    /// The whole `instance_types` of a node group is not static.
    NodeGroupInstanceTypes { node_group: String },
    /// The node group takes its instance type from a launch template.
    NodeGroupLaunchTemplate { node_group: String },
    /// An instance type the ENI table does not know.
    UnknownInstanceType { instance_type: String },
    /// An instance type whose vCPU count the table does not have, where the demand depends on it
    /// (Karpenter node counts, the prefix-delegation max-pods ceiling).
    InstanceVcpuUnknown { instance_type: String },
    /// A node pool without `limits.cpu`.
    NodePoolNoCpuLimit { node_pool: String },
    /// A node pool whose `limits.cpu` is not a number.
    NodePoolCpuNotNumber { node_pool: String },
    /// A node pool that does not list its instance types.
    NodePoolNoInstanceTypes { node_pool: String },
    /// The VPC CNI `configuration_values` of `what` are not static: node demand assumes the
    /// CNI defaults.
    CniSettings { what: String },
}

impl DemandUnknown {
    pub(crate) fn new(file: FileId, span: Span, reason: UnknownReason) -> DemandUnknown {
        DemandUnknown { file, span, reason }
    }
}

/// A node group with its place among the consumers and its subnets (with the referencing span).
type KeyedGroup = (usize, GroupSpec, Vec<(usize, Span)>);

/// Peak demand of every subnet with at least one counted consumer.
#[derive(Debug, Default)]
pub struct Demand {
    /// `(subnet index, parts)`.
    pub subnets: Vec<(usize, Vec<DemandPart>)>,
    pub unknown: Vec<DemandUnknown>,
}

impl Demand {
    pub fn total(parts: &[DemandPart]) -> u64 {
        parts.iter().fold(0u64, |a, p| a.saturating_add(p.ips))
    }
}

impl<'a> Network<'a> {
    /// Sum every consumer of every subnet at peak (catalog NET002 table).
    pub fn demand(&self, model: &Model<'a>, _config: &Config) -> Demand {
        // Each part with the place of its consumer in the model (resources in input order, then
        // module node groups, then node pools), so that a subnet lists its consumers in that
        // order whichever loop found them.
        let mut per: HashMap<usize, Vec<(usize, DemandPart)>> = HashMap::new();
        let mut unknown: Vec<DemandUnknown> = Vec::new();
        let pods_hint = workload_pods(model);
        // Node groups first: their maximum nodes spread the workloads' pods.
        let mut groups: Vec<KeyedGroup> = Vec::new();
        for &ti in model.tf_indexes_of_type("aws_eks_node_group") {
            let r = &model.tf[ti];
            if self.uncounted.contains(&ti) {
                continue;
            }
            let subs = self.referenced_subnets(model, r, &["subnet_ids"]);
            match self.node_group_spec(model, r) {
                Ok(Some(mut g)) => {
                    if let Some((k, span)) = self.instances.get(&ti) {
                        g.instances = *k;
                        g.instances_span = Some(*span);
                    }
                    groups.push((ti, g, subs));
                }
                Ok(None) => {}
                Err(u) if !subs.is_empty() => unknown.extend(u),
                Err(_) => {}
            }
        }
        for (i, mg) in self.module_groups.iter().enumerate() {
            match &mg.spec {
                Ok(Some(g)) => groups.push((model.tf.len() + i, g.clone(), mg.subnets.clone())),
                Ok(None) => {}
                Err(u) => unknown.extend(u.iter().cloned()),
            }
        }
        // Every node group with a known `max_size` counts here, whether or not its own demand
        // can be computed.
        let node_groups = model.tf_indexes_of_type("aws_eks_node_group");
        let resource_nodes = node_groups.iter().filter_map(|&ti| {
            let r = &model.tf[ti];
            if self.uncounted.contains(&ti) {
                return None;
            }
            let k = self.instances.get(&ti).map_or(1, |(k, _)| *k);
            max_size(r).map(|(n, _)| n.saturating_mul(k))
        });
        let module_nodes = self.module_groups.iter().filter_map(|mg| match &mg.spec {
            Ok(Some(g)) => Some(g.max),
            _ => None,
        });
        let total_nodes: u64 = resource_nodes
            .chain(module_nodes)
            .fold(0u64, u64::saturating_add);
        for (key, g, subs) in &groups {
            if subs.is_empty() || g.instances == 0 {
                continue;
            }
            match self.group_demand(g, subs.len() as u64, pods_hint, total_nodes) {
                Ok(Some((part, pod_part))) => {
                    for (si, _) in subs {
                        per.entry(*si).or_default().push((*key, part.clone()));
                        if let Some(pp) = &pod_part {
                            for pj in self.eniconfig_subnets_for(model, *si) {
                                per.entry(pj).or_default().push((*key, pp.clone()));
                            }
                        }
                    }
                }
                Ok(None) => {}
                Err(u) => unknown.extend(u),
            }
        }
        for ti in model.tf_indexes_of_types(&["aws_ecs_service", "aws_vpc_endpoint"]) {
            let r = &model.tf[ti];
            if self.uncounted.contains(&ti) {
                continue;
            }
            let instances = self.instances.get(&ti).copied();
            let times = |mut part: DemandPart| {
                if let Some((k, span)) = instances {
                    part.instances = k;
                    part.ips = part.ips.saturating_mul(k);
                    part.sources
                        .push(DemandSource::new(r.file, span, SourceKind::Instances(k)));
                }
                part
            };
            if instances.is_some_and(|(k, _)| k == 0) {
                continue;
            }
            match r.rtype {
                "aws_ecs_service" => {
                    if !ecs_service_uses_awsvpc(model, r) {
                        continue;
                    }
                    let subs =
                        self.referenced_subnets(model, r, &["network_configuration", "subnets"]);
                    if subs.is_empty() {
                        continue;
                    }
                    let part = match ecs_demand(model, r, subs.len() as u64) {
                        Ok(Some(p)) => times(p),
                        Ok(None) => continue,
                        Err(u) => {
                            unknown.push(u);
                            continue;
                        }
                    };
                    for (si, _) in &subs {
                        per.entry(*si).or_default().push((ti, part.clone()));
                    }
                }
                "aws_vpc_endpoint" => {
                    if !is_interface_endpoint(r) {
                        continue;
                    }
                    for (si, span) in self.referenced_subnets(model, r, &["subnet_ids"]) {
                        per.entry(si).or_default().push((
                            ti,
                            times(DemandPart {
                                consumer: Consumer::VpcEndpoint,
                                name: r.address.to_string(),
                                ips: 1,
                                basis: Basis::EndpointEni,
                                sources: vec![DemandSource::new(
                                    r.file,
                                    span,
                                    SourceKind::InterfaceEndpoint,
                                )],
                                instances: 1,
                            }),
                        ));
                    }
                }
                _ => {}
            }
        }
        for np in &model.k8s {
            if np.kind != "NodePool" {
                continue;
            }
            match self.node_pool_demand(model, np, pods_hint, total_nodes) {
                Ok(Some((subs, part))) => {
                    for si in subs {
                        per.entry(si).or_default().push((usize::MAX, part.clone()));
                    }
                }
                Ok(None) => {}
                Err(u) => unknown.push(u),
            }
        }
        let node_demand = per.values().flatten().any(|(_, p)| {
            matches!(
                p.consumer,
                Consumer::NodeGroup | Consumer::NodeGroupPods | Consumer::NodePool
            )
        });
        if let (true, Some(u)) = (node_demand, &self.cni.unresolved) {
            unknown.push(DemandUnknown::new(
                u.file,
                u.span,
                UnknownReason::CniSettings {
                    what: u.what.clone(),
                },
            ));
        }
        let mut subnets: Vec<(usize, Vec<DemandPart>)> = per
            .into_iter()
            .map(|(si, mut parts)| {
                parts.sort_by_key(|(k, _)| *k);
                (si, parts.into_iter().map(|(_, p)| p).collect())
            })
            .collect();
        subnets.sort_by_key(|(i, _)| *i);
        // Ordered by the text `file:offset` (a stable sort), one per place.
        unknown.sort_by_key(|u| format!("{}:{}", u.file.0, u.span.start));
        unknown.dedup_by(|a, b| a.file == b.file && a.span.start == b.span.start);
        Demand { subnets, unknown }
    }
}

/// Pods that use VPC addresses, from the Kubernetes workloads of the inputs (HPA `maxReplicas`
/// where an HPA targets the workload, `replicas` else, default 1; `hostNetwork` pods and
/// DaemonSets excluded). `None` when the inputs hold no such workload: nodes are then assumed
/// full.
pub(crate) fn workload_pods(model: &Model<'_>) -> Option<u64> {
    let mut hpa_max: HashMap<(String, String, String), u64> = HashMap::new();
    for h in model.k8s_of_kind("HorizontalPodAutoscaler") {
        let (Some(kind), Some(name), Some(max)) = (
            h.node
                .path(&["spec", "scaleTargetRef", "kind"])
                .and_then(Node::as_str),
            h.node
                .path(&["spec", "scaleTargetRef", "name"])
                .and_then(Node::as_str),
            h.node.path(&["spec", "maxReplicas"]).and_then(Node::as_i64),
        ) else {
            continue;
        };
        hpa_max.insert(
            (
                h.namespace_or_default().to_string(),
                kind.to_string(),
                name.to_string(),
            ),
            max.max(0) as u64,
        );
    }
    let mut total = 0u64;
    let mut any = false;
    for w in &model.workloads {
        if matches!(w.kind, "DaemonSet" | "Job" | "CronJob") {
            continue;
        }
        if w.pod_spec.get("hostNetwork").and_then(Node::as_bool) == Some(true) {
            continue;
        }
        let o = &model.k8s[w.object];
        let key = (
            o.namespace_or_default().to_string(),
            o.kind.to_string(),
            o.name.unwrap_or_default().to_string(),
        );
        let replicas = hpa_max.get(&key).copied().unwrap_or_else(|| {
            o.node
                .path(&["spec", "replicas"])
                .and_then(Node::as_i64)
                .map(|v| v.max(0) as u64)
                .unwrap_or(1)
        });
        any = true;
        total = total.saturating_add(replicas);
    }
    any.then_some(total)
}

/// Peak tasks of an ECS awsvpc service per subnet.
pub(crate) fn ecs_demand(
    model: &Model<'_>,
    r: &TfResource<'_>,
    n_subnets: u64,
) -> Result<Option<DemandPart>, DemandUnknown> {
    if r.attr("scheduling_strategy").and_then(Node::as_str) == Some("DAEMON") {
        return Ok(None);
    }
    let not_static = |n: &Node, attr: &'static str| {
        DemandUnknown::new(
            r.file,
            n.span,
            UnknownReason::EcsValue {
                service: r.address.to_string(),
                attr,
            },
        )
    };
    let desired_node = r.attr("desired_count");
    let desired = match desired_node {
        Some(n) => n.as_i64().map(|v| v.max(0) as u64),
        None => Some(0),
    };
    let ignored = ignores_desired_count(r);
    let target = autoscaling_target(model, r);
    let mut labels = Vec::new();
    let desired_eff = match (desired, &target) {
        (_, Some((max, n))) if ignored => {
            labels.push(DemandSource::new(
                r.file,
                n.span,
                SourceKind::AutoscalingMax(*max),
            ));
            *max
        }
        (Some(d), Some((max, n))) => {
            labels.push(DemandSource::new(
                r.file,
                n.span,
                SourceKind::AutoscalingMax(*max),
            ));
            d.max(*max)
        }
        (Some(d), None) => d,
        (None, _) => {
            return match desired_node {
                Some(n) => Err(not_static(n, "desired_count")),
                None => Ok(None),
            }
        }
    };
    if let Some(n) = desired_node {
        if !ignored || target.is_none() {
            labels.insert(
                0,
                DemandSource::new(
                    r.file,
                    n.span,
                    SourceKind::DesiredCount(desired.unwrap_or(0)),
                ),
            );
        }
    }
    let (pct, pct_node) = match r.attr("deployment_maximum_percent") {
        Some(n) => match n.as_i64() {
            Some(v) => (v.max(0) as u64, Some(n)),
            None if n.is_null() => (200, None),
            None => return Err(not_static(n, "deployment_maximum_percent")),
        },
        None => (200, None),
    };
    match pct_node {
        Some(n) => labels.push(DemandSource::new(
            r.file,
            n.span,
            SourceKind::DeploymentMaxPercent(pct),
        )),
        None => {
            labels.push(DemandSource::new(
                r.file,
                r.anchor,
                SourceKind::DefaultDeploymentMaxPercent,
            ));
        }
    }
    let tasks = desired_eff.saturating_mul(pct) / 100;
    if tasks == 0 {
        return Ok(None);
    }
    let per = tasks.div_ceil(n_subnets.max(1));
    Ok(Some(DemandPart {
        consumer: Consumer::EcsService,
        name: r.address.to_string(),
        ips: per,
        basis: Basis::EcsTasks {
            desired: desired_eff,
            percent: pct,
            tasks,
            subnets: n_subnets,
        },
        sources: labels,
        instances: 1,
    }))
}

pub(crate) fn ignores_desired_count(r: &TfResource<'_>) -> bool {
    follow(r.values, &["lifecycle", "ignore_changes"])
        .iter()
        .any(|n| match &n.value {
            Value::Seq(v) => v.iter().any(|x| {
                x.as_str().is_some_and(|s| {
                    s.trim_start_matches("${").trim_end_matches('}') == "desired_count"
                })
            }),
            v => v
                .str()
                .is_some_and(|s| s == "all" || s.contains("desired_count")),
        })
}

/// The `aws_appautoscaling_target` scaling this service (`resource_id =
/// service/<cluster>/<service>`): its `max_capacity` and node.
pub(crate) fn autoscaling_target<'n>(
    model: &Model<'n>,
    svc: &TfResource<'n>,
) -> Option<(u64, &'n Node)> {
    let svc_name = svc.attr("name").and_then(Node::as_str);
    for t in model.tf_of_type("aws_appautoscaling_target") {
        let Some(rid) = t.attr("resource_id") else {
            continue;
        };
        let by_ref = t.refs_at(&["resource_id"]).iter().any(|rf| {
            rf.address.starts_with("aws_ecs_service.")
                && model
                    .resolve_tf(t, &rf.address)
                    .is_some_and(|x| std::ptr::eq(x, svc))
        });
        let by_name = match (rid.as_str(), svc_name) {
            (Some(s), Some(n)) if !n.contains("${") => {
                s.starts_with("service/") && s.rsplit('/').next() == Some(n)
            }
            _ => false,
        };
        if by_ref || by_name {
            if let Some(mc) = t.attr("max_capacity") {
                if let Some(v) = mc.as_i64() {
                    return Some((v.max(0) as u64, mc));
                }
            }
        }
    }
    None
}
