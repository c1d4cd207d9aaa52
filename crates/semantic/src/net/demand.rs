//! Per-subnet peak IP demand (NET002): ECS awsvpc services, interface endpoints, and the
//! node groups and node pools of [`super::nodes`].

use std::collections::HashMap;

use lint_engine::config::Config;
use lint_engine::doc::{Node, Value};
use lint_engine::finding::Label;
use lint_engine::model::follow;
use lint_engine::model::{Model, TfMode, TfResource};
use lint_engine::source::{FileId, Span};

use super::nodes::max_size;
use super::*;

/// One consumer's share of a subnet's peak demand.
#[derive(Debug, Clone)]
pub struct DemandPart {
    /// `ECS service `aws_ecs_service.api``.
    pub what: String,
    pub ips: u64,
    /// How the number was reached: `ceil(floor(20 × 200%) / 2 subnets) = 20 tasks`.
    pub detail: String,
    /// Labels on the values the number comes from.
    pub labels: Vec<Label>,
}

/// A value the demand could not be computed for (info).
#[derive(Debug, Clone)]
pub struct DemandUnknown {
    pub file: FileId,
    pub span: Span,
    pub message: String,
    /// Deduplication key.
    pub key: String,
}

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
        let mut per: HashMap<usize, Vec<DemandPart>> = HashMap::new();
        let mut unknown: Vec<DemandUnknown> = Vec::new();
        let pods_hint = workload_pods(model);
        let total_nodes: u64 = model
            .tf_of_type("aws_eks_node_group")
            .filter_map(|r| max_size(r).map(|(n, _)| n))
            .fold(0u64, u64::saturating_add);
        for r in model.tf.iter().filter(|r| r.mode == TfMode::Managed) {
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
                        Ok(Some(p)) => p,
                        Ok(None) => continue,
                        Err(u) => {
                            unknown.push(u);
                            continue;
                        }
                    };
                    for (si, _) in &subs {
                        per.entry(*si).or_default().push(part.clone());
                    }
                }
                "aws_eks_node_group" => {
                    let subs = self.referenced_subnets(model, r, &["subnet_ids"]);
                    if subs.is_empty() {
                        continue;
                    }
                    match self.node_group_demand(
                        model,
                        r,
                        subs.len() as u64,
                        pods_hint,
                        total_nodes,
                    ) {
                        Ok(Some((part, pod_part))) => {
                            for (si, _) in &subs {
                                per.entry(*si).or_default().push(part.clone());
                                if let Some(pp) = &pod_part {
                                    for pj in self.eniconfig_subnets_for(model, *si) {
                                        per.entry(pj).or_default().push(pp.clone());
                                    }
                                }
                            }
                        }
                        Ok(None) => {}
                        Err(u) => unknown.extend(u),
                    }
                }
                "aws_vpc_endpoint" => {
                    let t = r
                        .attr("vpc_endpoint_type")
                        .and_then(Node::as_str)
                        .unwrap_or("Gateway");
                    if !t.eq_ignore_ascii_case("Interface") {
                        continue;
                    }
                    for (si, span) in self.referenced_subnets(model, r, &["subnet_ids"]) {
                        per.entry(si).or_default().push(DemandPart {
                            what: format!("VPC endpoint `{}`", r.address),
                            ips: 1,
                            detail: "1 ENI".into(),
                            labels: vec![Label::new(r.file, span, "interface endpoint: 1 address")],
                        });
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
                        per.entry(si).or_default().push(part.clone());
                    }
                }
                Ok(None) => {}
                Err(u) => unknown.push(u),
            }
        }
        let node_demand = per.values().flatten().any(|p| {
            p.what.starts_with("node group")
                || p.what.starts_with("pods of node group")
                || p.what.starts_with("`NodePool")
        });
        if let (true, Some(u)) = (node_demand, &self.cni.unresolved) {
            unknown.push(DemandUnknown {
                file: u.file,
                span: u.span,
                message: format!(
                    "VPC CNI `configuration_values` of {} is not known statically: node IP demand assumes the CNI defaults",
                    u.what
                ),
                key: format!("{}:{}", u.file.0, u.span.start),
            });
        }
        let mut subnets: Vec<(usize, Vec<DemandPart>)> = per.into_iter().collect();
        subnets.sort_by_key(|(i, _)| *i);
        unknown.sort_by(|a, b| a.key.cmp(&b.key));
        unknown.dedup_by(|a, b| a.key == b.key);
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
    let not_static = |n: &Node, what: &str| DemandUnknown {
        file: r.file,
        span: n.span,
        message: format!(
            "`{what}` of ECS service `{}` is not known statically: cannot compute its IP demand",
            r.address
        ),
        key: format!("{}:{}", r.file.0, n.span.start),
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
            labels.push(Label::new(
                r.file,
                n.span,
                format!("autoscaling up to {max} tasks"),
            ));
            *max
        }
        (Some(d), Some((max, n))) => {
            labels.push(Label::new(
                r.file,
                n.span,
                format!("autoscaling up to {max} tasks"),
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
                Label::new(
                    r.file,
                    n.span,
                    format!("desired_count {}", desired.unwrap_or(0)),
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
        Some(n) => labels.push(Label::new(
            r.file,
            n.span,
            format!("up to {pct}% of the tasks run during a deployment"),
        )),
        None => {
            labels.push(Label::new(
                r.file,
                r.anchor,
                "no `deployment_maximum_percent`: the default 200% applies",
            ));
        }
    }
    let tasks = desired_eff.saturating_mul(pct) / 100;
    if tasks == 0 {
        return Ok(None);
    }
    let per = tasks.div_ceil(n_subnets.max(1));
    Ok(Some(DemandPart {
        what: format!("ECS service `{}`", r.address),
        ips: per,
        detail: format!(
            "floor({desired_eff} × {pct}%) = {tasks} tasks over {n_subnets} subnet{s}",
            s = if n_subnets == 1 { "" } else { "s" }
        ),
        labels,
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
            Value::Str(s) => s == "all" || s.contains("desired_count"),
            _ => false,
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
