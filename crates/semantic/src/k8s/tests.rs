//! Unit tests of the Kubernetes join index.

use super::*;
use lint_engine::load::Limits;
use lint_engine::model::Model;
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

const APP: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec:
      containers: [{name: web, image: nginx}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: jobs}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: w, image: busybox}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations: {alb.ingress.kubernetes.io/target-type: ip}
spec:
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: web, port: {name: http}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: wrong-port
  annotations: {alb.ingress.kubernetes.io/target-type: ip}
spec:
  defaultBackend: {service: {name: web, port: {number: 81}}}
---
apiVersion: elbv2.k8s.aws/v1beta1
kind: TargetGroupBinding
metadata: {name: web}
spec:
  serviceRef: {name: web, port: 80}
  targetGroupARN: arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  maxUnavailable: 1
  selector:
    matchExpressions: [{key: tier, operator: In, values: [front]}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
"#;

#[test]
fn joins_within_namespace() {
    let out = load(&[("app/web.yaml", APP)]);
    let model = Model::build(&out.db);
    let ix = K8sIndex::build(&model, None);
    let obj = |kind: &str, name: &str| {
        model
            .k8s
            .iter()
            .position(|o| o.kind == kind && o.name == Some(name))
            .unwrap()
    };
    let web = ix.workload_of(obj("Deployment", "web")).unwrap();
    let worker = ix.workload_of(obj("Deployment", "worker")).unwrap();
    assert_eq!(ix.services_of(web), &[obj("Service", "web")]);
    assert!(ix.services_of(worker).is_empty(), "other namespace");
    let lbs = ix.lb_targets(web);
    let got: Vec<(usize, Via, TargetMode)> =
        lbs.iter().map(|(_, r)| (r.object, r.via, r.mode)).collect();
    assert_eq!(
        got,
        vec![
            (obj("Ingress", "web"), Via::Ingress, TargetMode::Ip),
            (
                obj("TargetGroupBinding", "web"),
                Via::TargetGroupBinding,
                TargetMode::Unknown
            ),
        ],
        "the Ingress on port 81 names no port of the Service"
    );
    assert_eq!(ix.pdbs_of(web), &[obj("PodDisruptionBudget", "web")]);
    assert_eq!(
        ix.pdb_targets(obj("PodDisruptionBudget", "web")),
        Some(&[web][..])
    );
    assert_eq!(
        ix.hpa_target(obj("HorizontalPodAutoscaler", "web")),
        Some(web)
    );
    assert_eq!(ix.min_replicas(&model, web).map(|x| x.0), Some(2));
    assert_eq!(ix.min_replicas(&model, worker), Some((1, None)));
}

#[test]
fn configured_default_namespace() {
    let out = load(&[("app/web.yaml", APP)]);
    let model = Model::build(&out.db);
    let ix = K8sIndex::build(&model, Some("jobs"));
    let web = model
        .k8s
        .iter()
        .position(|o| o.kind == "Deployment" && o.name == Some("web"))
        .unwrap();
    let worker = model
        .k8s
        .iter()
        .position(|o| o.name == Some("worker"))
        .unwrap();
    assert_eq!(ix.namespace(web), "jobs");
    let svc = model.k8s.iter().position(|o| o.kind == "Service").unwrap();
    assert_eq!(ix.services_of(ix.workload_of(worker).unwrap()), &[svc]);
}
