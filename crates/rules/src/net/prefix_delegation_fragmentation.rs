use cutover_semantic::net::{is_xen, Network, Role, SettingSource, Subnet};

use super::node_pools::launch_template_max_pods;
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::Model;
use lint_engine::{Label, Rule, RuleContext, Severity};

declare_rule! {
    /// ## What it does
    /// When the VPC CNI runs with prefix delegation (`ENABLE_PREFIX_DELEGATION=true` in the
    /// `vpc-cni` add-on's `configuration_values`, or in the env of the `aws-node` DaemonSet),
    /// checks every subnet that EKS nodes or ENIConfigs place pods in:
    ///
    /// - **error** when the subnet is a /27 or smaller: it has no fully free, aligned /28 block
    ///   (a /n holds 2^(28−n) − 2 of them before any allocation), so no prefix can be assigned;
    /// - **warning** when the subnet is shared with other network-interface consumers (ECS
    ///   tasks, load balancers, VPC endpoints, the EKS control plane) and no
    ///   `aws_ec2_subnet_cidr_reservation` with `reservation_type = "prefix"` keeps room for the
    ///   prefixes.
    ///
    /// It also reports at **info** a node group with an instance type that is not Nitro-based
    /// (prefixes are only assigned on Nitro instances), and a node group whose launch template
    /// hard-codes the kubelet's max pods (`--max-pods`, `maxPods`), which then no longer
    /// follows the prefix capacity.
    ///
    /// Fargate profiles are not checked (Fargate pods do not use prefixes). Prefix delegation
    /// turned on outside the inputs (Helm values, a console change) is not seen.
    ///
    /// ## Why it matters
    /// With prefix delegation the CNI assigns whole /28 prefixes, which must be contiguous and
    /// aligned. Single addresses taken by other interfaces scatter through a shared subnet, and
    /// once no aligned /28 is free, new nodes cannot get prefixes and pods stay in
    /// `ContainerCreating` even though the subnet still shows free addresses.
    ///
    /// ## Example
    /// ```json,expect_finding
    /// {"resource": {
    ///   "aws_subnet": {"nodes": {"vpc_id": "vpc-1", "cidr_block": "10.0.0.0/27"}},
    ///   "aws_eks_addon": {"vpc_cni": {"cluster_name": "main", "addon_name": "vpc-cni",
    ///     "configuration_values": "{\"env\": {\"ENABLE_PREFIX_DELEGATION\": \"true\"}}"}},
    ///   "aws_eks_node_group": {"main": {"cluster_name": "main", "node_role_arn": "arn:aws:iam::111122223333:role/node",
    ///     "subnet_ids": ["${aws_subnet.nodes.id}"], "instance_types": ["m5.large"],
    ///     "scaling_config": {"desired_size": 1, "max_size": 1, "min_size": 1}}}
    /// }}
    /// ```
    ///
    /// A dedicated /20 for the nodes leaves plenty of aligned /28 blocks:
    ///
    /// ```json
    /// {"resource": {
    ///   "aws_subnet": {"nodes": {"vpc_id": "vpc-1", "cidr_block": "10.0.16.0/20"}},
    ///   "aws_eks_addon": {"vpc_cni": {"cluster_name": "main", "addon_name": "vpc-cni",
    ///     "configuration_values": "{\"env\": {\"ENABLE_PREFIX_DELEGATION\": \"true\"}}"}},
    ///   "aws_eks_node_group": {"main": {"cluster_name": "main", "node_role_arn": "arn:aws:iam::111122223333:role/node",
    ///     "subnet_ids": ["${aws_subnet.nodes.id}"], "instance_types": ["m5.large"],
    ///     "scaling_config": {"desired_size": 1, "max_size": 1, "min_size": 1}}}
    /// }}
    /// ```
    ///
    /// ## How to fix
    /// Give the nodes dedicated subnets (a /20 or larger per availability zone is common), or
    /// reserve room in shared ones with `aws_ec2_subnet_cidr_reservation`
    /// (`reservation_type = "prefix"`). Use Nitro instance types only, and raise the kubelet's
    /// max pods to match the prefix capacity.
    ///
    /// ## References
    /// - Increase the available IP addresses with prefixes:
    ///   <https://docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses-procedure.html>
    /// - Subnet CIDR reservations:
    ///   <https://docs.aws.amazon.com/vpc/latest/userguide/subnet-cidr-reservation.html>
    pub PrefixDelegationFragmentation {
        id: "NET003",
        name: "prefix-delegation-fragmentation",
        severity: Warning,
        summary: "prefix delegation on a node subnet with no free aligned /28 or shared without a prefix reservation",
        inputs: [TfJson, TfPlan, K8s],
        cross_file: true,
        security: false,
    }
}

/// Roles of other network-interface consumers that scatter addresses through a subnet.
fn other_consumer(role: Role) -> bool {
    matches!(
        role,
        Role::EcsTasks | Role::LoadBalancer | Role::Endpoint | Role::Cluster
    )
}

/// An `aws_ec2_subnet_cidr_reservation` with `reservation_type = "prefix"` for the subnet.
fn has_prefix_reservation(model: &Model<'_>, s: &Subnet<'_>) -> bool {
    model
        .tf_of_type("aws_ec2_subnet_cidr_reservation")
        .filter(|r| r.attr("reservation_type").and_then(Node::as_str) == Some("prefix"))
        .any(|r| {
            let by_ref = r.resource_refs_at(&["subnet_id"]).iter().any(|rf| {
                model
                    .resolve_tf(r, &rf.address)
                    .and_then(|x| model.tf_index(x))
                    .is_some_and(|i| Some(i) == s.resource)
            });
            let by_id = s.id.is_some() && r.attr("subnet_id").and_then(Node::as_str) == s.id;
            by_ref || by_id
        })
}

/// Infos on node groups: non-Nitro instance types, a hard-coded max pods.
fn node_group_infos(cx: &mut RuleContext<'_, '_>, at: &SettingSource) {
    let model = cx.model;
    for ng in model.tf_of_type("aws_eks_node_group") {
        let types = ng
            .attr("instance_types")
            .and_then(Node::as_seq)
            .unwrap_or(&[]);
        for t in types {
            let Some(name) = t.as_str().filter(|n| is_xen(n)) else {
                continue;
            };
            let f = cx
                .finding(at.file, at.span, format!("prefix delegation is on, but node group `{}` has instance type `{name}`, which is not Nitro-based: its nodes get no prefixes", ng.address))
                .with_severity(Severity::Info)
                .with_related(Label::new(ng.file, t.span, format!("`{name}`")))
                .with_help("use Nitro instance types only in node groups of a cluster with prefix delegation")
                .with_logical(format!("{}/instance_types/{name}", ng.address));
            cx.emit(f);
        }
        if let Ok(Some((n, file, span))) = launch_template_max_pods(model, ng) {
            let f = cx
                .finding(at.file, at.span, format!("prefix delegation is on, but the launch template of node group `{}` hard-codes max pods {n}", ng.address))
                .with_severity(Severity::Info)
                .with_related(Label::new(file, span, format!("max pods {n}")))
                .with_help("recompute max pods for prefix mode (the max-pods calculator with `--cni-prefix-delegation-enabled`) or let EKS set it")
                .with_logical(format!("{}/max-pods", ng.address));
            cx.emit(f);
        }
    }
}

impl Rule for PrefixDelegationFragmentation {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let model = cx.model;
        let net = cx.shared::<Network>();
        if !net.cni.prefix_delegation {
            return;
        }
        let Some(at) = net.cni.prefix_delegation_at.clone() else {
            return;
        };
        node_group_infos(cx, &at);
        for (i, s) in net.subnets.iter().enumerate() {
            let uses = &net.uses[i];
            let nodes: Vec<_> = uses
                .iter()
                .filter(|u| matches!(u.role, Role::Pods | Role::NodesOnly))
                .filter(|u| {
                    u.tf.and_then(|t| model.tf.get(t))
                        .is_none_or(|r| r.rtype != "aws_eks_fargate_profile")
                })
                .collect();
            let Some(first) = nodes.first() else { continue };
            let blocks = s.cidr.free_prefix_blocks();
            let prefix = s.cidr.prefix;
            let related = Label::new(
                s.file,
                s.cidr_span(),
                format!("subnet `{}` ({})", s.name, s.cidr),
            );
            let user = Label::new(first.file, first.span, first.what.clone());
            let logical = format!("{}/prefix-delegation", s.name);
            if blocks == 0 {
                let f = cx
                    .finding(
                        at.file,
                        at.span,
                        format!("prefix delegation is on, but node subnet `{}` is a /{prefix} with no free aligned /28 block for a prefix", s.name),
                    )
                    .with_severity(Severity::Error)
                    .with_related(related)
                    .with_related(user)
                    .with_help("place the nodes in a larger dedicated subnet (a /20 or larger per availability zone), or turn prefix delegation off")
                    .with_logical(logical);
                cx.emit(f);
                continue;
            }
            let Some(other) = uses.iter().find(|u| other_consumer(u.role)) else {
                continue;
            };
            if has_prefix_reservation(model, s) {
                continue;
            }
            let f = cx
                .finding(
                    at.file,
                    at.span,
                    format!(
                        "prefix delegation is on, and node subnet `{}` ({} free aligned /28 blocks) is shared with {} without a prefix CIDR reservation",
                        s.name,
                        blocks,
                        other.role.as_str()
                    ),
                )
                .with_related(related)
                .with_related(user)
                .with_related(Label::new(other.file, other.span, other.what.clone()))
                .with_note("single addresses of other interfaces fragment the subnet; prefixes need contiguous, aligned /28 blocks")
                .with_help("reserve room with `aws_ec2_subnet_cidr_reservation` (`reservation_type = \"prefix\"`) or give the nodes dedicated subnets")
                .with_logical(logical);
            cx.emit(f);
        }
    }
}
