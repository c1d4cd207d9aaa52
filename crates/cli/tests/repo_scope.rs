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
