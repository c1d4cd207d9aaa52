//! Cross-file joins hold within one git repository. Git cannot commit a `.git` directory, so
//! these scenarios are built here: two checkouts side by side (each with a `.git` marker, as
//! `git init` leaves), linted in one run, against the same files without the markers.

mod support;
use support::*;

const PLATFORM: &[(&str, &str)] = &[
    (
        "nodepool.yaml",
        "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: default}\nspec:\n  template:\n    spec:\n      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}\n      requirements:\n        - {key: karpenter.sh/capacity-type, operator: In, values: [spot, on-demand]}\n",
    ),
    (
        "ingress.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations: {alb.ingress.kubernetes.io/target-type: ip}\nspec:\n  defaultBackend: {service: {name: web, port: {number: 80}}}\n",
    ),
];

const APP: &[(&str, &str)] = &[(
    "web.yaml",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n          ports: [{containerPort: 80}]\n          readinessProbe: {httpGet: {path: /, port: 80}}\n          livenessProbe: {httpGet: {path: /, port: 80}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n",
)];

fn lint(with_git: bool) -> Vec<String> {
    let dir = TempDir::new(if with_git { "two-repos" } else { "one-root" });
    for (repo, files) in [("platform", PLATFORM), ("app", APP)] {
        for (name, text) in files {
            dir.write(&format!("{repo}/{name}"), text);
        }
        if with_git {
            std::fs::create_dir_all(dir.path().join(repo).join(".git")).expect("create .git");
        }
    }
    let out = cutover(dir.path(), &["check", "--format", "json", "."]);
    let only: Vec<String> = ["K8S001", "K8S002", "K8S008"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    finding_lines(&json_of(&out), &only)
}

#[test]
fn joins_stay_within_one_repository() {
    assert_eq!(
        lint(true),
        vec![
            "app/web.yaml:10:11-10:20 K8S001 warning container `web` has no CPU or memory request"
                .to_string()
        ],
        "the NodePool and the Ingress of the platform checkout do not reach the app checkout"
    );
}

#[test]
fn without_repositories_the_input_root_is_one_scope() {
    assert_eq!(
        lint(false),
        vec![
            "app/web.yaml:10:11-10:20 K8S001 error container `web` has no CPU or memory request",
            "app/web.yaml:10:11-10:20 K8S002 warning container `web` is an IP target of Ingress `web` but has no preStop sleep: it gets SIGTERM while the load balancer still sends it requests",
            "platform/ingress.yaml:5:56-5:58 K8S008 info load balancer Ingress `web` targets pod IPs in namespace `default`, whose Namespace manifest is not in the inputs: check that it has the `elbv2.k8s.aws/pod-readiness-gate-inject: enabled` label",
        ]
    );
}

/// Two checkouts, each with its cluster's Terraform and an Ingress on `extensions/v1beta1`
/// (removed in 1.22), and a third with manifests only: each is judged against its own cluster.
fn lint_versions(with_git: bool) -> Vec<String> {
    let dir = TempDir::new(if with_git {
        "versions-repos"
    } else {
        "versions-root"
    });
    let ingress = "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: web}\nspec:\n  backend: {serviceName: web, servicePort: 80}\n";
    let cluster = |v: &str| {
        format!("resource \"aws_eks_cluster\" \"main\" {{\n  name     = \"main\"\n  role_arn = \"arn:aws:iam::111122223333:role/eks\"\n  version  = \"{v}\"\n  vpc_config {{\n    subnet_ids = [\"subnet-0a\", \"subnet-0b\"]\n  }}\n}}\n")
    };
    dir.write("old/main.tf", &cluster("1.21"));
    dir.write("old/ingress.yaml", ingress);
    dir.write("new/main.tf", &cluster("1.29"));
    dir.write("new/ingress.yaml", ingress);
    dir.write("loose/ingress.yaml", ingress);
    if with_git {
        for repo in ["old", "new", "loose"] {
            std::fs::create_dir_all(dir.path().join(repo).join(".git")).expect("create .git");
        }
    }
    let out = cutover(dir.path(), &["check", "--format", "json", "."]);
    let only: Vec<String> = ["K8S005", "LINT000"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    finding_lines(&json_of(&out), &only)
}

#[test]
fn target_version_is_per_repository() {
    let lines = lint_versions(true);
    let want = [
        "loose/ingress.yaml:1:13-1:31 K8S005 warning `extensions/v1beta1` Ingress is removed in Kubernetes 1.22 (no target version known): use `networking.k8s.io/v1`",
        "new/ingress.yaml:1:13-1:31 K8S005 error `extensions/v1beta1` Ingress is removed in Kubernetes 1.22 (target 1.29)",
        "old/ingress.yaml:1:13-1:31 K8S005 warning `extensions/v1beta1` Ingress is deprecated since Kubernetes 1.14 (target 1.21)",
    ];
    assert_eq!(lines.len(), want.len(), "{lines:#?}");
    for (got, want) in lines.iter().zip(want) {
        assert!(
            got.starts_with(want),
            "{got}\n  does not start with\n{want}"
        );
    }
}

#[test]
fn without_repositories_every_manifest_takes_the_newest_cluster() {
    let lines = lint_versions(false);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains(" K8S005 error ") && l.contains("(target 1.29)")),
        "{lines:#?}"
    );
}
