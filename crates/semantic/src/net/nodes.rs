//! The IP demand of EKS nodes: managed node groups and Karpenter node pools.

use crate::k8s::quantity::parse_cpu;
use lint_engine::doc::{Node, Value};
use lint_engine::model::follow;
use lint_engine::model::{K8sObject, Model, TfResource};
use lint_engine::source::{FileId, Span};

use super::*;

/// What the node arithmetic needs of one node group: an `aws_eks_node_group` resource, or a
/// node group of a `terraform-aws-modules/eks` module call.
#[derive(Debug, Clone)]
pub struct GroupSpec {
    pub file: FileId,
    /// Where a finding about the group as a whole points (the resource, the group's entry).
    pub anchor: Span,
    /// `aws_eks_node_group.main`, `module.eks.eks_managed_node_groups.default`.
    pub name: String,
    /// Most nodes of one instance of the group, and where that number is written (the anchor
    /// when it is the module's default).
    pub max: u64,
    pub max_span: Span,
    pub max_is_default: bool,
    /// Instance types, each with where it is written (none for a default).
    pub types: Vec<(String, Option<Span>)>,
    pub ipv6: bool,
    /// Instances of the group (`count`/`for_each`), 1 without, and where that is written.
    pub instances: u64,
    pub instances_span: Option<Span>,
}

impl<'a> Network<'a> {
    /// The node arithmetic's inputs of an `aws_eks_node_group`, or why they are not known.
    pub fn node_group_spec(
        &self,
        model: &Model<'a>,
        r: &TfResource<'a>,
    ) -> Result<Option<GroupSpec>, Vec<DemandUnknown>> {
        let Some((max, max_node)) = max_size(r) else {
            return match follow(r.values, &["scaling_config", "max_size"]).first() {
                Some(n) if !n.is_null() => Err(vec![DemandUnknown::new(
                    r.file,
                    n.span,
                    UnknownReason::NodeGroupMaxSize {
                        node_group: r.address.to_string(),
                    },
                )]),
                _ => Ok(None),
            };
        };
        let types_node = r.attr("instance_types");
        let mut types: Vec<(String, Option<Span>)> = Vec::new();
        match types_node.map(|n| &n.value) {
            Some(Value::Seq(items)) if !items.is_empty() => {
                for it in items {
                    match it.as_str() {
                        Some(s) if !s.contains("${") => types.push((s.to_string(), Some(it.span))),
                        _ => {
                            return Err(vec![DemandUnknown::new(
                                r.file,
                                it.span,
                                UnknownReason::NodeGroupInstanceType {
                                    node_group: r.address.to_string(),
                                },
                            )])
                        }
                    }
                }
            }
            Some(v) if v.str().is_some_and(|s| s.contains("${")) => {
                let n = types_node.unwrap_or(r.values);
                return Err(vec![DemandUnknown::new(
                    r.file,
                    n.span,
                    UnknownReason::NodeGroupInstanceTypes {
                        node_group: r.address.to_string(),
                    },
                )]);
            }
            _ => {
                if r.attr("launch_template")
                    .is_some_and(|l| l.blocks().next().is_some())
                {
                    return Err(vec![DemandUnknown::new(
                        r.file,
                        r.anchor,
                        UnknownReason::NodeGroupLaunchTemplate {
                            node_group: r.address.to_string(),
                        },
                    )]);
                }
                types.push((DEFAULT_NODE_GROUP_INSTANCE_TYPE.to_string(), None));
            }
        }
        Ok(Some(GroupSpec {
            file: r.file,
            anchor: r.anchor,
            name: r.address.to_string(),
            max,
            max_span: max_node.span,
            max_is_default: false,
            types,
            ipv6: self.node_group_is_ipv6(model, r),
            instances: 1,
            instances_span: None,
        }))
    }

    /// One node group's addresses in each of its `n_subnets` subnets (and, with custom
    /// networking, its pods' in the ENIConfig subnets).
    pub(crate) fn group_demand(
        &self,
        g: &GroupSpec,
        n_subnets: u64,
        pods_hint: Option<u64>,
        total_nodes: u64,
    ) -> Result<Option<(DemandPart, Option<DemandPart>)>, Vec<DemandUnknown>> {
        let types = &g.types;
        let mut unknown = Vec::new();
        let mut best: Option<(String, InstanceLimits)> = None;
        for (t, node) in types.iter() {
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
                    let span = node.unwrap_or(g.anchor);
                    unknown.push(DemandUnknown::new(
                        g.file,
                        span,
                        UnknownReason::UnknownInstanceType {
                            instance_type: t.clone(),
                        },
                    ));
                }
            }
        }
        if !unknown.is_empty() {
            return Err(unknown);
        }
        let Some((tname, limits)) = best else {
            return Ok(None);
        };
        let vcpu_unknown = || {
            let span = types
                .iter()
                .find(|(t, _)| *t == tname)
                .and_then(|(_, n)| *n)
                .unwrap_or(g.anchor);
            vec![DemandUnknown::new(
                g.file,
                span,
                UnknownReason::InstanceVcpuUnknown {
                    instance_type: tname.clone(),
                },
            )]
        };
        let nodes = g.max.div_ceil(n_subnets.max(1));
        let per_instance = nodes;
        let ipv6 = g.ipv6;
        let (per_node, how) = if ipv6 {
            (1, NodeIps::Ipv6)
        } else if self.cni.custom_networking {
            (1, NodeIps::CustomNetworking)
        } else {
            let cap = self.cni.pod_capacity(limits).ok_or_else(vcpu_unknown)?;
            let pods = match pods_hint {
                Some(p) if total_nodes > 0 => p.div_ceil(total_nodes).min(cap),
                _ => cap,
            };
            let ips = self.cni.node_ips(limits, pods);
            let mode = if self.cni.prefix_delegation {
                WarmMode::PrefixDelegation
            } else if self.cni.warm_ip_target.is_some() || self.cni.minimum_ip_target.is_some() {
                WarmMode::IpTargets
            } else {
                WarmMode::EniTarget
            };
            (
                ips,
                NodeIps::Warm {
                    ips,
                    instance_type: tname.clone(),
                    pods,
                    mode,
                },
            )
        };
        let max = g.max;
        let kind = if g.max_is_default {
            SourceKind::NodeGroupDefaultMax {
                max,
                nodes: per_instance,
            }
        } else {
            SourceKind::NodeGroupMax {
                max,
                nodes: per_instance,
            }
        };
        let mut labels = vec![DemandSource::new(g.file, g.max_span, kind)];
        if let Some(span) = g.instances_span {
            labels.push(DemandSource::new(
                g.file,
                span,
                SourceKind::Instances(g.instances),
            ));
        }
        if let Some(s) = &self.cni.source {
            labels.push(DemandSource::new(s.file, s.span, SourceKind::CniSettings));
        }
        // Custom networking: the pods' ENIs (every ENI but the primary) are in the ENIConfig
        // subnet of the node's availability zone.
        let custom_pod_cap = if self.cni.custom_networking && !ipv6 {
            let pod_limits = InstanceLimits {
                enis: limits.enis.saturating_sub(1).max(1),
                ..limits
            };
            Some(self.cni.pod_capacity(pod_limits).ok_or_else(vcpu_unknown)?)
        } else {
            None
        };
        let pod_part = (self.cni.custom_networking && !ipv6).then(|| {
            let pod_limits = InstanceLimits {
                enis: limits.enis.saturating_sub(1).max(1),
                ..limits
            };
            let cap = custom_pod_cap.unwrap_or_default();
            let pods = match pods_hint {
                Some(p) if total_nodes > 0 => p.div_ceil(total_nodes).min(cap),
                _ => cap,
            };
            let ips = self.cni.node_ips(pod_limits, pods);
            DemandPart {
                consumer: Consumer::NodeGroupPods,
                name: g.name.clone(),
                ips: nodes.saturating_mul(ips).saturating_mul(g.instances),
                basis: Basis::NodeGroupPods {
                    nodes,
                    ips,
                    instance_type: tname.clone(),
                    pods,
                },
                sources: labels.clone(),
                instances: g.instances,
            }
        });
        Ok(Some((
            DemandPart {
                consumer: Consumer::NodeGroup,
                name: g.name.clone(),
                ips: nodes.saturating_mul(per_node).saturating_mul(g.instances),
                basis: Basis::NodeGroupNodes {
                    nodes,
                    per_node: how,
                },
                sources: labels,
                instances: g.instances,
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
        let unknown = |span: Span, reason: UnknownReason| DemandUnknown::new(np.file, span, reason);
        let name = np.logical();
        let Some(cpu_node) = np.node.path(&["spec", "limits", "cpu"]) else {
            return Err(unknown(
                np.anchor(),
                UnknownReason::NodePoolNoCpuLimit { node_pool: name },
            ));
        };
        let Some(cpu) = cpu_node.scalar_text().and_then(|t| parse_cpu(&t)) else {
            return Err(unknown(
                cpu_node.span,
                UnknownReason::NodePoolCpuNotNumber { node_pool: name },
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
                UnknownReason::NodePoolNoInstanceTypes { node_pool: name },
            ));
        }
        let mut smallest: Option<(&str, InstanceLimits)> = None;
        for (t, span) in &types {
            let Some(l) = instance_limits(t) else {
                return Err(unknown(
                    *span,
                    UnknownReason::UnknownInstanceType {
                        instance_type: t.to_string(),
                    },
                ));
            };
            let Some(vcpu) = l.vcpu else {
                return Err(unknown(
                    *span,
                    UnknownReason::InstanceVcpuUnknown {
                        instance_type: t.to_string(),
                    },
                ));
            };
            if smallest.is_none_or(|(_, s)| s.vcpu.is_none_or(|sv| vcpu < sv)) {
                smallest = Some((t, l));
            }
        }
        let Some((tname, limits)) = smallest else {
            return Ok(None);
        };
        let vcpu = limits.vcpu.unwrap_or(1).max(1);
        let nodes_total = (cpu / f64::from(vcpu)).floor() as u64;
        let nodes = nodes_total.div_ceil(subs.len() as u64);
        let Some(cap) = self.cni.pod_capacity(limits) else {
            return Err(unknown(
                np.anchor(),
                UnknownReason::InstanceVcpuUnknown {
                    instance_type: tname.to_string(),
                },
            ));
        };
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
                consumer: Consumer::NodePool,
                name,
                ips: nodes.saturating_mul(per_node),
                basis: Basis::NodePoolNodes {
                    nodes,
                    nodes_total,
                    instance_type: tname.to_string(),
                    cpu,
                    per_node,
                    pods,
                },
                sources: vec![DemandSource::new(
                    np.file,
                    cpu_node.span,
                    SourceKind::NodePoolCpu {
                        nodes: nodes_total,
                        instance_type: tname.to_string(),
                    },
                )],
                instances: 1,
            },
        )))
    }
}

/// `scaling_config.max_size` of a node group, with its node.
pub(crate) fn max_size<'n>(r: &TfResource<'n>) -> Option<(u64, &'n Node)> {
    let n = follow(r.values, &["scaling_config", "max_size"])
        .into_iter()
        .next()?;
    let v = n.as_i64()?;
    (v >= 0).then_some((v as u64, n))
}
