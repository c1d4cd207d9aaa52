//! The IP demand of EKS nodes: managed node groups and Karpenter node pools.

use lint_engine::doc::{Node, Value};
use lint_engine::finding::Label;
use lint_engine::model::follow;
use lint_engine::model::{K8sObject, Model, TfResource};
use lint_engine::source::Span;

use super::*;

impl<'a> Network<'a> {
    pub(crate) fn node_group_demand(
        &self,
        model: &Model<'a>,
        r: &TfResource<'a>,
        n_subnets: u64,
        pods_hint: Option<u64>,
        total_nodes: u64,
    ) -> Result<Option<(DemandPart, Option<DemandPart>)>, Vec<DemandUnknown>> {
        let Some((max, max_node)) = max_size(r) else {
            return match follow(r.values, &["scaling_config", "max_size"]).first() {
                Some(n) if !n.is_null() => Err(vec![DemandUnknown {
                    file: r.file,
                    span: n.span,
                    message: format!(
                        "`scaling_config.max_size` of node group `{}` is not known statically: cannot compute its IP demand",
                        r.address
                    ),
                    key: format!("{}:{}", r.file.0, n.span.start),
                }]),
                _ => Ok(None),
            };
        };
        let types_node = r.attr("instance_types");
        let mut types: Vec<(String, Option<&Node>)> = Vec::new();
        match types_node.map(|n| &n.value) {
            Some(Value::Seq(items)) if !items.is_empty() => {
                for it in items {
                    match it.as_str() {
                        Some(s) if !s.contains("${") => types.push((s.to_string(), Some(it))),
                        _ => {
                            return Err(vec![DemandUnknown {
                                file: r.file,
                                span: it.span,
                                message: format!(
                                    "instance type of node group `{}` is not known statically: cannot compute IP demand",
                                    r.address
                                ),
                                key: format!("{}:{}", r.file.0, it.span.start),
                            }])
                        }
                    }
                }
            }
            Some(Value::Str(s)) if s.contains("${") => {
                let n = types_node.unwrap_or(r.values);
                return Err(vec![DemandUnknown {
                    file: r.file,
                    span: n.span,
                    message: format!(
                        "instance types of node group `{}` are not known statically: cannot compute IP demand",
                        r.address
                    ),
                    key: format!("{}:{}", r.file.0, n.span.start),
                }]);
            }
            _ => {
                if r.attr("launch_template")
                    .is_some_and(|l| l.blocks().next().is_some())
                {
                    return Err(vec![DemandUnknown {
                        file: r.file,
                        span: r.anchor,
                        message: format!(
                            "node group `{}` takes its instance type from a launch template: cannot compute IP demand",
                            r.address
                        ),
                        key: format!("{}:{}", r.file.0, r.anchor.start),
                    }]);
                }
                types.push((DEFAULT_NODE_GROUP_INSTANCE_TYPE.to_string(), None));
            }
        }
        let mut unknown = Vec::new();
        let mut best: Option<(String, InstanceLimits)> = None;
        for (t, node) in &types {
            match instance_limits(t) {
                Some(l) => {
                    let better = best
                        .as_ref()
                        .is_none_or(|(_, b)| l.enis * l.ipv4_per_eni > b.enis * b.ipv4_per_eni);
                    if better {
                        best = Some((t.clone(), l));
                    }
                }
                None => {
                    let span = node.map(|n| n.span).unwrap_or(r.anchor);
                    unknown.push(DemandUnknown {
                        file: r.file,
                        span,
                        message: format!("unknown instance type `{t}`: cannot compute IP demand"),
                        key: format!("{}:{}", r.file.0, span.start),
                    });
                }
            }
        }
        if !unknown.is_empty() {
            return Err(unknown);
        }
        let Some((tname, limits)) = best else {
            return Ok(None);
        };
        let nodes = max.div_ceil(n_subnets.max(1));
        let ipv6 = self.node_group_is_ipv6(model, r);
        let (per_node, how) = if ipv6 {
            (1, "IPv6 cluster: 1 IPv4 address per node".to_string())
        } else if self.cni.custom_networking {
            (
                1,
                "custom networking: pods use ENIConfig subnets, 1 address per node".to_string(),
            )
        } else {
            let cap = self.cni.pod_capacity(limits);
            let pods = match pods_hint {
                Some(p) if total_nodes > 0 => p.div_ceil(total_nodes).min(cap),
                _ => cap,
            };
            let ips = self.cni.node_ips(limits, pods);
            let mode = if self.cni.prefix_delegation {
                "prefix delegation"
            } else if self.cni.warm_ip_target.is_some() || self.cni.minimum_ip_target.is_some() {
                "WARM_IP_TARGET/MINIMUM_IP_TARGET"
            } else {
                "WARM_ENI_TARGET"
            };
            (
                ips,
                format!("{ips} addresses per `{tname}` node with {pods} pods ({mode})"),
            )
        };
        let mut labels = vec![Label::new(
            r.file,
            max_node.span,
            format!("up to {max} nodes, {nodes} in this subnet"),
        )];
        if let Some(s) = &self.cni.source {
            labels.push(Label::new(s.file, s.span, "VPC CNI settings"));
        }
        // Custom networking: the pods' ENIs (every ENI but the primary) are in the ENIConfig
        // subnet of the node's availability zone.
        let pod_part = (self.cni.custom_networking && !ipv6).then(|| {
            let pod_limits = InstanceLimits {
                enis: limits.enis.saturating_sub(1).max(1),
                ..limits
            };
            let cap = self.cni.pod_capacity(pod_limits);
            let pods = match pods_hint {
                Some(p) if total_nodes > 0 => p.div_ceil(total_nodes).min(cap),
                _ => cap,
            };
            let ips = self.cni.node_ips(pod_limits, pods);
            DemandPart {
                what: format!("pods of node group `{}`", r.address),
                ips: nodes.saturating_mul(ips),
                detail: format!(
                    "{nodes} nodes × {ips} addresses per `{tname}` node with {pods} pods on secondary ENIs (custom networking)"
                ),
                labels: labels.clone(),
            }
        });
        Ok(Some((
            DemandPart {
                what: format!("node group `{}`", r.address),
                ips: nodes.saturating_mul(per_node),
                detail: format!("{nodes} nodes × {how}"),
                labels,
            },
            pod_part,
        )))
    }

    /// The ENIConfig subnets that serve nodes in `node_subnet`: same availability zone as the
    /// subnet, or an ENIConfig named after that zone (the usual `ENI_CONFIG_LABEL_DEF`).
    pub(crate) fn eniconfig_subnets_for(
        &self,
        model: &Model<'a>,
        node_subnet: usize,
    ) -> Vec<usize> {
        let Some(az) = self.subnets.get(node_subnet).and_then(|s| s.az.as_deref()) else {
            return Vec::new();
        };
        (0..self.subnets.len())
            .filter(|&j| {
                self.uses[j].iter().any(|u| {
                    u.k8s.is_some_and(|k| {
                        let o = &model.k8s[k];
                        o.kind == "ENIConfig"
                            && (o.name == Some(az) || self.subnets[j].az.as_deref() == Some(az))
                    })
                })
            })
            .collect()
    }
}

impl<'a> Network<'a> {
    /// A Karpenter NodePool's share: `limits.cpu` / the smallest allowed instance's vCPU nodes,
    /// spread over the subnets its `EC2NodeClass` selects.
    pub(crate) fn node_pool_demand(
        &self,
        model: &Model<'a>,
        np: &K8sObject<'a>,
        pods_hint: Option<u64>,
        total_nodes: u64,
    ) -> Result<Option<(Vec<usize>, DemandPart)>, DemandUnknown> {
        let spec = np.node.path(&["spec", "template", "spec"]);
        let Some(class) = spec
            .and_then(|s| s.path(&["nodeClassRef", "name"]))
            .and_then(Node::as_str)
        else {
            return Ok(None);
        };
        let subs: Vec<usize> = (0..self.subnets.len())
            .filter(|&i| {
                self.uses[i].iter().any(|u| {
                    u.k8s.is_some_and(|k| {
                        let o = &model.k8s[k];
                        o.kind == "EC2NodeClass" && o.name == Some(class)
                    })
                })
            })
            .collect();
        if subs.is_empty() {
            return Ok(None);
        }
        let unknown = |span: Span, message: String| DemandUnknown {
            file: np.file,
            span,
            key: format!("{}:{}", np.file.0, span.start),
            message,
        };
        let name = np.logical();
        let Some(cpu_node) = np.node.path(&["spec", "limits", "cpu"]) else {
            return Err(unknown(
                np.anchor(),
                format!("`{name}` has no `limits.cpu`: cannot compute its IP demand"),
            ));
        };
        let Some(cpu) = cpu_node.scalar_text().and_then(|t| parse_cpu(&t)) else {
            return Err(unknown(
                cpu_node.span,
                format!("`{name}` `limits.cpu` is not a number: cannot compute its IP demand"),
            ));
        };
        let mut types: Vec<(&str, Span)> = Vec::new();
        for r in spec
            .and_then(|s| s.get("requirements"))
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            if r.get("key").and_then(Node::as_str) == Some("node.kubernetes.io/instance-type")
                && r.get("operator").and_then(Node::as_str) == Some("In")
            {
                for v in r.get("values").and_then(Node::as_seq).unwrap_or(&[]) {
                    if let Some(t) = v.as_str() {
                        types.push((t, v.span));
                    }
                }
            }
        }
        if types.is_empty() {
            return Err(unknown(
                np.anchor(),
                format!("`{name}` does not list its instance types: cannot compute its IP demand"),
            ));
        }
        let mut smallest: Option<(&str, InstanceLimits)> = None;
        for (t, span) in &types {
            let Some(l) = instance_limits(t) else {
                return Err(unknown(
                    *span,
                    format!("unknown instance type `{t}`: cannot compute IP demand"),
                ));
            };
            if smallest.is_none_or(|(_, s)| l.vcpu < s.vcpu) {
                smallest = Some((t, l));
            }
        }
        let Some((tname, limits)) = smallest else {
            return Ok(None);
        };
        let nodes_total = (cpu / f64::from(limits.vcpu.max(1))).floor() as u64;
        let nodes = nodes_total.div_ceil(subs.len() as u64);
        let cap = self.cni.pod_capacity(limits);
        let pods = match pods_hint {
            Some(p) if total_nodes.saturating_add(nodes_total) > 0 => {
                p.div_ceil(total_nodes.saturating_add(nodes_total)).min(cap)
            }
            _ => cap,
        };
        let per_node = if self.cni.custom_networking {
            1
        } else {
            self.cni.node_ips(limits, pods)
        };
        Ok(Some((
            subs,
            DemandPart {
                what: format!("`{name}`"),
                ips: nodes.saturating_mul(per_node),
                detail: format!(
                    "{nodes} nodes ({nodes_total} `{tname}` nodes for `limits.cpu` {cpu}) × {per_node} addresses with {pods} pods"
                ),
                labels: vec![Label::new(
                    np.file,
                    cpu_node.span,
                    format!("up to {nodes_total} `{tname}` nodes"),
                )],
            },
        )))
    }
}

/// A Kubernetes CPU quantity in cores: `1000`, `1000m`, `1.5`.
pub(crate) fn parse_cpu(t: &str) -> Option<f64> {
    let t = t.trim();
    let v = match t.strip_suffix('m') {
        Some(m) => m.parse::<f64>().ok()? / 1000.0,
        None => t.parse::<f64>().ok()?,
    };
    (v.is_finite() && v >= 0.0).then_some(v)
}

/// `scaling_config.max_size` of a node group, with its node.
pub(crate) fn max_size<'n>(r: &TfResource<'n>) -> Option<(u64, &'n Node)> {
    let n = follow(r.values, &["scaling_config", "max_size"])
        .into_iter()
        .next()?;
    let v = n.as_i64()?;
    (v >= 0).then_some((v as u64, n))
}
