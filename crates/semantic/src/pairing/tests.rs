//! Unit tests of the ECS ↔ Kubernetes pairing.

use super::*;
use lint_engine::config::{ParityOptions, ParityPair};
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

fn task_def(family: &str, containers: &[(&str, &str)]) -> String {
    let cs: Vec<String> = containers
        .iter()
        .map(|(n, i)| format!(r#"{{"name": "{n}", "image": "{i}", "essential": true}}"#))
        .collect();
    format!(
        r#"{{"family": "{family}", "containerDefinitions": [{}]}}"#,
        cs.join(", ")
    )
}

fn deployment(name: &str, annotation: Option<&str>, containers: &[(&str, &str)]) -> String {
    let ann = annotation.map_or(String::new(), |a| {
        format!("\n  annotations: {{cutover.dev/ecs-service: {a}}}")
    });
    let cs: Vec<String> = containers
        .iter()
        .map(|(n, i)| format!("{{name: {n}, image: \"{i}\"}}"))
        .collect();
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: shop{ann}\nspec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      containers: [{}]\n",
        cs.join(", ")
    )
}

type Summary = (
    String,
    String,
    PairMethod,
    Vec<(String, String, ContainerMethod)>,
);

/// (ECS display name, workload name, method, container pairs by name) of every pair.
fn pairs_of(files: &[(&str, &str)], opts: &ParityOptions) -> Vec<Summary> {
    let out = load(files);
    let model = Model::build(&out.db);
    let index = K8sIndex::build(&model, None);
    let p = build::build(&model, opts, &index);
    p.pairs
        .iter()
        .map(|pair| {
            let wl = pair.object(&model).and_then(|o| o.name).unwrap_or("?");
            let cs = pair
                .container_pairs(&model)
                .into_iter()
                .map(|(e, k, m)| (e.display_name(), k.display_name(), m))
                .collect();
            (
                pair.ecs.display_name(&model),
                wl.to_string(),
                pair.method,
                cs,
            )
        })
        .collect()
}

const IMG: &str = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/payments:1.2";
const IMG2: &str = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/payments:2.0";

#[test]
fn normalises_names() {
    assert_eq!(
        normalise_name("ecs-payments-service").as_deref(),
        Some("payments")
    );
    assert_eq!(
        normalise_name("payments-svc-prod").as_deref(),
        Some("payments")
    );
    assert_eq!(
        normalise_name("Payments_Prod_Service").as_deref(),
        Some("payments")
    );
    assert_eq!(normalise_name("payments").as_deref(), Some("payments"));
    // A name that is only a suffix stays itself.
    assert_eq!(normalise_name("service").as_deref(), Some("service"));
    assert_eq!(normalise_name("prod").as_deref(), Some("prod"));
    assert_eq!(normalise_name("  ").as_deref(), None);
}

#[test]
fn image_repository_ignores_tag_and_digest() {
    assert_eq!(image_repository(IMG), image_repository(IMG2));
    assert_eq!(
        image_repository("nginx:1.25").as_deref(),
        Some("docker.io/library/nginx")
    );
    assert_eq!(image_repository("${var.image}"), None);
}

#[test]
fn pairs_by_normalised_family_and_containers_by_name() {
    let td = task_def(
        "ecs-payments-prod",
        &[("app", IMG), ("xray", "amazon/aws-xray-daemon")],
    );
    let d = deployment(
        "payments",
        None,
        &[("xray", "amazon/aws-xray-daemon"), ("app", IMG2)],
    );
    let got = pairs_of(
        &[("td.json", &td), ("d.yaml", &d)],
        &ParityOptions::default(),
    );
    assert_eq!(
        got,
        vec![(
            "ecs-payments-prod".to_string(),
            "payments".to_string(),
            PairMethod::Name,
            vec![
                ("app".into(), "app".into(), ContainerMethod::Name),
                ("xray".into(), "xray".into(), ContainerMethod::Name)
            ]
        )]
    );
}

#[test]
fn pairs_by_unique_image_and_containers_by_image() {
    let td = task_def("billing", &[("main", IMG)]);
    let d = deployment("checkout", None, &[("web", IMG2)]);
    let got = pairs_of(
        &[("td.json", &td), ("d.yaml", &d)],
        &ParityOptions::default(),
    );
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].2, PairMethod::Image);
    assert_eq!(
        got[0].3,
        vec![("main".into(), "web".into(), ContainerMethod::Image)]
    );
}

#[test]
fn two_workloads_sharing_an_image_do_not_pair() {
    let td = task_def("billing", &[("main", IMG)]);
    let a = deployment("checkout", None, &[("web", IMG)]);
    let b = deployment("checkout-canary", None, &[("web", IMG2)]);
    let out = load(&[("td.json", &td), ("a.yaml", &a), ("b.yaml", &b)]);
    let model = Model::build(&out.db);
    let index = K8sIndex::build(&model, None);
    let p = build::build(&model, &ParityOptions::default(), &index);
    assert!(p.pairs.is_empty());
    assert_eq!(p.unpaired_ecs, vec![EcsSide::TaskDef { task_def: 0 }]);
    assert_eq!(p.unpaired_k8s, vec![0, 1]);
}

#[test]
fn annotation_wins_over_name_and_config_over_annotation() {
    let td = task_def("payments", &[("app", IMG)]);
    let other = task_def("orders", &[("app", "nginx")]);
    let a = deployment("payments", Some("orders"), &[("app", "nginx")]);
    let b = deployment("ledger", None, &[("app", IMG)]);
    let files = [
        ("td.json", td.as_str()),
        ("o.json", &other),
        ("a.yaml", &a),
        ("b.yaml", &b),
    ];
    let got = pairs_of(&files, &ParityOptions::default());
    let summary: Vec<(String, String, PairMethod)> =
        got.into_iter().map(|(e, w, m, _)| (e, w, m)).collect();
    assert_eq!(
        summary,
        vec![
            ("payments".into(), "ledger".into(), PairMethod::Image),
            ("orders".into(), "payments".into(), PairMethod::Annotation),
        ]
    );
    let opts = ParityOptions {
        pairs: vec![ParityPair {
            ecs: "payments".into(),
            k8s: "Deployment/shop/payments".into(),
        }],
        ..ParityOptions::default()
    };
    let got = pairs_of(&files, &opts);
    let summary: Vec<(String, String, PairMethod)> =
        got.into_iter().map(|(e, w, m, _)| (e, w, m)).collect();
    assert_eq!(
        summary,
        vec![("payments".into(), "payments".into(), PairMethod::Config)]
    );
}

#[test]
fn unknown_config_pair_is_reported() {
    let td = task_def("payments", &[("app", IMG)]);
    let out = load(&[("td.json", &td)]);
    let model = Model::build(&out.db);
    let index = K8sIndex::build(&model, None);
    let opts = ParityOptions {
        pairs: vec![ParityPair {
            ecs: "payments".into(),
            k8s: "Deployment/shop/nope".into(),
        }],
        ..ParityOptions::default()
    };
    let p = build::build(&model, &opts, &index);
    assert_eq!(
        p.unmatched_config,
        vec![(0, "no workload `Deployment/shop/nope`".to_string())]
    );
}

#[test]
fn terraform_service_pairs_by_service_name() {
    let tf = r#"{"resource": {
      "aws_ecs_task_definition": {"t": {"family": "pay-td", "container_definitions": "[{\"name\": \"app\", \"image\": \"nginx\"}]"}},
      "aws_ecs_service": {"s": {"name": "payments-service", "desired_count": 2, "task_definition": "${aws_ecs_task_definition.t.arn}"}}
    }}"#;
    let d = deployment("payments", None, &[("web", "busybox")]);
    let got = pairs_of(
        &[("main.tf.json", tf), ("d.yaml", &d)],
        &ParityOptions::default(),
    );
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "payments-service");
    assert_eq!(got[0].2, PairMethod::Name);
    assert_eq!(
        got[0].3,
        vec![("app".into(), "web".into(), ContainerMethod::Only)]
    );
}

#[test]
fn official_docker_hub_images_do_not_pair_services() {
    let td = task_def("api", &[("api", "nginx:1.27")]);
    let d = deployment("web", None, &[("web", "nginx:1.27")]);
    assert!(pairs_of(
        &[("td.json", &td), ("d.yaml", &d)],
        &ParityOptions::default()
    )
    .is_empty());
}

#[test]
fn pairs_are_found_by_workload_and_by_ecs_side() {
    let tds = [
        task_def(
            "payments",
            &[(
                "app",
                "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments:1",
            )],
        ),
        task_def(
            "orders",
            &[(
                "app",
                "111111111111.dkr.ecr.eu-west-1.amazonaws.com/orders:1",
            )],
        ),
    ];
    let ds = [
        deployment(
            "orders",
            None,
            &[(
                "app",
                "111111111111.dkr.ecr.eu-west-1.amazonaws.com/orders:2",
            )],
        ),
        deployment(
            "search",
            None,
            &[(
                "app",
                "111111111111.dkr.ecr.eu-west-1.amazonaws.com/search:2",
            )],
        ),
        deployment(
            "payments",
            None,
            &[(
                "app",
                "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments:2",
            )],
        ),
    ];
    let out = load(&[
        ("a.json", &tds[0]),
        ("b.json", &tds[1]),
        ("c.yaml", &ds[0]),
        ("d.yaml", &ds[1]),
        ("e.yaml", &ds[2]),
    ]);
    let model = Model::build(&out.db);
    let index = K8sIndex::build(&model, None);
    let p = build::build(&model, &ParityOptions::default(), &index);
    let name = |w: usize| {
        model.k8s[model.workloads[w].object]
            .name
            .unwrap_or("?")
            .to_string()
    };
    let family = |pair: &Pair| pair.ecs.display_name(&model);
    // Workloads in input order: orders, search, payments.
    assert_eq!(p.pair_of_workload(0).map(family).as_deref(), Some("orders"));
    assert_eq!(p.pair_of_workload(1).map(family), None);
    assert_eq!(
        p.pair_of_workload(2).map(family).as_deref(),
        Some("payments")
    );
    assert_eq!(p.pair_of_workload(3).map(family), None);
    for (td, wl) in [(0, "payments"), (1, "orders")] {
        let pair = p.pair_of_ecs(&EcsSide::TaskDef { task_def: td }).unwrap();
        assert_eq!(name(pair.k8s), wl);
    }
    assert!(p.pair_of_ecs(&EcsSide::TaskDef { task_def: 2 }).is_none());
}
