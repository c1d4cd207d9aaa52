//! Unit tests of the live checks (no AWS calls).

use super::*;
use crate::aws::{parse_policy, LivePolicy};

fn request() -> Json {
    json!({
        "protocol": 1,
        "rules": ["IAM001", "IAM002"],
        "files": [
            {"path": "eks.tf.json", "kind": "tfjson", "documents": [{"index": 0, "value": {"resource": {
                "aws_eks_node_group": {"main": {"node_role_arn": "arn:aws:iam::222233334444:role/nodes"}},
                "aws_eks_fargate_profile": {"fp": {"pod_execution_role_arn": "arn:aws:iam::222233334444:role/fargate"}},
                "aws_eks_pod_identity_association": {
                    "a": {"namespace": "shop", "service_account": "cart", "role_arn": "arn:aws:iam::222233334444:role/cart"},
                    "b": {"namespace": "shop", "service_account": "x", "role_arn": "${aws_iam_role.x.arn}"}
                }
            }}}]},
            {"path": "k8s.yaml", "kind": "k8s", "documents": [
                {"index": 0, "value": {"kind": "ServiceAccount", "metadata": {"name": "web", "namespace": "shop",
                    "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::222233334444:role/web"}}}},
                {"index": 1, "value": {"kind": "Deployment", "spec": {"template": {"spec": {"containers": [
                    {"name": "web", "image": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/web:1"}]}}}}}
            ]}
        ],
        "model": {
            "task_definitions": [],
            "k8s_objects": [
                {"file": "k8s.yaml", "document": 0, "pointer": "", "kind": "ServiceAccount", "name": "web", "namespace": "shop"}
            ],
            "workloads": [
                {"file": "k8s.yaml", "document": 1, "pointer": "", "kind": "Deployment",
                 "containers": [{"name": "web", "pointer": "/spec/template/spec/containers/0", "init": false}]}
            ],
            "terraform_resources": [
                {"file": "eks.tf.json", "document": 0, "pointer": "/resource/aws_eks_node_group/main", "type": "aws_eks_node_group"},
                {"file": "eks.tf.json", "document": 0, "pointer": "/resource/aws_eks_fargate_profile/fp", "type": "aws_eks_fargate_profile"},
                {"file": "eks.tf.json", "document": 0, "pointer": "/resource/aws_eks_pod_identity_association/a", "type": "aws_eks_pod_identity_association"},
                {"file": "eks.tf.json", "document": 0, "pointer": "/resource/aws_eks_pod_identity_association/b", "type": "aws_eks_pod_identity_association"}
            ]
        }
    })
}

#[test]
fn references_from_the_model() {
    let refs = collect(&request(), &Options::default());
    let roles: Vec<String> = refs
        .roles
        .iter()
        .map(|r| format!("{} {} {:?}", r.loc.pointer, r.arn, r.used_as))
        .collect();
    assert_eq!(
        roles,
        [
            "/metadata/annotations/eks.amazonaws.com~1role-arn arn:aws:iam::222233334444:role/web Irsa(\"shop\", \"web\")",
            "/resource/aws_eks_node_group/main/node_role_arn arn:aws:iam::222233334444:role/nodes Node",
            "/resource/aws_eks_fargate_profile/fp/pod_execution_role_arn arn:aws:iam::222233334444:role/fargate FargatePod",
            "/resource/aws_eks_pod_identity_association/a/role_arn arn:aws:iam::222233334444:role/cart PodIdentity(\"shop\", \"cart\")",
        ]
    );
    // The kubelet pulls with the node role (not the IRSA role).
    assert_eq!(refs.images.len(), 1);
    assert_eq!(
        refs.images[0].loc.pointer,
        "/spec/template/spec/containers/0/image"
    );
    assert_eq!(
        refs.images[0].puller,
        Some((
            "arn:aws:iam::222233334444:role/nodes".to_string(),
            "node role"
        ))
    );
    // The option wins.
    let opts = Options {
        node_role_arn: Some("arn:aws:iam::222233334444:role/other".into()),
        ..Options::default()
    };
    let refs = collect(&request(), &opts);
    assert_eq!(
        refs.images[0].puller,
        Some((
            "arn:aws:iam::222233334444:role/other".to_string(),
            "node role"
        ))
    );
}

/// Which pulls the live IAM002 models, and why the others are left to the built-in rule.
#[test]
fn pulls_the_live_check_models() {
    // The request has a Fargate profile: it may select the pod.
    let refs = collect(&request(), &Options::default());
    assert_eq!(
        refs.images[0].unmodelled,
        Some("a Fargate profile may select the pod: its pod execution role would pull")
    );
    // Without it, the one node group's literal role is the puller.
    let mut req = request();
    req["model"]["terraform_resources"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["type"] != "aws_eks_fargate_profile");
    let refs = collect(&req, &Options::default());
    assert_eq!(refs.images[0].unmodelled, None);
    assert!(!refs.pull_through_cache("web"));
    // A second node group with another role: the pod's puller is ambiguous.
    req["files"][0]["documents"][0]["value"]["resource"]["aws_eks_node_group"]["gpu"] =
        json!({"node_role_arn": "arn:aws:iam::222233334444:role/gpu"});
    req["model"]["terraform_resources"]
        .as_array_mut()
        .unwrap()
        .push(json!({"file": "eks.tf.json", "document": 0, "pointer": "/resource/aws_eks_node_group/gpu", "type": "aws_eks_node_group"}));
    let refs = collect(&req, &Options::default());
    assert_eq!(
        refs.images[0].unmodelled,
        Some("the node groups have different or non-literal node roles")
    );
    // … unless `node-role-arn` names the puller.
    let opts = Options {
        node_role_arn: Some("arn:aws:iam::222233334444:role/nodes".into()),
        ..Options::default()
    };
    assert_eq!(collect(&req, &opts).images[0].unmodelled, None);

    // ECS: Fargate (or no `requiresCompatibilities`) with a literal execution role only.
    let td = |body: Json| {
        json!({
            "protocol": 1,
            "files": [{"path": "td.json", "kind": "taskdef", "documents": [{"index": 0, "value": body}]}],
            "model": {"task_definitions": [{"file": "td.json", "document": 0, "pointer": "",
                "containers": [{"name": "a", "pointer": "/containerDefinitions/0"}]}],
                "terraform_resources": [{"file": "td.json", "document": 0, "pointer": "/ptc", "type": "aws_ecr_pull_through_cache_rule"}]}
        })
    };
    let image =
        json!([{"name": "a", "image": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/hub/nginx:1"}]);
    let exec = "arn:aws:iam::222233334444:role/exec";
    let why = |body: Json| collect(&td(body), &Options::default()).images[0].unmodelled;
    assert_eq!(
        why(
            json!({"requiresCompatibilities": ["FARGATE", "EC2"], "executionRoleArn": exec, "containerDefinitions": image, "ptc": {"ecr_repository_prefix": "hub"}})
        ),
        None
    );
    assert_eq!(
        why(
            json!({"requiresCompatibilities": ["EC2"], "executionRoleArn": exec, "containerDefinitions": image, "ptc": {}})
        ),
        Some("the task runs on EC2: the container instance role pulls its images")
    );
    assert_eq!(
        why(
            json!({"executionRoleArn": "${aws_iam_role.exec.arn}", "containerDefinitions": image, "ptc": {}})
        ),
        Some("the execution role is not a literal role ARN")
    );
    // Pull-through cache prefixes: `hub/nginx` is under `hub`, not under `hu`; a prefix
    // that is an expression may cover anything.
    let prefix = |p: Json| {
        collect(
            &td(json!({"executionRoleArn": exec, "containerDefinitions": image, "ptc": {"ecr_repository_prefix": p}})),
            &Options::default(),
        )
        .pull_through_cache("hub/nginx")
    };
    assert!(prefix(json!("hub")));
    assert!(!prefix(json!("hu")));
    assert!(prefix(json!("ROOT")));
    assert!(prefix(json!("${var.prefix}")));
}

#[test]
fn catch_all_permissions() {
    let role = |docs: &[(&str, Option<&str>)]| LiveRole {
        arn: "arn:aws:iam::1:role/r".into(),
        trust: None,
        policies: docs
            .iter()
            .map(|(d, m)| LivePolicy {
                what: "p".into(),
                aws_managed: m.map(str::to_string),
                policy: parse_policy(d).unwrap(),
            })
            .collect(),
        fetched_at: String::new(),
    };
    let what = |r: &LiveRole| -> Vec<String> { catch_all(r).into_iter().map(|(_, w)| w).collect() };
    assert_eq!(
        what(&role(&[(
            r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
            None
        )])),
        ["allows every action (`*`) on `*`"]
    );
    assert_eq!(
        what(&role(&[(
            r#"{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#,
            None
        )])),
        ["allows every action except a few (`NotAction`) on `*`"]
    );
    assert_eq!(
        what(&role(&[(
            r#"{"Statement":[{"Effect":"Allow","Action":"iam:Pass*","Resource":"*"}]}"#,
            None
        )])),
        ["allows `iam:PassRole` (through `iam:Pass*`) on `*`"]
    );
    assert_eq!(
        what(&role(&[(
            r#"{"Statement":[]}"#,
            Some("AdministratorAccess")
        )])),
        ["has the AWS managed policy `AdministratorAccess` attached"]
    );
    // Scoped, denied or on one resource: nothing.
    assert!(what(&role(&[
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
            None
        ),
        (
            r#"{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#,
            None
        ),
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}"#,
            None
        ),
    ]))
    .is_empty());
}
