use std::collections::BTreeMap;

use cutover_semantic::net::{Network, Role};
use lint_engine::{declare_rule, FileKind, Label, Severity};
use lint_engine::{Rule, RuleContext};

declare_rule! {
    /// ## What it does
    /// Finds IPv4 subnets that are too small for what runs in them. Subnets come from
    /// `aws_subnet` resources (`.tf`, `.tf.json`, plans and state, child modules included) and
    /// from the CIDR lists of a `terraform-aws-modules/vpc` module call (`private_subnets`,
    /// `public_subnets`, `intra_subnets`, …). A CIDR written as an expression
    /// (`cidrsubnet(var.vpc_cidr, 10, 12)`, `[for k, v in local.azs : cidrsubnet(…)]`) is judged
    /// by its statically evaluated value, which the finding's notes show; one whose value is not
    /// known statically is skipped. A subnet's role comes from what uses it:
    ///
    /// | Role | Used by | Reported when |
    /// |---|---|---|
    /// | EKS pods | `aws_eks_node_group.subnet_ids`, `aws_eks_fargate_profile.subnet_ids`, the `terraform-aws-modules/eks` module's `subnet_ids` and its node groups' and Fargate profiles' own `subnet_ids`, `ENIConfig.spec.subnet`, Karpenter (`EC2NodeClass.spec.subnetSelectorTerms`, tag `karpenter.sh/discovery`) | smaller than `net.min-pod-subnet-prefix` (default /20): warning; /24 or smaller in production: error |
    /// | ECS tasks | `aws_ecs_service.network_configuration.subnets` (awsvpc) | smaller than `net.min-task-subnet-prefix` (default /22): warning |
    /// | EKS cluster | `aws_eks_cluster.vpc_config.subnet_ids`, the eks module's `control_plane_subnet_ids` (else its `subnet_ids`) only | a /28 (11 usable addresses, below the 16 AWS recommends): warning |
    ///
    /// References are followed through Terraform interpolations (`${aws_subnet.a.id}`,
    /// `${module.vpc.private_subnets[0]}`), plan `references`, and literal subnet IDs matched to
    /// `aws_subnet.id` in plans and state. Usable addresses are 2^(32−n) − 5. When every pod
    /// subnet of a Terraform module sits in one availability zone, an info finding says so.
    ///
    /// Not reported: subnets nothing in the inputs uses, subnets used only by load balancers or
    /// VPC endpoints (public subnets), node subnets when pods take their addresses elsewhere
    /// (custom networking with `ENIConfig`, or an IPv6 cluster), ECS services in `bridge`/`host`
    /// mode, and small dedicated cluster subnets larger than /28. A subnet is production when
    /// its file path or the name of a cluster, service or node group using it matches the
    /// catalog's default production pattern (`prod`, `prd`, `production` as a word), or its
    /// `Environment`/`env` tag is `prod`/`production`.
    ///
    /// ## Why it matters
    /// On ECS Fargate every task takes one address. On EKS with the VPC CNI every pod takes one,
    /// and each node keeps whole spare ENIs of addresses warm, so the same subnets that carried
    /// an ECS service run dry once the workloads move to EKS: pods stay `ContainerCreating`
    /// with "failed to assign an IP address", and Fargate tasks fail to start. A subnet cannot
    /// be resized in place.
    ///
    /// ## Example
    /// ```json,expect_finding
    /// {"resource": {
    ///   "aws_subnet": {"pods_a": {"vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24"}},
    ///   "aws_eks_node_group": {"main": {
    ///     "cluster_name": "dev", "node_role_arn": "arn:aws:iam::111122223333:role/node",
    ///     "subnet_ids": ["${aws_subnet.pods_a.id}"],
    ///     "scaling_config": {"desired_size": 1, "max_size": 2, "min_size": 1}
    ///   }}
    /// }}
    /// ```
    ///
    /// No finding: a /19 per availability zone for pods, and a /24 public subnet used only by
    /// the load balancer.
    /// ```json
    /// {"resource": {
    ///   "aws_subnet": {
    ///     "pods_a": {"vpc_id": "vpc-1", "cidr_block": "10.0.32.0/19", "availability_zone": "eu-west-1a"},
    ///     "pods_b": {"vpc_id": "vpc-1", "cidr_block": "10.0.64.0/19", "availability_zone": "eu-west-1b"},
    ///     "public_a": {"vpc_id": "vpc-1", "cidr_block": "10.0.0.0/24"}
    ///   },
    ///   "aws_lb": {"web": {"subnets": ["${aws_subnet.public_a.id}"]}},
    ///   "aws_eks_node_group": {"main": {
    ///     "cluster_name": "dev", "node_role_arn": "arn:aws:iam::111122223333:role/node",
    ///     "subnet_ids": ["${aws_subnet.pods_a.id}", "${aws_subnet.pods_b.id}"],
    ///     "scaling_config": {"desired_size": 1, "max_size": 2, "min_size": 1}
    ///   }}
    /// }}
    /// ```
    ///
    /// ## How to fix
    /// - Give pods a /20 or larger subnet in each availability zone (eksctl creates a /19 per
    ///   node group), and ECS awsvpc services a /22 or larger.
    /// - Or enable VPC CNI prefix delegation (Nitro instances only; see NET003 for the
    ///   fragmentation caveats).
    /// - Or use custom networking: add a secondary VPC CIDR such as `100.64.0.0/16` and put the
    ///   pods on its subnets with `ENIConfig` objects.
    ///
    /// ## References
    /// - AWS reserves the first four and the last address of every subnet; subnets are /28 to
    ///   /16: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnet.html>
    /// - EKS cluster subnets need at least six free addresses, sixteen recommended:
    ///   <https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html>
    /// - eksctl's /19 per node group (EMR on EKS best practices):
    ///   <https://aws.github.io/aws-emr-containers-best-practices/best-practices-and-recommendations/eks-best-practices/>
    /// - Fargate task networking (one ENI and address per task):
    ///   <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html>
    pub SubnetTooSmall {
        id: "NET001",
        name: "subnet-too-small",
        severity: Warning,
        summary: "subnet too small for the EKS pods, ECS tasks or EKS control plane that use it",
        inputs: [TfJson, TfPlan, K8s],
        cross_file: true,
        security: false,
    }
}

/// How many users of a subnet are shown as related labels.
const MAX_RELATED: usize = 5;

impl Rule for SubnetTooSmall {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let model = cx.model;
        let net = cx.shared::<Network>();
        let opts = &cx.config.net;
        // Pod subnets by Terraform module directory (plans: by file), for the single-AZ check.
        let mut pod_groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, s) in net.subnets.iter().enumerate() {
            let Some(role) = net.main_role(i) else {
                continue;
            };
            let prefix = s.cidr.prefix;
            let usable = s.cidr.usable();
            let (severity, message, help) = match role {
                Role::Pods => {
                    // A `.tf.json` module is a directory; a plan is one file.
                    let group = if model.file(s.file).kind == FileKind::TfPlan {
                        format!("{}\u{0}{}", s.dir, s.file.0)
                    } else {
                        s.dir.to_string()
                    };
                    pod_groups.entry(group).or_default().push(i);
                    if prefix >= 24 && net.is_production(model, i) {
                        (
                            Severity::Error,
                            format!(
                                "production EKS pod subnet `{}` is a /{prefix} with {usable} usable addresses: pods and warm ENIs exhaust it",
                                s.name
                            ),
                            format!("use a /{} or larger pod subnet per availability zone, prefix delegation, or custom networking on a secondary CIDR such as 100.64.0.0/16", opts.min_pod_subnet_prefix),
                        )
                    } else if prefix > opts.min_pod_subnet_prefix {
                        (
                            Severity::Warning,
                            format!(
                                "EKS pod subnet `{}` is a /{prefix} with {usable} usable addresses, smaller than the /{} minimum",
                                s.name, opts.min_pod_subnet_prefix
                            ),
                            format!("use a /{} or larger pod subnet per availability zone, prefix delegation, or custom networking on a secondary CIDR such as 100.64.0.0/16", opts.min_pod_subnet_prefix),
                        )
                    } else {
                        continue;
                    }
                }
                Role::EcsTasks => {
                    if prefix > opts.min_task_subnet_prefix {
                        (
                            Severity::Warning,
                            format!(
                                "ECS task subnet `{}` is a /{prefix} with {usable} usable addresses, smaller than the /{} minimum",
                                s.name, opts.min_task_subnet_prefix
                            ),
                            format!("use a /{} or larger subnet for awsvpc tasks (each task takes one address; NET002 checks the exact demand)", opts.min_task_subnet_prefix),
                        )
                    } else {
                        continue;
                    }
                }
                Role::Cluster => {
                    if prefix >= 28 {
                        (
                            Severity::Warning,
                            format!(
                                "EKS cluster subnet `{}` is a /{prefix} with {usable} usable addresses, fewer than the 16 AWS recommends",
                                s.name
                            ),
                            "give the control-plane ENIs a /27 or larger subnet (or reuse the node subnets)".to_string(),
                        )
                    } else {
                        continue;
                    }
                }
                Role::NodesOnly | Role::LoadBalancer | Role::Endpoint => continue,
            };
            let mut f = cx
                .finding(s.file, s.cidr_span(), message)
                .with_severity(severity)
                .with_help(help)
                .with_note(format!(
                    "usable = 2^(32−{prefix}) − 5 = {usable}: AWS reserves the first four and the last address of every subnet"
                ))
                .with_logical(s.name.clone());
            if let Some(prov) = &s.provenance {
                f = f.with_note(format!("evaluated: {prov}"));
            }
            for u in net.uses[i].iter().take(MAX_RELATED) {
                f = f.with_related(Label::new(
                    u.file,
                    u.span,
                    format!("used by {} ({})", u.what, u.role.as_str()),
                ));
            }
            if net.uses[i].len() > MAX_RELATED {
                f = f.with_note(format!(
                    "{} more users not shown",
                    net.uses[i].len() - MAX_RELATED
                ));
            }
            cx.emit(f);
        }
        for subnets in pod_groups.values() {
            let azs: Vec<Option<&str>> = subnets
                .iter()
                .map(|&i| net.subnets[i].az.as_deref())
                .collect();
            if azs.iter().any(Option::is_none) {
                continue;
            }
            let first = azs.first().copied().flatten().unwrap_or_default();
            if !azs.iter().all(|a| *a == Some(first)) {
                continue;
            }
            let Some(&i0) = subnets.first() else { continue };
            let s = &net.subnets[i0];
            let mut f = cx
                .finding(
                    s.file,
                    s.cidr_span(),
                    format!(
                        "all EKS pod subnets are in one availability zone `{first}`: an outage of that zone stops every pod"
                    ),
                )
                .with_severity(Severity::Info)
                .with_help("add a pod subnet in at least one more availability zone")
                .with_logical(s.name.clone());
            for &i in subnets.iter().skip(1).take(MAX_RELATED) {
                let o = &net.subnets[i];
                f = f.with_related(Label::new(
                    o.file,
                    o.cidr_span(),
                    format!("pod subnet in `{first}`"),
                ));
            }
            cx.emit(f);
        }
    }
}
