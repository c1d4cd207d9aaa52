use cutover_semantic::net::{
    registry_path, DefaultRoute, Network, RegistryPath, Role, Routing, SubnetUse,
};
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::{Container, EcsService};
use lint_engine::{Label, Rule, RuleContext, Severity};

declare_rule! {
    /// ## What it does
    /// Follows each workload subnet to its route table and VPC endpoints and flags a subnet from
    /// which images cannot be pulled. Workload subnets are those of ECS services in
    /// `network_configuration.subnets` with `assign_public_ip` not `true`, and those of EKS node
    /// groups. A subnet has a private path when its route table sends `0.0.0.0/0` to a NAT
    /// gateway, a transit gateway (central egress), a NAT instance or a network interface. Without
    /// one:
    ///
    /// - **error** when the service runs images from ECR, or for EKS nodes (the EKS add-on and
    ///   node images come from ECR), unless the VPC has `ecr.api` and `ecr.dkr` interface
    ///   endpoints serving the subnet (listing it, or a subnet in its availability zone) **and**
    ///   an `s3` gateway endpoint on its route table;
    /// - **warning** when the service runs images from another registry, which needs the
    ///   internet;
    /// - **warning** when an ECS service's containers read `secrets` (Secrets Manager ARNs, SSM
    ///   parameters) or log with `awslogs`, and the subnet lacks the `secretsmanager`, `ssm` or
    ///   `logs` interface endpoint they need.
    ///
    /// When the subnet has no route-table association in the inputs (the VPC's main table or a
    /// table in another Terraform state applies), or its default route's target cannot be read,
    /// the rule reports at info that it cannot verify the path, naming the missing side.
    ///
    /// ## Why it matters
    /// A task or node in a private subnet without NAT or endpoints cannot reach the registry:
    /// ECS stops the task with `CannotPullContainerError`, and nodes never become ready. This
    /// typically surfaces at cut-over, when workloads first start in the new subnets.
    ///
    /// ## Example
    /// ```json,expect_finding
    /// {"resource": {
    ///   "aws_subnet": {"app": {"vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24"}},
    ///   "aws_route_table": {"app": {"vpc_id": "vpc-1"}},
    ///   "aws_route_table_association": {"app": {"subnet_id": "${aws_subnet.app.id}", "route_table_id": "${aws_route_table.app.id}"}},
    ///   "aws_ecs_service": {"api": {"name": "api", "launch_type": "FARGATE",
    ///     "network_configuration": {"subnets": ["${aws_subnet.app.id}"], "assign_public_ip": false}}}
    /// }}
    /// ```
    ///
    /// A default route to a NAT gateway gives the same subnet its path:
    ///
    /// ```json
    /// {"resource": {
    ///   "aws_subnet": {"app": {"vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24"}},
    ///   "aws_route_table": {"app": {"vpc_id": "vpc-1",
    ///     "route": [{"cidr_block": "0.0.0.0/0", "nat_gateway_id": "nat-0123456789abcdef0"}]}},
    ///   "aws_route_table_association": {"app": {"subnet_id": "${aws_subnet.app.id}", "route_table_id": "${aws_route_table.app.id}"}},
    ///   "aws_ecs_service": {"api": {"name": "api", "launch_type": "FARGATE",
    ///     "network_configuration": {"subnets": ["${aws_subnet.app.id}"], "assign_public_ip": false}}}
    /// }}
    /// ```
    ///
    /// ## How to fix
    /// Add a default route to a NAT gateway (or a transit gateway for central egress), or create
    /// the `com.amazonaws.<region>.ecr.api` and `ecr.dkr` interface endpoints in the workload
    /// subnets and the `com.amazonaws.<region>.s3` gateway endpoint on their route table, plus
    /// `secretsmanager`, `ssm` and `logs` interface endpoints for tasks that use them. Images
    /// from other registries need the NAT route; a pull-through cache still needs it for the
    /// first pull.
    ///
    /// ## References
    /// - Fargate task networking: <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html>
    /// - ECR interface endpoints: <https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html>
    pub NoPrivateRegistryPath {
        id: "NET005",
        name: "no-private-registry-path",
        severity: Error,
        summary: "private workload subnet with no NAT, transit gateway or ECR endpoints to pull images",
        inputs: [TfJson, TfPlan],
        cross_file: true,
        security: false,
    }
}

/// AWS services other than ECR a task reaches at start: Secrets Manager, SSM, CloudWatch Logs.
#[derive(Default)]
struct Needs {
    secretsmanager: bool,
    ssm: bool,
    logs: bool,
}

impl Needs {
    fn read(&mut self, c: &Container<'_>) {
        for s in c.get("secrets").and_then(Node::as_seq).unwrap_or(&[]) {
            match s.get("valueFrom").and_then(Node::as_str) {
                Some(v) if v.contains(":secretsmanager:") => self.secretsmanager = true,
                Some(v) if !v.contains("${") => self.ssm = true,
                _ => {}
            }
        }
        let log = c.get("logConfiguration");
        let driver = log
            .and_then(|l| l.get("logDriver").or_else(|| l.get("log_driver")))
            .and_then(Node::as_str);
        self.logs |= driver == Some("awslogs");
    }

    /// The interface endpoints the subnet lacks for these needs, as `` `logs` ``.
    fn missing(&self, p: &RegistryPath<'_, '_>) -> Vec<&'static str> {
        [
            (self.secretsmanager && !p.secretsmanager, "`secretsmanager`"),
            (self.ssm && !p.ssm, "`ssm`"),
            (self.logs && !p.logs, "`logs`"),
        ]
        .into_iter()
        .filter_map(|(m, n)| m.then_some(n))
        .collect()
    }
}

/// What the workload pulls.
enum Pulls {
    Ecr,
    OtherRegistry(String),
    Unknown,
}

fn missing_endpoints(p: &RegistryPath<'_, '_>) -> String {
    let mut m = Vec::new();
    if !p.ecr_api {
        m.push("`ecr.api`");
    }
    if !p.ecr_dkr {
        m.push("`ecr.dkr`");
    }
    if !p.s3_gateway {
        m.push("`s3` gateway");
    }
    match m.split_last() {
        Some((last, [])) => format!("the {last} endpoint"),
        Some((last, rest)) => format!("the {} and {last} endpoints", rest.join(", ")),
        None => String::new(),
    }
}

impl Rule for NoPrivateRegistryPath {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let model = cx.model;
        let net = cx.shared::<Network>();
        let routing = cx.shared::<Routing>();
        for (i, s) in net.subnets.iter().enumerate() {
            // Every finding is located at the use of the subnet: uses in files this run does not
            // report on (`--repo-context` on another file) are not looked into.
            let workloads: Vec<(&SubnetUse, String, Pulls, Needs)> = net.uses[i]
                .iter()
                .filter(|u| cx.reports_on(u.file))
                .filter_map(|u| {
                    let r = model.tf.get(u.tf?)?;
                    match (u.role, r.rtype) {
                        (Role::EcsTasks, "aws_ecs_service") => {
                            let public = r
                                .attr("network_configuration")
                                .and_then(|n| n.blocks().next())
                                .and_then(|n| n.get("assign_public_ip"))
                                .and_then(Node::as_bool)
                                == Some(true);
                            if public {
                                return None;
                            }
                            let svc = EcsService { resource: r };
                            let mut pulls = Pulls::Unknown;
                            let mut needs = Needs::default();
                            for td in svc.task_definitions(model).task_defs {
                                for c in td.containers() {
                                    needs.read(c);
                                    let Some(img) = c.get("image").and_then(Node::as_str) else {
                                        continue;
                                    };
                                    if img.contains(".dkr.ecr.") {
                                        pulls = Pulls::Ecr;
                                    } else if !matches!(pulls, Pulls::Ecr) && !img.contains("${") {
                                        pulls = Pulls::OtherRegistry(img.to_string());
                                    }
                                }
                            }
                            let who = format!("ECS service `{}`", svc.display_name());
                            Some((u, who, pulls, needs))
                        }
                        (Role::Pods | Role::NodesOnly, "aws_eks_node_group") => {
                            let who = format!("node group `{}`", r.address);
                            Some((u, who, Pulls::Ecr, Needs::default()))
                        }
                        _ => None,
                    }
                })
                .collect();
            if workloads.is_empty() {
                continue;
            }
            let Some(path) = registry_path(model, routing, s) else {
                continue;
            };
            for (u, who, pulls, needs) in workloads {
                let logical = format!("{}/{}", s.name, u.what);
                let Some(table) = path.route_table else {
                    let f = cx
                        .finding(u.file, u.span, format!("cannot verify that {who} can pull images in subnet `{}`: the subnet's route table is not in the inputs", s.name))
                        .with_severity(Severity::Info)
                        .with_related(Label::new(s.file, s.cidr_span(), format!("subnet `{}`", s.name)))
                        .with_help("lint the Terraform that associates the subnet with its route table together with this configuration")
                        .with_logical(logical);
                    cx.emit(f);
                    continue;
                };
                let table_label = Label::new(
                    table.file,
                    table.anchor,
                    format!("route table `{}`", table.address),
                );
                if path.default_route == DefaultRoute::Unknown {
                    let f = cx
                        .finding(u.file, u.span, format!("cannot verify that {who} can pull images in subnet `{}`: the target of the default route of `{}` cannot be read", s.name, table.address))
                        .with_severity(Severity::Info)
                        .with_related(table_label)
                        .with_logical(logical);
                    cx.emit(f);
                    continue;
                }
                let missing = needs.missing(&path);
                if !path.reaches_internet() && !missing.is_empty() {
                    let f = cx
                        .finding(u.file, u.span, format!("{who} reads secrets or sends logs at start in subnet `{}`, which has no NAT or transit gateway route and lacks the {} interface endpoint(s)", s.name, missing.join(", ")))
                        .with_severity(Severity::Warning)
                        .with_related(table_label.clone())
                        .with_note("ECS fetches `secrets` and creates the `awslogs` stream before the containers start; without a path to these services the task stops with `ResourceInitializationError`")
                        .with_help("add a default route to a NAT gateway or transit gateway, or the missing interface endpoints in the subnet's availability zone")
                        .with_logical(format!("{logical}/endpoints"));
                    cx.emit(f);
                }
                let (severity, msg) = match pulls {
                    Pulls::Unknown if !path.reaches_ecr() => (
                        Severity::Error,
                        format!("{who} cannot pull images in subnet `{}`: it has no NAT or transit gateway route and lacks {}, so no registry is reachable", s.name, missing_endpoints(&path)),
                    ),
                    Pulls::Ecr if !path.reaches_ecr() => (
                        Severity::Error,
                        format!("{who} pulls from ECR in subnet `{}`, which has no NAT or transit gateway route and lacks {}", s.name, missing_endpoints(&path)),
                    ),
                    Pulls::OtherRegistry(img) if !path.reaches_internet() => (
                        Severity::Warning,
                        format!("{who} runs image `{img}` from outside ECR in subnet `{}`, which has no NAT or transit gateway route to the internet", s.name),
                    ),
                    _ => continue,
                };
                let mut f = cx
                    .finding(u.file, u.span, msg)
                    .with_severity(severity)
                    .with_related(table_label)
                    .with_help("add a default route to a NAT gateway or transit gateway, or the ECR `api` and `dkr` interface endpoints plus the S3 gateway endpoint")
                    .with_logical(logical);
                if path.default_route == DefaultRoute::InternetGateway {
                    f = f.with_note("the route table's default route goes to an internet gateway, which tasks without a public IP cannot use");
                }
                cx.emit(f);
            }
        }
    }
}
