//! A small built-in table of AWS managed policies: the parts the rules need.
//!
//! Only policies whose content matters to a rule are listed, with the statements that matter
//! (their resources are all `*`). A managed policy not in the table is *unknown*: rules treat
//! it as "may allow" and never as a gap. Sources: the AWS Managed Policy reference pages
//! (<https://docs.aws.amazon.com/aws-managed-policy/latest/reference/>) and catalog §9.8.

use lint_engine::source::{FileId, Span};

use super::policy::{Effect, Patterns, Policy, Statement, Val};

/// One statement of a managed policy: allow `actions` (or everything but them) on `*`.
#[derive(Debug)]
pub struct ManagedStatement {
    pub not_action: bool,
    pub actions: &'static [&'static str],
}

#[derive(Debug)]
pub struct ManagedPolicy {
    pub name: &'static str,
    pub statements: &'static [ManagedStatement],
}

const fn allow(actions: &'static [&'static str]) -> ManagedStatement {
    ManagedStatement {
        not_action: false,
        actions,
    }
}

const ECR_PULL: &[&str] = &[
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
];

const ECR_READ_ONLY: &[&str] = &[
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:GetRepositoryPolicy",
    "ecr:DescribeRepositories",
    "ecr:ListImages",
    "ecr:DescribeImages",
    "ecr:BatchGetImage",
    "ecr:GetLifecyclePolicy",
    "ecr:GetLifecyclePolicyPreview",
    "ecr:ListTagsForResource",
    "ecr:DescribeImageScanFindings",
];

pub const MANAGED_POLICIES: &[ManagedPolicy] = &[
    ManagedPolicy {
        name: "AdministratorAccess",
        statements: &[allow(&["*"])],
    },
    ManagedPolicy {
        name: "PowerUserAccess",
        statements: &[
            ManagedStatement {
                not_action: true,
                actions: &["iam:*", "organizations:*", "account:*"],
            },
            allow(&[
                "iam:CreateServiceLinkedRole",
                "iam:DeleteServiceLinkedRole",
                "iam:ListRoles",
                "organizations:DescribeOrganization",
                "account:ListRegions",
                "account:GetAccountInformation",
            ]),
        ],
    },
    ManagedPolicy {
        name: "IAMFullAccess",
        statements: &[allow(&["iam:*"])],
    },
    ManagedPolicy {
        name: "AmazonEC2ContainerRegistryReadOnly",
        statements: &[allow(ECR_READ_ONLY)],
    },
    ManagedPolicy {
        name: "AmazonEC2ContainerRegistryPullOnly",
        statements: &[allow(&[
            "ecr:GetAuthorizationToken",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchImportUpstreamImage",
        ])],
    },
    ManagedPolicy {
        name: "AmazonEC2ContainerRegistryPowerUser",
        statements: &[
            allow(ECR_READ_ONLY),
            allow(&[
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload",
                "ecr:PutImage",
            ]),
        ],
    },
    ManagedPolicy {
        name: "AmazonEC2ContainerRegistryFullAccess",
        statements: &[allow(&["ecr:*", "cloudtrail:LookupEvents"])],
    },
    ManagedPolicy {
        // Catalog §9.8: exactly these six actions on "*".
        name: "AmazonECSTaskExecutionRolePolicy",
        statements: &[allow(&[
            "ecr:GetAuthorizationToken",
            "ecr:BatchCheckLayerAvailability",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchGetImage",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ])],
    },
    ManagedPolicy {
        name: "AmazonEKSFargatePodExecutionRolePolicy",
        statements: &[allow(ECR_PULL)],
    },
    ManagedPolicy {
        name: "AmazonEC2ContainerServiceforEC2Role",
        statements: &[allow(&[
            "ec2:DescribeTags",
            "ecs:CreateCluster",
            "ecs:DeregisterContainerInstance",
            "ecs:DiscoverPollEndpoint",
            "ecs:Poll",
            "ecs:RegisterContainerInstance",
            "ecs:StartTelemetrySession",
            "ecs:UpdateContainerInstancesState",
            "ecs:Submit*",
            "ecr:GetAuthorizationToken",
            "ecr:BatchCheckLayerAvailability",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchGetImage",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ])],
    },
    ManagedPolicy {
        name: "AmazonEKSWorkerNodePolicy",
        statements: &[allow(&[
            "ec2:DescribeInstances",
            "ec2:DescribeInstanceTypes",
            "ec2:DescribeRouteTables",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeVolumes",
            "ec2:DescribeVolumesModifications",
            "ec2:DescribeVpcs",
            "eks:DescribeCluster",
            "eks-auth:AssumeRoleForPodIdentity",
        ])],
    },
    ManagedPolicy {
        name: "AmazonEKS_CNI_Policy",
        statements: &[allow(&[
            "ec2:AssignPrivateIpAddresses",
            "ec2:AttachNetworkInterface",
            "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface",
            "ec2:DescribeInstances",
            "ec2:DescribeTags",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeInstanceTypes",
            "ec2:DescribeSubnets",
            "ec2:DetachNetworkInterface",
            "ec2:ModifyNetworkInterfaceAttribute",
            "ec2:UnassignPrivateIpAddresses",
            "ec2:CreateTags",
        ])],
    },
    ManagedPolicy {
        name: "AmazonS3FullAccess",
        statements: &[allow(&["s3:*", "s3-object-lambda:*"])],
    },
    ManagedPolicy {
        name: "ElasticLoadBalancingFullAccess",
        statements: &[allow(&["elasticloadbalancing:*"])],
    },
    ManagedPolicy {
        name: "CloudWatchLogsFullAccess",
        statements: &[allow(&["logs:*", "cloudwatch:GenerateQuery"])],
    },
    ManagedPolicy {
        name: "AmazonDynamoDBFullAccess",
        statements: &[allow(&["dynamodb:*"])],
    },
    ManagedPolicy {
        name: "AmazonSQSFullAccess",
        statements: &[allow(&["sqs:*"])],
    },
    ManagedPolicy {
        name: "AmazonSNSFullAccess",
        statements: &[allow(&["sns:*"])],
    },
];

/// Look a managed policy up by name (`AmazonECSTaskExecutionRolePolicy`).
pub fn managed_policy(name: &str) -> Option<&'static ManagedPolicy> {
    MANAGED_POLICIES.iter().find(|p| p.name == name)
}

/// True for managed policies that grant a whole service or everything, by their name:
/// `AdministratorAccess`, `PowerUserAccess` and every `*FullAccess` policy.
pub fn is_catch_all_managed(name: &str) -> bool {
    name == "AdministratorAccess" || name == "PowerUserAccess" || name.ends_with("FullAccess")
}

impl ManagedPolicy {
    /// The policy as a document the evaluator reads (no spans: label the attachment instead).
    pub fn to_policy(&self) -> Policy {
        let file = FileId(u32::MAX);
        let span = Span::default();
        let vals = |v: &[&str]| {
            v.iter()
                .map(|t| Val {
                    text: (*t).to_string(),
                    span,
                })
                .collect::<Vec<_>>()
        };
        Policy {
            file,
            span,
            unresolved: false,
            statements: self
                .statements
                .iter()
                .map(|s| Statement {
                    file,
                    span,
                    sid: None,
                    effect: Effect::Allow,
                    actions: Some(Patterns {
                        negated: s.not_action,
                        values: vals(s.actions),
                        span,
                    }),
                    resources: Some(Patterns {
                        negated: false,
                        values: vals(&["*"]),
                        span,
                    }),
                    principals: None,
                    conditions: Vec::new(),
                    condition_span: None,
                    unresolved: false,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::policy::{evaluate, Decision, Request};

    fn allows(name: &str, action: &str, resource: &str) -> Decision {
        let p = managed_policy(name).unwrap().to_policy();
        evaluate(
            &[&p],
            &Request {
                action,
                resource,
                principal: None,
            },
        )
        .decision
    }

    #[test]
    fn execution_role_policy_pulls_but_cannot_create_log_groups() {
        let repo = "arn:aws:ecr:eu-west-1:111122223333:repository/app";
        let n = "AmazonECSTaskExecutionRolePolicy";
        assert_eq!(allows(n, "ecr:BatchGetImage", repo), Decision::Allow);
        assert_eq!(allows(n, "ecr:GetAuthorizationToken", "*"), Decision::Allow);
        assert_eq!(
            allows(n, "logs:CreateLogGroup", "*"),
            Decision::ImplicitDeny
        );
        assert_eq!(
            allows(n, "secretsmanager:GetSecretValue", "*"),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn node_policies() {
        let repo = "arn:aws:ecr:eu-west-1:111122223333:repository/app";
        for n in [
            "AmazonEC2ContainerRegistryReadOnly",
            "AmazonEC2ContainerRegistryPullOnly",
            "AmazonEKSFargatePodExecutionRolePolicy",
        ] {
            assert_eq!(
                allows(n, "ecr:GetDownloadUrlForLayer", repo),
                Decision::Allow,
                "{n}"
            );
        }
        assert_eq!(
            allows("AmazonEKSWorkerNodePolicy", "ecr:BatchGetImage", repo),
            Decision::ImplicitDeny
        );
        assert_eq!(
            allows(
                "AmazonEKSWorkerNodePolicy",
                "eks-auth:AssumeRoleForPodIdentity",
                "*"
            ),
            Decision::Allow
        );
        assert_eq!(
            allows("AdministratorAccess", "iam:PassRole", "*"),
            Decision::Allow
        );
        assert_eq!(
            allows("PowerUserAccess", "iam:PassRole", "*"),
            Decision::ImplicitDeny
        );
        assert_eq!(
            allows("PowerUserAccess", "ecr:BatchGetImage", repo),
            Decision::Allow
        );
    }

    #[test]
    fn catch_all_names() {
        assert!(is_catch_all_managed("AdministratorAccess"));
        assert!(is_catch_all_managed("ElasticLoadBalancingFullAccess"));
        assert!(!is_catch_all_managed("AmazonEC2ContainerRegistryReadOnly"));
        let mut names = std::collections::HashSet::new();
        for p in MANAGED_POLICIES {
            assert!(names.insert(p.name), "duplicate {}", p.name);
        }
    }
}
