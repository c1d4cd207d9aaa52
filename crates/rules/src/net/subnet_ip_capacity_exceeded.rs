use cutover_semantic::net::{
    Basis, Consumer, Demand, DemandPart, Network, NodeIps, SourceKind, UnknownReason, WarmMode,
};
use lint_engine::{declare_rule, Label, Severity};
use lint_engine::{Rule, RuleContext};

declare_rule! {
    /// ## What it does
    /// Adds up the peak IPv4 demand of every consumer of a subnet and compares it with the
    /// subnet's usable addresses (2^(32−n) − 5). ECS and EKS workloads that share subnets during
    /// a side-by-side migration both count.
    ///
    /// | Consumer | Addresses at peak |
    /// |---|---|
    /// | ECS awsvpc service | floor(max(`desired_count`, autoscaling `max_capacity`) × `deployment_maximum_percent`/100) tasks (default 200%), spread evenly over the service's subnets (rounded up per subnet) |
    /// | EKS managed node group | `scaling_config.max_size` nodes spread over `subnet_ids` (rounded up), times the addresses one node holds |
    /// | Node group of a `terraform-aws-modules/eks` module call (`eks_managed_node_groups`, `self_managed_node_groups`) | as above, from the group's `max_size` (else `*_node_group_defaults`, else the module's default 3), `instance_types` (self-managed: `instance_type`, default `m6i.large`) and `subnet_ids` (else the module's `subnet_ids`); a group with `create = false` is left out |
    /// | Karpenter NodePool | `limits.cpu` / the vCPU of the smallest instance type its `node.kubernetes.io/instance-type` requirement allows, spread over the subnets its `EC2NodeClass` selects, times the addresses one node holds; no `limits.cpu` or no instance-type list gives an info finding |
    /// | Interface VPC endpoint | one per endpoint per subnet |
    ///
    /// One node holds, with `p` pods (ENIs and IPv4 addresses per ENI from the instance table):
    /// - secondary-IP mode (default): min(ENIs, ceil(p/(IPv4/ENI − 1)) + `WARM_ENI_TARGET`)
    ///   whole ENIs;
    /// - with `WARM_IP_TARGET` or `MINIMUM_IP_TARGET`: max(p + `WARM_IP_TARGET`,
    ///   `MINIMUM_IP_TARGET`) addresses plus the attached ENIs' primary addresses;
    /// - prefix delegation: the attached ENIs plus 16 × (ceil(p/16) + `WARM_PREFIX_TARGET`)
    ///   (default 1);
    /// - an IPv6 cluster: one address (the node's own);
    /// - custom networking (`ENIConfig`): one address in the node subnet, and the pods' ENIs
    ///   (every ENI but the primary, same arithmetic) in the ENIConfig subnet of the node's
    ///   availability zone (matched by the subnet's zone or the ENIConfig's name).
    ///
    /// The VPC CNI settings come from the `vpc-cni` `aws_eks_addon`'s `configuration_values`
    /// (`env`) and the `aws-node` DaemonSet's env; the add-on wins where both set a knob, CNI
    /// defaults apply otherwise; an add-on whose `configuration_values` cannot be read (for
    /// example `${jsonencode(…)}` in `.tf.json`) gives an info finding. `p` is the node's pod capacity (a full node at maximum scale)
    /// unless the inputs hold Kubernetes workloads: then their replicas (HPA `maxReplicas` when
    /// an HPA targets them) spread over all node groups' maximum nodes.
    ///
    /// The instance table covers common t3/t4g/m5/m6i/m6g/m7i/m7g/c5/c6i/c6g/c7g/c7i/r5/r6i
    /// sizes (ENIs and IPv4 per ENI from the VPC CNI's `vpc_ip_resource_limit.go`). A type not in
    /// the table gives an info finding ("unknown instance type") and that node group is left
    /// out of the sum; it is never guessed. A node group without `instance_types` uses the AWS
    /// default `t3.medium`.
    ///
    /// A count that is not known statically (`${var.max_nodes}`, an unknown plan value) gives an
    /// info finding on that value, and the consumer is left out of the sum. A consumer with
    /// `count` or `for_each` counts once per instance when the number of instances evaluates
    /// (`count = 3`, `for_each = toset(var.azs)` with known values); when it does not, the
    /// consumer is left out and `LINT000` names the expression. Terraform expressions in these
    /// values (variables, tfvars, locals) are evaluated.
    ///
    /// Not modelled (the headroom is for them): load balancer ENIs, security groups for pods
    /// (branch ENIs), EKS Fargate pods (one address each, but their count is not in
    /// Terraform), self-managed `aws_autoscaling_group` resources. When `desired_count` is in `lifecycle.ignore_changes` and
    /// an autoscaling target exists, only the target's `max_capacity` counts.
    ///
    /// ## Why it matters
    /// An ECS service at `desired_count = 20` with the default `deployment_maximum_percent =
    /// 200` runs 40 tasks during every deployment. An EKS node keeps a whole spare ENI of
    /// addresses warm. A subnet that looked roomy for ECS alone runs out once EKS nodes join
    /// it; deployments then stall with tasks stuck in PROVISIONING and pods that cannot get an
    /// address.
    ///
    /// ## Example
    /// ```json,expect_finding
    /// {"resource": {
    ///   "aws_subnet": {"app_a": {"vpc_id": "vpc-1", "cidr_block": "10.0.4.0/22"}},
    ///   "aws_ecs_service": {"api": {
    ///     "name": "api", "cluster": "apps", "task_definition": "api:3", "desired_count": 520,
    ///     "network_configuration": {"subnets": ["${aws_subnet.app_a.id}"]}
    ///   }}
    /// }}
    /// ```
    ///
    /// No finding: the deployment surge is capped at 150% of 520 tasks, 780 of the 1019 usable
    /// addresses of a /22 (77%, under the 80% headroom).
    /// ```json
    /// {"resource": {
    ///   "aws_subnet": {"app_a": {"vpc_id": "vpc-1", "cidr_block": "10.0.4.0/22"}},
    ///   "aws_ecs_service": {"api": {
    ///     "name": "api", "cluster": "apps", "task_definition": "api:3", "desired_count": 520,
    ///     "deployment_maximum_percent": 150,
    ///     "network_configuration": {"subnets": ["${aws_subnet.app_a.id}"]}
    ///   }}
    /// }}
    /// ```
    ///
    /// ## How to fix
    /// - Use larger subnets, or separate ECS and EKS subnets during the migration.
    /// - Enable prefix delegation, or set `WARM_IP_TARGET`/`MINIMUM_IP_TARGET` so nodes stop
    ///   holding whole spare ENIs.
    /// - Lower the ECS service's `deployment_maximum_percent` (at the cost of slower
    ///   deployments).
    ///
    /// ## References
    /// - Usable addresses per subnet (first four and last reserved):
    ///   <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnet.html>
    /// - One ENI and primary address per Fargate task:
    ///   <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html>
    /// - `maximumPercent` (rounded down; default 200% for REPLICA services):
    ///   <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html>
    /// - VPC CNI warm pool knobs (`WARM_ENI_TARGET`, `WARM_IP_TARGET`, `MINIMUM_IP_TARGET`,
    ///   `WARM_PREFIX_TARGET`, `ENABLE_PREFIX_DELEGATION`): <https://github.com/aws/amazon-vpc-cni-k8s>
    /// - ENIs and IPv4 addresses per instance type: `pkg/vpc/vpc_ip_resource_limit.go` in
    ///   <https://github.com/aws/amazon-vpc-cni-k8s> (commit b521883), and
    ///   `nodeadm/internal/kubelet/eni-max-pods.txt` in
    ///   <https://github.com/awslabs/amazon-eks-ami>
    pub SubnetIpCapacityExceeded {
        id: "NET002",
        name: "subnet-ip-capacity-exceeded",
        severity: Error,
        summary: "peak IP demand of a subnet's ECS tasks, EKS nodes and endpoints exceeds its usable addresses",
        inputs: [TfJson, TfPlan, K8s],
        cross_file: true,
        security: false,
    }
}

impl Rule for SubnetIpCapacityExceeded {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let model = cx.model;
        let net = cx.shared::<Network>();
        let demand = net.demand(model, cx.config);
        let headroom = cx.config.net.headroom_fraction();
        for (si, parts) in &demand.subnets {
            let Some(s) = net.subnets.get(*si) else {
                continue;
            };
            let usable = s.cidr.usable();
            let total = Demand::total(parts);
            let share = if usable == 0 {
                f64::INFINITY
            } else {
                total as f64 / usable as f64
            };
            let (severity, message) = if total > usable {
                (
                    Severity::Error,
                    format!(
                        "peak IP demand of subnet `{}` is {total} addresses, more than its {usable} usable (`{}`)",
                        s.name, s.cidr
                    ),
                )
            } else if share > headroom {
                (
                    Severity::Warning,
                    format!(
                        "peak IP demand of subnet `{}` is {total} addresses, {:.0}% of its {usable} usable (`{}`), above the {:.0}% headroom",
                        s.name,
                        (share * 100.0).floor(),
                        s.cidr,
                        headroom * 100.0
                    ),
                )
            } else {
                continue;
            };
            let mut f = cx
                .finding(s.file, s.cidr_span(), message)
                .with_severity(severity)
                .with_help("use a larger subnet, separate ECS and EKS subnets, enable prefix delegation or WARM_IP_TARGET, or lower `deployment_maximum_percent`")
                .with_logical(s.name.clone());
            if let Some(prov) = &s.provenance {
                f = f.with_note(format!("evaluated: {prov}"));
            }
            for p in parts {
                let times = if p.instances == 1 {
                    String::new()
                } else {
                    format!(", × {} instances", p.instances)
                };
                f = f.with_note(format!(
                    "{}: {} ({}{times})",
                    consumer(p),
                    p.ips,
                    basis(&p.basis)
                ));
                for src in &p.sources {
                    f = f.with_related(Label::new(src.file, src.span, source(&src.kind)));
                }
            }
            f = f.with_note("not counted: load balancer ENIs, branch ENIs of security groups for pods, EKS Fargate pods");
            cx.emit(f);
        }
        for u in &demand.unknown {
            let f = cx
                .finding(u.file, u.span, unknown(&u.reason))
                .with_severity(Severity::Info)
                .with_help("check the instance type's ENI and IPv4-per-ENI limits by hand (`aws ec2 describe-instance-types`)");
            cx.emit(f);
        }
    }
}

// The words of the numbers the semantic crate computes.

/// `ECS service `aws_ecs_service.api``.
fn consumer(p: &DemandPart) -> String {
    let name = &p.name;
    match p.consumer {
        Consumer::EcsService => format!("ECS service `{name}`"),
        Consumer::VpcEndpoint => format!("VPC endpoint `{name}`"),
        Consumer::NodeGroup => format!("node group `{name}`"),
        Consumer::NodeGroupPods => format!("pods of node group `{name}`"),
        Consumer::NodePool => format!("`{name}`"),
    }
}

/// How the number was reached: `floor(20 × 200%) = 40 tasks over 2 subnets`.
fn basis(b: &Basis) -> String {
    match b {
        Basis::EcsTasks {
            desired,
            percent,
            tasks,
            subnets,
        } => format!(
            "floor({desired} × {percent}%) = {tasks} tasks over {subnets} subnet{s}",
            s = if *subnets == 1 { "" } else { "s" }
        ),
        Basis::EndpointEni => "1 ENI".into(),
        Basis::NodeGroupNodes { nodes, per_node } => {
            let how = match per_node {
                NodeIps::Ipv6 => "IPv6 cluster: 1 IPv4 address per node".to_string(),
                NodeIps::CustomNetworking => {
                    "custom networking: pods use ENIConfig subnets, 1 address per node".to_string()
                }
                NodeIps::Warm {
                    ips,
                    instance_type,
                    pods,
                    mode,
                } => {
                    let mode = match mode {
                        WarmMode::PrefixDelegation => "prefix delegation",
                        WarmMode::IpTargets => "WARM_IP_TARGET/MINIMUM_IP_TARGET",
                        WarmMode::EniTarget => "WARM_ENI_TARGET",
                    };
                    format!("{ips} addresses per `{instance_type}` node with {pods} pods ({mode})")
                }
            };
            format!("{nodes} nodes × {how}")
        }
        Basis::NodeGroupPods {
            nodes,
            ips,
            instance_type,
            pods,
        } => format!(
            "{nodes} nodes × {ips} addresses per `{instance_type}` node with {pods} pods on secondary ENIs (custom networking)"
        ),
        Basis::NodePoolNodes {
            nodes,
            nodes_total,
            instance_type,
            cpu,
            per_node,
            pods,
        } => format!(
            "{nodes} nodes ({nodes_total} `{instance_type}` nodes for `limits.cpu` {cpu}) × {per_node} addresses with {pods} pods"
        ),
    }
}

/// The label on a value a number comes from.
fn source(k: &SourceKind) -> String {
    match k {
        SourceKind::InterfaceEndpoint => "interface endpoint: 1 address".into(),
        SourceKind::DesiredCount(n) => format!("desired_count {n}"),
        SourceKind::AutoscalingMax(max) => format!("autoscaling up to {max} tasks"),
        SourceKind::DeploymentMaxPercent(pct) => {
            format!("up to {pct}% of the tasks run during a deployment")
        }
        SourceKind::DefaultDeploymentMaxPercent => {
            "no `deployment_maximum_percent`: the default 200% applies".into()
        }
        SourceKind::NodeGroupMax { max, nodes } => {
            format!("up to {max} nodes, {nodes} in this subnet")
        }
        SourceKind::NodeGroupDefaultMax { max, nodes } => {
            format!(
                "no `max_size`: the module's default {max} applies, {nodes} nodes in this subnet"
            )
        }
        SourceKind::Instances(n) => format!("{n} instances"),
        SourceKind::CniSettings => "VPC CNI settings".into(),
        SourceKind::NodePoolCpu {
            nodes,
            instance_type,
        } => format!("up to {nodes} `{instance_type}` nodes"),
    }
}

/// Why a demand could not be computed (an info finding).
fn unknown(r: &UnknownReason) -> String {
    match r {
        UnknownReason::EcsValue { service, attr } => format!(
            "`{attr}` of ECS service `{service}` is not known statically: cannot compute its IP demand"
        ),
        UnknownReason::NodeGroupMaxSize { node_group } => {
            // A module's node group sets `max_size` directly.
            let attr = if node_group.starts_with("module.") {
                "max_size"
            } else {
                "scaling_config.max_size"
            };
            format!(
                "`{attr}` of node group `{node_group}` is not known statically: cannot compute its IP demand"
            )
        }
        UnknownReason::NodeGroupInstanceType { node_group } => format!(
            "instance type of node group `{node_group}` is not known statically: cannot compute IP demand"
        ),
        UnknownReason::NodeGroupInstanceTypes { node_group } => format!(
            "instance types of node group `{node_group}` are not known statically: cannot compute IP demand"
        ),
        UnknownReason::NodeGroupLaunchTemplate { node_group } => format!(
            "node group `{node_group}` takes its instance type from a launch template: cannot compute IP demand"
        ),
        UnknownReason::UnknownInstanceType { instance_type } => {
            format!("unknown instance type `{instance_type}`: cannot compute IP demand")
        }
        UnknownReason::InstanceVcpuUnknown { instance_type } => {
            format!("the vCPU count of instance type `{instance_type}` is not in cutover's table: cannot compute IP demand")
        }
        UnknownReason::NodePoolNoCpuLimit { node_pool } => {
            format!("`{node_pool}` has no `limits.cpu`: cannot compute its IP demand")
        }
        UnknownReason::NodePoolCpuNotNumber { node_pool } => {
            format!("`{node_pool}` `limits.cpu` is not a number: cannot compute its IP demand")
        }
        UnknownReason::NodePoolNoInstanceTypes { node_pool } => {
            format!("`{node_pool}` does not list its instance types: cannot compute its IP demand")
        }
        UnknownReason::CniSettings { what } => format!(
            "VPC CNI `configuration_values` of {what} is not known statically: node IP demand assumes the CNI defaults"
        ),
    }
}
