//! Fingerprints identify a finding by what it is about, not where it sits: inserting or
//! reordering containers, keys and documents keeps every fingerprint, so baselines and dismissed
//! code-scanning alerts survive edits.

mod support;

use std::collections::BTreeMap;

use support::*;

/// `(rule, message) → fingerprint` of a `--format json` run over `dir`.
fn fingerprints(dir: &std::path::Path) -> BTreeMap<(String, String), String> {
    let out = cutover(dir, &["check", "--format", "json", "."]);
    let v = json_of(&out);
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                (
                    f["rule_id"].as_str().unwrap_or_default().to_string(),
                    f["message"].as_str().unwrap_or_default().to_string(),
                ),
                f["fingerprint"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
  namespace: shop
spec:
  selector:
    matchLabels: {app: orders}
  template:
    metadata:
      labels: {app: orders}
    spec:
      containers:
        - name: api
          image: orders:1.0
          resources:
            limits: {cpu: 500m}
        - name: sidecar
          image: envoy:1.30
";

/// The same workload edited: a container inserted first, the two others swapped, keys of
/// `resources` reordered, and another document before it.
const EDITED: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: orders-config
data:
  a: b
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
  namespace: shop
spec:
  selector:
    matchLabels: {app: orders}
  template:
    metadata:
      labels: {app: orders}
    spec:
      containers:
        - name: migrate
          image: orders:1.0
          resources:
            requests: {cpu: 100m, memory: 64Mi}
        - name: sidecar
          image: envoy:1.30
        - image: orders:1.0
          name: api
          resources:
            limits: {cpu: 500m}
";

const TASKDEF: &str = r#"{
  "family": "orders",
  "containerDefinitions": [
    {"name": "api", "image": "orders:1.0", "essential": true},
    {"name": "log", "image": "fluent-bit:3", "essential": false}
  ]
}
"#;

const TASKDEF_EDITED: &str = r#"{
  "family": "orders",
  "containerDefinitions": [
    {"name": "log", "image": "fluent-bit:3", "essential": false},
    {"name": "init", "image": "orders:1.0", "essential": false, "stopTimeout": 10},
    {"essential": true, "image": "orders:1.0", "name": "api"}
  ]
}
"#;

#[test]
fn inserting_and_reordering_keeps_every_fingerprint() {
    let tmp = TempDir::new("fingerprints");
    tmp.write("cutover.toml", "");
    tmp.write("k8s/orders.yaml", DEPLOYMENT);
    tmp.write("ecs/orders.json", TASKDEF);
    let before = fingerprints(tmp.path());
    let keys: Vec<_> = before.keys().map(|(r, m)| format!("{r} {m}")).collect();
    assert_eq!(
        keys,
        [
            "ECS001 container `api` has no `stopTimeout`: SIGTERM then SIGKILL after 30 s",
            "K8S001 container `api` has no memory request",
            "K8S001 container `sidecar` has no CPU or memory request",
        ],
        "{keys:#?}"
    );
    tmp.write("k8s/orders.yaml", EDITED);
    tmp.write("ecs/orders.json", TASKDEF_EDITED);
    let after = fingerprints(tmp.path());
    for (k, fp) in &before {
        assert_eq!(after.get(k), Some(fp), "{k:?} changed: {after:#?}");
    }
    assert_eq!(after.len(), before.len(), "{after:#?}");
}
