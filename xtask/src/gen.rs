//! `cargo xtask gen-repo --scale N --out DIR [--seed S]`: a deterministic synthetic repository of
//! N times the size (bytes and files) of the real-world developer corpus, for the benchmark.
//!
//! The repository is made of *units*, one per team. A unit holds what a team of a platform moving
//! between ECS and EKS keeps side by side, and every file refers to others, so the cross-file joins
//! of the model run at scale:
//!
//! * `teams/tNNNNN/k8s/app.yaml`: Namespace, ServiceAccount with an IRSA annotation, Deployments
//!   (some without requests, two sharing the annotated account), a Service;
//! * `teams/tNNNNN/ecs/taskdef.json` (register shape) and `describe.json` (describe shape), with a
//!   cross-account ECR image and an execution role defined in Terraform;
//! * `teams/tNNNNN/tf/service.tf.json`: the ECS cluster, an `aws_ecs_service` on a
//!   FARGATE_SPOT capacity provider strategy whose task definition is the family of the register
//!   file, an `aws_ecs_task_definition` with an embedded `container_definitions` string, IAM roles
//!   and policies;
//! * `teams/tNNNNN/tf/network.tf` (HCL) and `terraform.tfvars`: the team's VPC, subnets carved
//!   from `var.vpc_cidr` with `cidrsubnet` and shared by its ECS services and its ECR interface
//!   endpoint; with them about a fifth of the files are HCL, as in the real corpus (81 of its
//!   391 inputs are `.tf`/`.tfvars`);
//! * `platform/cluster-N.tf.json` (a constant number, [`CLUSTERS`]): EKS cluster, node group and
//!   node role, node subnets shared with a platform ECS service;
//! * `registry/tNNNNN-ecr.tf.json`: the team's repositories in the registry account (one root
//!   module, `registry/providers.tf.json`), with a policy that grants the workload account or
//!   (for some teams) another one;
//! * `teams/tNNNNN/plan.json`: a `terraform show -json` plan of the team's stack (token-dense);
//! * now and then a file with an unresolved input, a duplicate key or an unused suppression.
//!
//! Resource addresses repeat from team to team (every team has `aws_subnet.shared_a`), as in a
//! real monorepo, so reference resolution meets homonyms. The only randomness is a SplitMix64
//! generator seeded from `--seed` and the unit number: the same arguments give the same bytes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Files and bytes of /work/shared/corpus/real (the 1× size).
pub const REAL_FILES: u64 = 335;
pub const REAL_BYTES: u64 = 1_483_049;

const REGISTRY: &str = "111122223333";
const WORKLOAD: &str = "222233334444";
const OTHER: &str = "333344445555";
const ECR_HOST: &str = "111122223333.dkr.ecr.eu-west-1.amazonaws.com";

/// SplitMix64: small, fast and good enough to vary a synthetic repository.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// True with probability `num/den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }
}

/// One generated file: path relative to the output directory and content.
pub type File = (PathBuf, String);

/// Everything that varies between units, drawn once per unit.
struct Unit {
    i: usize,
    team: String,
    /// Deployments beyond the two main ones (size padding, realistic).
    extra_deployments: usize,
    /// Extra resources in the plan (size padding).
    extra_plan: usize,
    api_requests: bool,
    worker_shares_sa: bool,
    api_stop_timeout: Option<u32>,
    worker_stop_timeout: Option<u32>,
    spot_weight: u32,
    desired: u32,
    subnet_bits: u32,
    node_max: u32,
    grants_workload: bool,
    wildcard_trust: bool,
    extra_kind: u64,
}

fn draw(seed: u64, i: usize, extra_deployments: usize, extra_plan: usize) -> Unit {
    let mut r = Rng::new(seed ^ (i as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
    Unit {
        i,
        team: format!("t{i:05}"),
        extra_deployments,
        extra_plan,
        api_requests: r.chance(2, 3),
        worker_shares_sa: r.chance(1, 3),
        api_stop_timeout: match r.below(4) {
            0 => None,
            1 => Some(20),
            _ => Some(120),
        },
        worker_stop_timeout: if r.chance(1, 2) { None } else { Some(60) },
        spot_weight: [0, 1, 2, 3][r.below(4) as usize],
        desired: 2 + r.below(30) as u32,
        subnet_bits: [24, 25, 26, 27][r.below(4) as usize],
        node_max: 3 + r.below(40) as u32,
        grants_workload: r.chance(1, 2),
        wildcard_trust: r.chance(1, 4),
        extra_kind: r.below(6),
    }
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

fn image(u: &Unit, repo: &str, tag: u32) -> String {
    format!("{ECR_HOST}/{}/{repo}:1.{tag}", u.team)
}

fn container(u: &Unit, name: &str, stop: Option<u32>, camel: bool) -> serde_json::Value {
    let mut c = serde_json::json!({
        "name": name,
        "image": image(u, name, u.i as u32 % 50),
        "essential": true,
        "cpu": 256,
        "memory": 512,
        "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
        "environment": [
            {"name": "TEAM", "value": u.team},
            {"name": "LOG_LEVEL", "value": "info"}
        ],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": format!("/ecs/{}/{name}", u.team),
                "awslogs-region": "eu-west-1",
                "awslogs-stream-prefix": name
            }
        }
    });
    if let Some(s) = stop {
        let key = if camel { "stopTimeout" } else { "stop_timeout" };
        c[key] = s.into();
    }
    c
}

fn k8s_yaml(u: &Unit) -> String {
    let t = &u.team;
    let mut y = String::new();
    let _ = write!(
        y,
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {t}\n  labels:\n    team: {t}\n---\n\
apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\n  namespace: {t}\n  annotations:\n    \
eks.amazonaws.com/role-arn: arn:aws:iam::{WORKLOAD}:role/{t}-irsa\n---\n"
    );
    let deployment = |y: &mut String,
                      name: &str,
                      sa: &str,
                      requests: bool,
                      replicas: u32,
                      img: &str| {
        let _ = write!(
            y,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {t}\n  labels:\n    \
app.kubernetes.io/name: {name}\n    app.kubernetes.io/part-of: {t}\nspec:\n  replicas: {replicas}\n  selector:\n    \
matchLabels:\n      app.kubernetes.io/name: {name}\n  template:\n    metadata:\n      labels:\n        \
app.kubernetes.io/name: {name}\n    spec:\n      serviceAccountName: {sa}\n      \
terminationGracePeriodSeconds: 60\n      containers:\n        - name: {name}\n          image: {img}\n          \
ports:\n            - containerPort: 8080\n          env:\n            - name: TEAM\n              value: {t}\n",
        );
        if requests {
            y.push_str(
                "          resources:\n            requests: {cpu: 250m, memory: 256Mi}\n            limits: {memory: 512Mi}\n",
            );
        }
        y.push_str("---\n");
    };
    let api = image(u, "api", u.i as u32 % 50);
    deployment(&mut y, "api", "app", u.api_requests, 3, &api);
    let worker_sa = if u.worker_shares_sa { "app" } else { "worker" };
    if !u.worker_shares_sa {
        let _ = write!(
            y,
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: worker\n  namespace: {t}\n---\n"
        );
    }
    let worker = image(u, "worker", u.i as u32 % 50);
    deployment(&mut y, "worker", worker_sa, true, 2, &worker);
    // Padding: services on public images (no cross-account pull).
    for k in 0..u.extra_deployments {
        let img = format!("public.ecr.aws/docker/library/nginx:1.{}", 20 + k % 8);
        deployment(&mut y, &format!("svc{k}"), "default", true, 2, &img);
    }
    if u.i == 0 {
        // K8S005 (a removed PDB API) and K8S006 (a Karpenter annotation v1 removed), once.
        let _ = write!(
            y,
            "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata:\n  name: api\n  namespace: {t}\nspec:\n  \
minAvailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: api\n---\n\
apiVersion: v1\nkind: Pod\nmetadata:\n  name: once\n  namespace: {t}\n  annotations:\n    \
karpenter.sh/do-not-evict: \"true\"\nspec:\n  containers:\n    - name: once\n      \
image: public.ecr.aws/docker/library/busybox:1.36\n      resources:\n        requests: {{cpu: 10m, memory: 16Mi}}\n---\n"
        );
    }
    let _ = write!(
        y,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: {t}\nspec:\n  selector:\n    \
app.kubernetes.io/name: api\n  ports:\n    - port: 80\n      targetPort: 8080\n"
    );
    y
}

fn taskdef_register(u: &Unit) -> String {
    let t = &u.team;
    let mut api = container(u, "api", u.api_stop_timeout, true);
    if u.i % 5 == 0 {
        // PAR004: a Secrets Manager secret the Kubernetes `api` container does not receive.
        api["secrets"] = serde_json::json!([{
            "name": "DB_PASSWORD",
            "valueFrom": format!("arn:aws:secretsmanager:eu-west-1:{WORKLOAD}:secret:{t}/db-AbC123")
        }]);
    }
    pretty(&serde_json::json!({
        "family": format!("{t}-api"),
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "512",
        "memory": "1024",
        "executionRoleArn": format!("arn:aws:iam::{WORKLOAD}:role/{t}-exec"),
        "taskRoleArn": format!("arn:aws:iam::{WORKLOAD}:role/{t}-task"),
        "containerDefinitions": [
            api,
            container(u, "proxy", Some(120), true)
        ]
    }))
}

fn taskdef_describe(u: &Unit) -> String {
    let t = &u.team;
    pretty(&serde_json::json!({
        "taskDefinition": {
            "taskDefinitionArn": format!("arn:aws:ecs:eu-west-1:{WORKLOAD}:task-definition/{t}-worker:7"),
            "family": format!("{t}-worker"),
            "revision": 7,
            "status": "ACTIVE",
            "requiresCompatibilities": ["FARGATE"],
            "networkMode": "awsvpc",
            "cpu": "256",
            "memory": "512",
            "executionRoleArn": format!("arn:aws:iam::{WORKLOAD}:role/{t}-exec"),
            "containerDefinitions": [container(u, "worker", u.worker_stop_timeout, true)]
        },
        "tags": [{"key": "team", "value": t}]
    }))
}

fn trust(service: &str) -> String {
    format!(
        "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":{{\"Service\":\"{service}\"}},\"Action\":\"sts:AssumeRole\"}}]}}"
    )
}

fn irsa_trust(u: &Unit) -> String {
    let oidc = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
    let (op, sub) = if u.wildcard_trust {
        ("StringLike", format!("system:serviceaccount:{}:*", u.team))
    } else {
        (
            "StringEquals",
            format!("system:serviceaccount:{}:app", u.team),
        )
    };
    format!(
        "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":{{\"Federated\":\"arn:aws:iam::{WORKLOAD}:oidc-provider/{oidc}\"}},\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{{\"{op}\":{{\"{oidc}:sub\":\"{sub}\"}}}}}}]}}"
    )
}

fn service_tf(u: &Unit) -> String {
    let t = &u.team;
    let mut strategy =
        vec![serde_json::json!({"capacity_provider": "FARGATE", "base": 0, "weight": 1})];
    if u.spot_weight > 0 {
        strategy.push(
            serde_json::json!({"capacity_provider": "FARGATE_SPOT", "weight": u.spot_weight}),
        );
    }
    let containers = serde_json::Value::Array(vec![
        container(u, "web", u.api_stop_timeout, true),
        container(u, "sidecar", Some(120), true),
    ]);
    let containers = serde_json::to_string_pretty(&containers).unwrap_or_default();
    pretty(&serde_json::json!({
        "provider": {"aws": {"region": "eu-west-1", "allowed_account_ids": [WORKLOAD]}},
        "resource": {
            "aws_ecs_cluster": {"main": {"name": "prod-cluster"}},
            "aws_ecs_service": {
                "api": {
                    "name": format!("{t}-api"),
                    "cluster": "${aws_ecs_cluster.main.id}",
                    "task_definition": format!("{t}-api"),
                    "desired_count": u.desired,
                    "deployment_maximum_percent": 200,
                    "capacity_provider_strategy": strategy,
                    "load_balancer": {
                        "target_group_arn": "${aws_lb_target_group.api.arn}",
                        "container_name": "api",
                        "container_port": 8080
                    },
                    "network_configuration": {
                        "subnets": ["${aws_subnet.shared_a.id}", "${aws_subnet.shared_b.id}"]
                    }
                },
                "web": {
                    "name": format!("{t}-web"),
                    "cluster": "${aws_ecs_cluster.main.id}",
                    "task_definition": "${aws_ecs_task_definition.web.arn}",
                    "desired_count": 2,
                    "capacity_provider_strategy": [{"capacity_provider": "FARGATE_SPOT", "weight": 1}],
                    "network_configuration": {"subnets": ["${aws_subnet.shared_b.id}"]}
                }
            },
            "aws_ecs_task_definition": {
                "web": {
                    "family": format!("{t}-web"),
                    "requires_compatibilities": ["FARGATE"],
                    "network_mode": "awsvpc",
                    "cpu": "512",
                    "memory": "1024",
                    "execution_role_arn": "${aws_iam_role.exec.arn}",
                    "container_definitions": containers
                }
            },
            "aws_iam_role": {
                "exec": {"name": format!("{t}-exec"), "assume_role_policy": trust("ecs-tasks.amazonaws.com")},
                "task": {"name": format!("{t}-task"), "assume_role_policy": trust("ecs-tasks.amazonaws.com")},
                "irsa": {"name": format!("{t}-irsa"), "assume_role_policy": irsa_trust(u)}
            },
            "aws_iam_role_policy_attachment": {
                "exec": {
                    "role": "${aws_iam_role.exec.name}",
                    "policy_arn": "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
                }
            },
            "aws_iam_policy": {
                "task": {
                    "name": format!("{t}-task"),
                    "policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\"],\"Resource\":\"*\"}]}"
                }
            }
        }
    }))
}

/// The team's network in Terraform's native syntax: subnets carved out of `var.vpc_cidr` with
/// `cidrsubnet` (so the evaluator runs), the value coming from the team's `terraform.tfvars`.
fn network_tf(u: &Unit) -> String {
    let b = u.subnet_bits;
    let newbits = b - 16;
    // `10.o.4.0/b` is the subnet number 1024 / 2^(32 - b) of the /16.
    let second = 1024u32 >> (32 - b);
    format!(
        r#"variable "vpc_cidr" {{
  type        = string
  description = "The team's VPC"
}}

resource "aws_vpc" "main" {{
  cidr_block = var.vpc_cidr
}}

resource "aws_subnet" "shared_a" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(var.vpc_cidr, {newbits}, 0)
  availability_zone = "eu-west-1a"
}}

resource "aws_subnet" "shared_b" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(var.vpc_cidr, {newbits}, {second})
  availability_zone = "eu-west-1b"
}}

resource "aws_vpc_endpoint" "ecr_dkr" {{
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.eu-west-1.ecr.dkr"
  vpc_endpoint_type = "Interface"
  subnet_ids        = [aws_subnet.shared_a.id, aws_subnet.shared_b.id]
}}

resource "aws_vpc_endpoint" "s3" {{
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.eu-west-1.s3"
  vpc_endpoint_type = "Gateway"
}}
"#
    )
}

/// The team's variable values.
fn network_tfvars(u: &Unit) -> String {
    let o = (u.i % 250) as u32;
    format!("vpc_cidr = \"10.{o}.0.0/16\"\n")
}

/// Number of EKS clusters of the platform: constant, whatever the scale. Every pod is checked
/// against every EC2 node role of the inputs (a manifest does not say which cluster it runs on),
/// so a repository with 100× the clusters would ask 100× the work per pod by design.
pub const CLUSTERS: usize = 3;

/// The platform's EKS cluster `c`: control-plane and node subnets, node group and node role, and
/// a platform ECS service sharing the node subnets.
fn cluster_tf(c: usize, u: &Unit) -> String {
    let o = 250 + c as u32;
    let mut node_role = serde_json::json!({
        "name": format!("platform-{c}-node"),
        "assume_role_policy": trust("ec2.amazonaws.com")
    });
    let mut attachments = serde_json::json!({
        "node_worker": {"role": "${aws_iam_role.node.name}", "policy_arn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"},
        "node_cni": {"role": "${aws_iam_role.node.name}", "policy_arn": "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"}
    });
    // The first cluster's node role cannot pull from ECR at all.
    if c > 0 {
        attachments["node_ecr"] = serde_json::json!({
            "role": "${aws_iam_role.node.name}",
            "policy_arn": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"
        });
    } else {
        node_role["inline_policy"] = serde_json::json!([{
            "name": "logs",
            "policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"logs:PutLogEvents\"],\"Resource\":\"*\"}]}"
        }]);
    }
    pretty(&serde_json::json!({
        "provider": {"aws": {"region": "eu-west-1", "allowed_account_ids": [WORKLOAD]}},
        "resource": {
            "aws_subnet": {
                "nodes_a": {"vpc_id": "vpc-platform", "cidr_block": format!("10.{o}.0.0/{}", u.subnet_bits), "availability_zone": "eu-west-1a"},
                "nodes_b": {"vpc_id": "vpc-platform", "cidr_block": format!("10.{o}.4.0/23"), "availability_zone": "eu-west-1b"},
                "control_a": {"vpc_id": "vpc-platform", "cidr_block": format!("10.{o}.8.0/28"), "availability_zone": "eu-west-1a"},
                "control_b": {"vpc_id": "vpc-platform", "cidr_block": format!("10.{o}.8.16/28"), "availability_zone": "eu-west-1b"}
            },
            "aws_eks_cluster": {
                "main": {
                    "name": format!("platform-{c}"),
                    "role_arn": format!("arn:aws:iam::{WORKLOAD}:role/platform-{c}-eks"),
                    "vpc_config": {"subnet_ids": ["${aws_subnet.control_a.id}", "${aws_subnet.control_b.id}"]}
                }
            },
            "aws_eks_node_group": {
                "main": {
                    "cluster_name": "${aws_eks_cluster.main.name}",
                    "node_group_name": "default",
                    "node_role_arn": "${aws_iam_role.node.arn}",
                    "subnet_ids": ["${aws_subnet.nodes_a.id}", "${aws_subnet.nodes_b.id}"],
                    "instance_types": ["m5.large", "m6i.large"],
                    "scaling_config": {"desired_size": 3, "max_size": u.node_max, "min_size": 3}
                }
            },
            "aws_iam_role": {"node": node_role},
            "aws_iam_role_policy_attachment": attachments,
            "aws_ecs_service": {
                "ingress": {
                    "name": format!("platform-{c}-ingress"),
                    "cluster": "platform",
                    "task_definition": "platform-ingress:3",
                    "desired_count": 12,
                    "deployment_maximum_percent": 200,
                    "network_configuration": {"subnets": ["${aws_subnet.nodes_a.id}"]}
                }
            }
        }
    }))
}

fn ecr_tf(u: &Unit) -> String {
    let t = &u.team;
    let grantee = if u.grants_workload { WORKLOAD } else { OTHER };
    let repos: serde_json::Map<String, serde_json::Value> = [
        "api", "proxy", "worker", "web", "sidecar",
    ]
    .iter()
    .map(|r| {
        (
            format!("{t}_{r}"),
            serde_json::json!({"name": format!("{t}/{r}"), "image_tag_mutability": "IMMUTABLE"}),
        )
    })
    .collect();
    let policies: serde_json::Map<String, serde_json::Value> =
        ["api", "proxy", "worker", "web", "sidecar"]
            .iter()
            .map(|r| {
                (
                    format!("{t}_{r}"),
                    serde_json::json!({
                        "repository": format!("${{aws_ecr_repository.{t}_{r}.name}}"),
                        "policy": format!("${{data.aws_iam_policy_document.{t}_pull.json}}")
                    }),
                )
            })
            .collect();
    let mut data = serde_json::Map::new();
    data.insert(
        format!("{t}_pull"),
        serde_json::json!({
            "statement": [{
                "sid": "AllowWorkloadsPull",
                "effect": "Allow",
                "principals": [{"type": "AWS", "identifiers": [format!("arn:aws:iam::{grantee}:root")]}],
                "actions": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
            }]
        }),
    );
    pretty(&serde_json::json!({
        "resource": {"aws_ecr_repository": repos, "aws_ecr_repository_policy": policies},
        "data": {"aws_iam_policy_document": data}
    }))
}

/// A compact (one-line) plan, as `terraform show -json` writes it.
fn plan_json(u: &Unit) -> String {
    let t = &u.team;
    let containers =
        serde_json::Value::Array(vec![container(u, "batch", u.worker_stop_timeout, true)]);
    let containers = serde_json::to_string(&containers).unwrap_or_default();
    let o = (u.i % 250) as u32;
    let mut resources = vec![
        serde_json::json!({
            "address": "aws_ecs_task_definition.batch", "mode": "managed",
            "type": "aws_ecs_task_definition", "name": "batch",
            "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 1,
            "values": {
                "family": format!("{t}-batch"), "requires_compatibilities": ["FARGATE"],
                "network_mode": "awsvpc", "cpu": "256", "memory": "512",
                "execution_role_arn": format!("arn:aws:iam::{WORKLOAD}:role/{t}-exec"),
                "container_definitions": containers
            }
        }),
        serde_json::json!({
            "address": "aws_ecs_service.batch", "mode": "managed",
            "type": "aws_ecs_service", "name": "batch",
            "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
            "values": {
                "name": format!("{t}-batch"), "cluster": "prod-cluster",
                "task_definition": format!("{t}-batch"), "desired_count": u.desired,
                "capacity_provider_strategy": [{"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 0}],
                "network_configuration": [{"subnets": ["subnet-0a1b2c3d"], "assign_public_ip": false, "security_groups": ["sg-0aa"]}]
            }
        }),
    ];
    for k in 0..u.extra_plan {
        let az = ["eu-west-1a", "eu-west-1b", "eu-west-1c"][k % 3];
        resources.push(serde_json::json!({
            "address": format!("aws_subnet.pool_{k}"), "mode": "managed",
            "type": "aws_subnet", "name": format!("pool_{k}"),
            "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 1,
            "values": {
                "cidr_block": format!("10.{o}.{}.0/24", 16 + k % 200),
                "availability_zone": az,
                "map_public_ip_on_launch": false,
                "tags": {"Name": format!("{t}-pool-{k}"), "team": t, "tier": "private"}
            }
        }));
    }
    let changes: Vec<serde_json::Value> = resources
        .iter()
        .map(|r| {
            serde_json::json!({
                "address": r["address"], "mode": "managed", "type": r["type"], "name": r["name"],
                "change": {"actions": ["create"], "before": null, "after": r["values"], "after_unknown": {"arn": true, "id": true}}
            })
        })
        .collect();
    let mut s = serde_json::to_string(&serde_json::json!({
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": changes
    }))
    .unwrap_or_default();
    s.push('\n');
    s
}

/// The occasional file that draws a LINT rule.
fn extra_file(u: &Unit) -> Option<File> {
    let t = &u.team;
    let dir = PathBuf::from("teams").join(t);
    match u.extra_kind {
        0 => Some((
            dir.join("tf/unresolved.tf.json"),
            pretty(&serde_json::json!({"resource": {"aws_ecs_task_definition": {"tpl": {
                "family": format!("{t}-tpl"),
                "container_definitions": "${jsonencode([{name = \"app\", image = var.image}])}"
            }}}})),
        )),
        1 => Some((
            dir.join("k8s/legacy.yaml"),
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: legacy\n  namespace: {t}\n  labels:\n    app: legacy\n    app: legacy-v2\ndata:\n  mode: old\n"
            ),
        )),
        2 => Some((
            dir.join("k8s/debug-pod.yaml"),
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\n  namespace: {t}\nspec:\n  containers:\n    # cutover: ignore[K8S001] requests are set\n    - name: debug\n      image: busybox:1.36\n      resources: {{requests: {{cpu: 10m, memory: 16Mi}}}}\n"
            ),
        )),
        _ => None,
    }
}

fn unit_files(u: &Unit) -> Vec<File> {
    let dir = PathBuf::from("teams").join(&u.team);
    let mut files = vec![
        (dir.join("k8s/app.yaml"), k8s_yaml(u)),
        (dir.join("ecs/taskdef.json"), taskdef_register(u)),
        (dir.join("ecs/describe.json"), taskdef_describe(u)),
        (dir.join("tf/service.tf.json"), service_tf(u)),
        (dir.join("tf/network.tf"), network_tf(u)),
        (dir.join("tf/terraform.tfvars"), network_tfvars(u)),
        (
            PathBuf::from("registry").join(format!("{}-ecr.tf.json", u.team)),
            ecr_tf(u),
        ),
        (dir.join("plan.json"), plan_json(u)),
    ];
    if u.i == 0 {
        // One root module for the registry account: its provider is declared once.
        files.push((
            PathBuf::from("registry").join("providers.tf.json"),
            pretty(&serde_json::json!({
                "provider": {"aws": {"region": "eu-west-1", "allowed_account_ids": [REGISTRY]}}
            })),
        ));
    }
    if u.i < CLUSTERS {
        files.push((
            PathBuf::from("platform").join(format!("cluster-{}.tf.json", u.i)),
            cluster_tf(u.i, u),
        ));
    }
    files.extend(extra_file(u));
    files
}

fn size(files: &[File]) -> u64 {
    files.iter().map(|(_, s)| s.len() as u64).sum()
}

/// Every file of a repository of `scale` times the real corpus, in order.
pub fn generate(scale: u64, seed: u64) -> Vec<File> {
    let target_files = REAL_FILES * scale.max(1);
    let target_bytes = REAL_BYTES * scale.max(1);
    // Files per unit: 8, plus the occasional extra file (3 kinds in 6).
    let units = (target_files as f64 / 8.5).round().max(1.0) as usize;
    let mut out = Vec::new();
    let mut written = 0u64;
    for i in 0..units {
        let want = target_bytes * (i as u64 + 1) / units as u64;
        let budget = want.saturating_sub(written);
        let base = size(&unit_files(&draw(seed, i, 0, 0)));
        let d_dep = size(&unit_files(&draw(seed, i, 1, 0)))
            .saturating_sub(base)
            .max(1);
        let d_plan = size(&unit_files(&draw(seed, i, 0, 1)))
            .saturating_sub(base)
            .max(1);
        // Split the padding: a quarter in Deployments, the rest in the plan.
        let spare = budget.saturating_sub(base);
        let deps = (spare / 4 / d_dep) as usize;
        let plan = ((spare - deps as u64 * d_dep) / d_plan) as usize;
        let files = unit_files(&draw(seed, i, deps, plan));
        written += size(&files);
        out.extend(files);
    }
    out
}

/// Write a generated repository under `out` (which is emptied of a previous `teams/` and
/// `registry/` first). Returns (files, bytes).
pub fn write(out: &Path, scale: u64, seed: u64) -> std::io::Result<(u64, u64)> {
    for sub in ["teams", "registry", "platform"] {
        let p = out.join(sub);
        if p.exists() {
            std::fs::remove_dir_all(&p)?;
        }
    }
    let files = generate(scale, seed);
    let (mut n, mut bytes) = (0u64, 0u64);
    for (rel, text) in &files {
        let path = out.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text)?;
        n += 1;
        bytes += text.len() as u64;
    }
    // A root marker, so `--repo-context` finds the repository root here.
    std::fs::write(out.join("cutover.toml"), CONFIG)?;
    Ok((n, bytes))
}

/// Criticality of the synthetic platform: `*-api` services and the `prod` clusters are critical.
pub const CONFIG: &str =
    "# generated by `cargo xtask gen-repo`\n\n[criticality.critical]\necs-services = [\"*-api\"]\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let a = generate(1, 7);
        let b = generate(1, 7);
        assert_eq!(a, b);
        let c = generate(1, 8);
        assert_ne!(a, c);
    }

    #[test]
    fn one_times_is_the_size_of_the_real_corpus() {
        let files = generate(1, 1);
        let bytes = size(&files);
        let n = files.len() as u64;
        assert!(
            n.abs_diff(REAL_FILES) * 100 <= REAL_FILES * 3,
            "{n} files, want about {REAL_FILES}"
        );
        assert!(
            bytes.abs_diff(REAL_BYTES) * 100 <= REAL_BYTES * 3,
            "{bytes} bytes, want about {REAL_BYTES}"
        );
    }

    #[test]
    fn generated_repository_triggers_every_built_in_rule() {
        let dir = std::env::temp_dir().join(format!("cutover-gen-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        write(&dir, 1, 1).unwrap();
        let (_, ids, _) = crate::bench::full_check_ids(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        // Rules added after the generator was last extended: the generated repository does not
        // trigger them yet. The list may only shrink: a rule in it that fires fails the test.
        const NOT_GENERATED_YET: &[&str] = &[
            "ECS003", "ECS005", "ECS006", "IAM004", "IAM006", "K8S002", "K8S003", "K8S004",
            "K8S008", "K8S009", "NET003", "NET004", "PAR003", "PAR005", "PAR007", "PAR008",
            "PAR009",
        ];
        let mut missing = Vec::new();
        for r in cutover_rules::all() {
            let id = r.meta().id;
            let fired = ids.iter().any(|f| f == id);
            if !fired && !NOT_GENERATED_YET.contains(&id) {
                missing.push(id);
            }
            assert!(
                !(fired && NOT_GENERATED_YET.contains(&id)),
                "{id} now fires in the generated repository: remove it from NOT_GENERATED_YET"
            );
        }
        assert!(missing.is_empty(), "rules with no finding: {missing:?}");
    }
}
