//! Unit tests of the IAM index.

use super::*;
use crate::iam::policy::{evaluate, Decision, PrincipalRef, Request};
use lint_engine::config::Config;
use lint_engine::load::Limits;
use lint_engine::runner::{load_all, LoadOutcome, MemoryInput};

fn load(files: &[(&str, &str)]) -> LoadOutcome {
    let mem = files
        .iter()
        .map(|(p, t)| MemoryInput {
            path: (*p).into(),
            bytes: t.as_bytes().to_vec(),
        })
        .collect();
    let out = load_all(&[], mem, &Limits::default());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    out
}

fn allows(ix: &IamIndex<'_, '_>, role: usize, action: &str, resource: &str) -> Decision {
    evaluate(
        &ix.roles[role].policy_refs(),
        &Request {
            action,
            resource,
            principal: None,
        },
    )
    .decision
}

const ROLES: &str = r#"{
  "provider": {"aws": {"region": "eu-west-1", "allowed_account_ids": ["222233334444"]}},
  "resource": {
    "aws_iam_role": {
      "exec": {"name": "exec", "assume_role_policy": "${data.aws_iam_policy_document.trust.json}",
               "inline_policy": {"name": "logs", "policy": "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"logs:*\",\"Resource\":\"*\"}]}"},
               "managed_policy_arns": ["${aws_iam_policy.pull.arn}"]},
      "node": {"name": "node", "assume_role_policy": "{}"}
    },
    "aws_iam_policy": {
      "pull": {"name": "pull", "policy": "${data.aws_iam_policy_document.pull.json}"},
      "deny": {"name": "deny-all-ecr", "policy": "{\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"ecr:*\",\"Resource\":\"*\"}}"}
    },
    "aws_iam_role_policy_attachment": {
      "node_ro": {"role": "node", "policy_arn": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"},
      "node_cust": {"role": "${aws_iam_role.node.name}", "policy_arn": "arn:aws:iam::222233334444:policy/deny-all-ecr"},
      "node_dyn": {"role": "node", "policy_arn": "${data.aws_iam_policy.ssm.arn}"}
    }
  },
  "data": {
    "aws_iam_policy": {"ssm": {"name": "AmazonSSMManagedInstanceCore"}},
    "aws_iam_policy_document": {
      "trust": {"statement": {"actions": ["sts:AssumeRole"],
                "principals": {"type": "Service", "identifiers": ["ecs-tasks.amazonaws.com"]}}},
      "base": {"statement": {"actions": ["ecr:GetAuthorizationToken"], "resources": ["*"]}},
      "pull": {"source_policy_documents": ["${data.aws_iam_policy_document.base.json}"],
               "statement": {"actions": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                             "resources": ["arn:aws:ecr:*:111122223333:repository/*"]}}
    }
  }
}"#;

#[test]
fn roles_and_their_policies() {
    let out = load(&[("b/iam.tf.json", ROLES)]);
    let model = Model::build(&out.db);
    let ix = IamIndex::build(&model, &Config::default());
    assert_eq!(ix.roles.len(), 2);
    let exec = ix
        .role_by_literal("arn:aws:iam::222233334444:role/exec", None)
        .unwrap();
    let node = ix.role_by_literal("node", Some("222233334444")).unwrap();
    assert_eq!(ix.roles[exec].name.as_deref(), Some("exec"));
    assert_eq!(
        ix.roles[exec].account.as_ref().map(|a| a.0.as_str()),
        Some("222233334444")
    );
    assert_eq!(
        ix.roles[exec].arn_or_built().as_deref(),
        Some("arn:aws:iam::222233334444:role/exec")
    );
    // Inline policy, and a customer policy built from a data source with a source document.
    assert_eq!(ix.roles[exec].policies.len(), 2);
    let repo = "arn:aws:ecr:eu-west-1:111122223333:repository/app";
    assert_eq!(allows(&ix, exec, "logs:PutLogEvents", "*"), Decision::Allow);
    assert_eq!(
        allows(&ix, exec, "ecr:BatchGetImage", repo),
        Decision::Allow
    );
    assert_eq!(
        allows(&ix, exec, "ecr:GetAuthorizationToken", "*"),
        Decision::Allow
    );
    assert_eq!(
        allows(&ix, exec, "s3:GetObject", "*"),
        Decision::ImplicitDeny
    );
    // Trust from a data source.
    let trust = ix.roles[exec].trust.as_ref().unwrap();
    let who = PrincipalRef::Service("ecs-tasks.amazonaws.com".into());
    let ev = evaluate(
        &[trust],
        &Request {
            action: "sts:AssumeRole",
            resource: "*",
            principal: Some(&who),
        },
    );
    assert_eq!(ev.decision, Decision::Allow);
    // Node: managed ReadOnly by literal role name, a customer Deny by ARN, and an unknown
    // managed policy through a data source.
    let pols = &ix.roles[node].policies;
    assert_eq!(pols.len(), 3);
    assert_eq!(
        pols[0].managed.as_deref(),
        Some("AmazonEC2ContainerRegistryReadOnly")
    );
    assert_eq!(pols[1].what, "`aws_iam_policy.deny`");
    assert_eq!(
        pols[2].managed.as_deref(),
        Some("AmazonSSMManagedInstanceCore")
    );
    assert!(!pols[2].is_known());
    assert_eq!(allows(&ix, node, "ecr:BatchGetImage", repo), Decision::Deny);
    assert_eq!(allows(&ix, node, "s3:GetObject", "*"), Decision::Unknown);
}

#[test]
fn repositories_service_accounts_and_pullers() {
    let ecr = r#"{"provider": {"aws": {"region": "eu-west-1"}},
      "resource": {
        "aws_ecr_repository": {"app": {"name": "team/app"}},
        "aws_ecr_repository_policy": {
          "app": {"repository": "${aws_ecr_repository.app.name}",
                  "policy": "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"222233334444\"},\"Action\":\"ecr:BatchGetImage\"}]}"},
          "orphan": {"repository": "team/other", "policy": "{\"Statement\":[]}"}
        }
      }}"#;
    let eks = r#"{"resource": {
        "aws_iam_role": {"node": {"name": "node"}, "fargate": {"name": "fargate"}, "app": {"name": "app"}},
        "aws_eks_node_group": {"ng": {"node_role_arn": "${aws_iam_role.node.arn}"}},
        "aws_eks_fargate_profile": {"fp": {"pod_execution_role_arn": "${aws_iam_role.fargate.arn}",
          "selector": [{"namespace": "batch", "labels": {"tier": "jobs"}}]}},
        "aws_eks_pod_identity_association": {"a": {"namespace": "shop", "service_account": "cart",
          "role_arn": "${aws_iam_role.app.arn}"}}
      }}"#;
    let sa = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n  namespace: shop\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::222233334444:role/app\n";
    let out = load(&[
        ("a/ecr.tf.json", ecr),
        ("b/eks.tf.json", eks),
        ("k8s/sa.yaml", sa),
    ]);
    let model = Model::build(&out.db);
    let mut config = Config::default();
    config
        .accounts
        .paths
        .insert("a/**".into(), "111122223333".into());
    let ix = IamIndex::build(&model, &config);
    let r = ix
        .find_repo("111122223333", "eu-west-1", "team/app")
        .unwrap();
    assert_eq!(ix.repos[r].region.as_deref(), Some("eu-west-1"));
    assert_eq!(
        ix.repos[r].account.as_ref().map(|a| a.1),
        Some(AccountSource::ConfigMap)
    );
    assert!(ix.repos[r].policy.is_some());
    assert!(ix
        .find_repo("999999999999", "eu-west-1", "team/app")
        .is_none());
    assert!(ix
        .find_repo("111122223333", "us-east-1", "team/app")
        .is_none());
    // A policy for a repository that is not itself in the inputs.
    let o = ix
        .find_repo("111122223333", "eu-west-1", "team/other")
        .unwrap();
    assert!(ix.repos[o].repo.is_none());
    // ServiceAccount identities: IRSA annotation and Pod Identity.
    let web = ix.sa_identities("shop", "web");
    assert_eq!(web.len(), 1);
    assert!(matches!(web[0], SaIdentity::Irsa { role: Some(_), .. }));
    let cart = ix.sa_identities("shop", "cart");
    assert!(matches!(
        cart[0],
        SaIdentity::PodIdentity { role: Some(_), .. }
    ));
    assert!(ix.sa_identities("shop", "default").is_empty());
    // Pullers: Fargate profile by namespace and labels, else node roles.
    let jobs = ix.pullers_for_pod("batch", &[("tier".into(), "jobs".into())]);
    assert_eq!(jobs.len(), 1);
    assert!(jobs[0].fargate);
    let web = ix.pullers_for_pod("batch", &[]);
    assert_eq!(web.len(), 1);
    assert!(!web[0].fargate);
    assert_eq!(
        web[0]
            .role
            .map(|r| ix.roles[r].name.clone().unwrap_or_default()),
        Some("node".to_string())
    );
}

#[test]
fn workload_accounts() {
    let out = load(&[
        (
            "envs/prod/task.json",
            r#"{"family":"a","containerDefinitions":[]}"#,
        ),
        (
            "other/task.json",
            r#"{"family":"b","containerDefinitions":[]}"#,
        ),
    ]);
    let model = Model::build(&out.db);
    let mut config = Config::default();
    config
        .accounts
        .workspaces
        .insert("prod".into(), "333344445555".into());
    let ix = IamIndex::build(&model, &config);
    let a = ix
        .accounts
        .workload_account(&model, FileId(0), &[])
        .unwrap();
    assert_eq!(a, ("333344445555".to_string(), AccountSource::ConfigMap));
    assert!(ix
        .accounts
        .workload_account(&model, FileId(1), &[])
        .is_none());
    let b = ix
        .accounts
        .workload_account(&model, FileId(1), &["arn:aws:iam::222233334444:role/x"])
        .unwrap();
    assert_eq!(b, ("222233334444".to_string(), AccountSource::RoleArn));
    config.accounts.workload_account_id = Some("444455556666".into());
    let ix = IamIndex::build(&model, &config);
    let c = ix
        .accounts
        .workload_account(&model, FileId(1), &["arn:aws:iam::222233334444:role/x"])
        .unwrap();
    assert_eq!(
        c,
        ("444455556666".to_string(), AccountSource::ConfigWorkload)
    );
}
