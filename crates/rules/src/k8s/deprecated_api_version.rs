use cutover_semantic::k8s::K8sIndex;
use lint_engine::declare_rule;
use lint_engine::model::K8sObject;
use lint_engine::{Label, Rule, RuleContext, Severity};

use super::target_version::{show, K8sTargetVersion, Target, Version};

mod changes;
pub mod pluto;

pub use changes::field_changes;

declare_rule! {
    /// ## What it does
    /// Flags Kubernetes manifests written against an API version that the target cluster no
    /// longer serves, or that it has deprecated. The table of deprecated and removed API
    /// versions is generated from Pluto's `versions.yaml` (component `k8s`); the message names
    /// the replacement API and the field changes the move needs (an Ingress's `serviceName` →
    /// `service.name`, `servicePort` → `service.port.number`, a required `pathType`, …).
    ///
    /// **Target version.** `k8s.target-version` in `cutover.toml`, else the version of the EKS
    /// clusters in the Terraform inputs: `aws_eks_cluster.version` and the
    /// `terraform-aws-modules/eks` module's `kubernetes_version` (v21 of the module) or
    /// `cluster_version` (before), evaluated through variables, tfvars and locals. With several
    /// clusters, an API is judged against the newest (a manifest must apply on every cluster, and
    /// the newest removes the most), and a replacement against the oldest (it must already be
    /// served there). Clusters count within the manifest's own git repository: when the inputs
    /// span several checkouts, each manifest is judged against the clusters of its repository
    /// (files outside any repository form one). A cluster version that cannot be evaluated is
    /// skipped and reported by LINT000, and so is a manifest on a listed API with no target
    /// version at all.
    ///
    /// **Severity** (Pluto's semantics):
    /// - **error**: the API is removed in the target version;
    /// - **warning**: it is deprecated in the target version, or, with no target version at
    ///   all, it is removed in some Kubernetes release (the message says which; set
    ///   `k8s.target-version` to judge it);
    /// - **info**: deprecated, but its replacement is not served yet by the (oldest) target
    ///   version, so the move has to wait for the upgrade.
    ///
    /// Two more entries that are not in Pluto's table:
    /// - `external-secrets.io/v1beta1` (External Secrets Operator): warning, not served from ESO
    ///   v0.17.0, whatever the Kubernetes version;
    /// - the annotation `kubernetes.io/ingress.class` on an Ingress: info, superseded by
    ///   `spec.ingressClassName`, at the annotation key. The note says whether an `IngressClass`
    ///   of that name is in the inputs: without one, the load balancer controller rejects the
    ///   Ingress after the switch.
    ///
    /// Karpenter's API versions are K8S006's. Custom resources that reuse a group name of the
    /// table with their own kinds are not matched (the lookup is by apiVersion and kind), the
    /// items of a `List` are judged one by one, and unrendered Helm templates (with their
    /// `.Capabilities` conditionals) are not linted: render them first.
    ///
    /// ## Why it matters
    /// The move to EKS is usually also a move to a current Kubernetes version. A manifest on a
    /// removed API version is rejected by the API server: the deploy fails at cutover time, and
    /// a Helm release that contains it cannot even be upgraded or rolled back cleanly.
    ///
    /// ## Example
    /// ```yaml,expect_finding
    /// apiVersion: networking.k8s.io/v1beta1
    /// kind: Ingress
    /// metadata: {name: web}
    /// spec:
    ///   rules:
    ///     - http:
    ///         paths:
    ///           - path: /
    ///             backend: {serviceName: web, servicePort: 80}
    /// ```
    ///
    /// No finding: the current API.
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata: {name: web}
    /// spec:
    ///   maxUnavailable: 1
    ///   selector: {matchLabels: {app: web}}
    /// ```
    ///
    /// ## How to fix
    /// Move the manifest to the replacement API and apply the field changes the message lists,
    /// for example:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata: {name: web}
    /// spec:
    ///   ingressClassName: alb
    ///   rules:
    ///     - http:
    ///         paths:
    ///           - path: /
    ///             pathType: Prefix
    ///             backend: {service: {name: web, port: {number: 80}}}
    /// ```
    ///
    /// ## References
    /// - Kubernetes deprecated API migration guide:
    ///   <https://kubernetes.io/docs/reference/using-api/deprecation-guide/>
    /// - Pluto: <https://github.com/FairwindsOps/pluto>
    /// - External Secrets Operator v0.17.0 release notes:
    ///   <https://github.com/external-secrets/external-secrets/releases/tag/v0.17.0>
    /// - AWS Load Balancer Controller, IngressClass:
    ///   <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/ingress_class/>
    pub DeprecatedApiVersion {
        id: "K8S005",
        name: "deprecated-api-version",
        severity: Warning,
        summary: "manifest on a Kubernetes API version the target cluster removed or deprecated",
        inputs: [K8s],
        cross_file: true,
        security: false,
    }
}

/// One row of the generated table (`pluto.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub deprecated_in: Option<Version>,
    pub removed_in: Option<Version>,
    pub replacement: Option<&'static str>,
    pub replacement_available_in: Option<Version>,
}

/// The table entry of an object, if its API version is deprecated or removed.
pub fn lookup(api_version: &str, kind: &str) -> Option<&'static Entry> {
    pluto::ENTRIES
        .iter()
        .find(|e| e.api_version == api_version && e.kind == kind)
}

/// How an entry stands against the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Removed(Version),
    Deprecated(Version),
    /// Deprecated, but the replacement is only served from this version.
    ReplacementLater(Version),
    /// No target version: removed in this release.
    RemovedSomewhere(Version),
    /// Not (yet) deprecated for the target, or never removed and no target known.
    Fine,
}

pub fn status(e: &Entry, target: Option<&Target>) -> Status {
    let Some(t) = target else {
        return e.removed_in.map_or(Status::Fine, Status::RemovedSomewhere);
    };
    if let Some(r) = e.removed_in.filter(|r| *r <= t.newest) {
        return Status::Removed(r);
    }
    let Some(d) = e.deprecated_in.filter(|d| *d <= t.newest) else {
        return Status::Fine;
    };
    match e.replacement_available_in {
        Some(a) if a > t.oldest => Status::ReplacementLater(a),
        _ => Status::Deprecated(d),
    }
}

/// The annotation superseded by `spec.ingressClassName`.
const INGRESS_CLASS_ANNOTATION: &str = "kubernetes.io/ingress.class";

impl Rule for DeprecatedApiVersion {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let versions = cx.shared::<K8sTargetVersion>();
        let ix = cx.shared::<K8sIndex>();
        for (i, obj) in cx.model.k8s.iter().enumerate() {
            if let Some(e) = lookup(obj.api_version, obj.kind) {
                // The clusters of the manifest's own repository set its target.
                let here = |f: lint_engine::FileId| ix.same_repo_file(i, f);
                let target = versions.target_where(here);
                let unknown = versions.unknown.iter().filter(|u| here(u.file)).count();
                report_entry(cx, obj, e, target.as_ref(), unknown);
            } else if obj.api_version == "external-secrets.io/v1beta1" {
                let Some(at) = api_version_span(obj) else {
                    continue;
                };
                let f = cx
                    .finding(
                        obj.file,
                        at,
                        format!(
                            "`external-secrets.io/v1beta1` {} is not served from External Secrets Operator v0.17.0: use `external-secrets.io/v1`",
                            obj.kind
                        ),
                    )
                    .with_help("change `apiVersion` to `external-secrets.io/v1` (the fields are unchanged) before upgrading the operator past v0.16")
                    .with_logical(format!("{}/apiVersion", obj.logical()));
                cx.emit(f);
            }
            if obj.kind == "Ingress" {
                ingress_class_annotation(cx, obj);
            }
        }
    }
}

fn api_version_span(obj: &K8sObject<'_>) -> Option<lint_engine::Span> {
    obj.node.member("apiVersion").map(|m| m.value.span)
}

fn report_entry(
    cx: &mut RuleContext<'_, '_>,
    obj: &K8sObject<'_>,
    e: &Entry,
    target: Option<&Target>,
    unknown_clusters: usize,
) {
    let st = status(e, target);
    let Some(at) = api_version_span(obj) else {
        return;
    };
    let what = format!("`{}` {}", e.api_version, e.kind);
    let on = |v: Version| match target {
        Some(t) => format!("Kubernetes {} (target {})", show(v), show(t.newest)),
        None => format!("Kubernetes {}", show(v)),
    };
    let (severity, head) = match st {
        Status::Fine => return,
        Status::Removed(r) => (Severity::Error, format!("{what} is removed in {}", on(r))),
        Status::Deprecated(d) => {
            let until = e
                .removed_in
                .map(|r| format!(", removed in {}", show(r)))
                .unwrap_or_default();
            (
                Severity::Warning,
                format!("{what} is deprecated since {}{until}", on(d)),
            )
        }
        Status::ReplacementLater(a) => (
            Severity::Info,
            format!(
                "{what} is deprecated, but its replacement is only served from Kubernetes {}",
                show(a)
            ),
        ),
        Status::RemovedSomewhere(r) => (
            Severity::Warning,
            format!(
                "{what} is removed in Kubernetes {} (no target version known)",
                show(r)
            ),
        ),
    };
    let replacement = match e.replacement {
        Some(r) => match field_changes(e.kind, e.api_version) {
            Some(c) => format!(": use `{r}`; what the move changes: {c}"),
            None => format!(": use `{r}`"),
        },
        None => ": it has no replacement API".to_string(),
    };
    let mut f = cx
        .finding(obj.file, at, format!("{head}{replacement}"))
        .with_severity(severity)
        .with_logical(format!("{}/apiVersion", obj.logical()));
    f = match target {
        Some(t) => {
            let f = f.with_note(format!("target version from {}", t.source));
            match t.at {
                Some((file, span)) => f.with_related(Label::new(
                    file,
                    span,
                    format!("target Kubernetes version {}", show(t.newest)),
                )),
                None => f,
            }
        }
        None => f.with_help(
            "set `k8s.target-version` in cutover.toml (or lint the Terraform of the EKS cluster with the manifests) to judge it against the cluster version",
        ),
    };
    if unknown_clusters > 0 {
        f = f.with_note(format!(
            "{unknown_clusters} EKS cluster version(s) in the inputs could not be evaluated and were not considered (see LINT000)"
        ));
    }
    if let Status::ReplacementLater(_) = st {
        f = f.with_help("keep this API until the cluster is upgraded, then move to the replacement before the removal");
    }
    cx.emit(f);
}

fn ingress_class_annotation(cx: &mut RuleContext<'_, '_>, obj: &K8sObject<'_>) {
    let Some(m) = obj
        .node
        .path(&["metadata", "annotations"])
        .and_then(|a| a.member(INGRESS_CLASS_ANNOTATION))
    else {
        return;
    };
    let class = m.value.as_str().unwrap_or_default();
    let mut f = cx
        .finding(
            obj.file,
            m.key_span,
            format!(
                "annotation `{INGRESS_CLASS_ANNOTATION}` is deprecated: set `spec.ingressClassName: {class}` instead"
            ),
        )
        .with_severity(Severity::Info)
        .with_logical(format!("{}/annotations/{INGRESS_CLASS_ANNOTATION}", obj.logical()));
    let existing = cx
        .model
        .k8s_of_kind("IngressClass")
        .find(|c| c.name == Some(class) && !class.is_empty());
    f = match existing {
        Some(c) => f
            .with_note(format!("IngressClass `{class}` is in the inputs"))
            .with_related(Label::new(c.file, c.anchor(), "the IngressClass to name")),
        None if class == "alb" => f.with_note(
            "no IngressClass `alb` is in the inputs: create it (`controller: ingress.k8s.aws/alb`) before switching, or the AWS Load Balancer Controller rejects the Ingress",
        ),
        None => f.with_note(format!(
            "no IngressClass `{class}` is in the inputs: create it for its controller before switching, or no controller serves the Ingress"
        )),
    };
    if obj
        .node
        .path(&["spec", "ingressClassName"])
        .is_some_and(|n| !n.is_null())
    {
        f = f.with_help("`spec.ingressClassName` is set too: remove the annotation");
    } else {
        f = f.with_help(format!(
            "replace the annotation by `spec.ingressClassName: {class}`"
        ));
    }
    cx.emit(f);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(newest: Version, oldest: Version) -> Target {
        Target {
            newest,
            oldest,
            source: String::new(),
            at: None,
        }
    }

    #[test]
    fn statuses_follow_pluto() {
        let e = lookup("networking.k8s.io/v1beta1", "Ingress").unwrap();
        assert_eq!(
            status(e, Some(&t((1, 22, 0), (1, 22, 0)))),
            Status::Removed((1, 22, 0))
        );
        assert_eq!(
            status(e, Some(&t((1, 21, 0), (1, 21, 0)))),
            Status::Deprecated((1, 19, 0))
        );
        assert_eq!(status(e, Some(&t((1, 18, 0), (1, 18, 0)))), Status::Fine);
        assert_eq!(status(e, None), Status::RemovedSomewhere((1, 22, 0)));
        // Deprecated in 1.32, replacement served from 1.34.
        let r = lookup("resource.k8s.io/v1alpha3", "ResourceClaim").unwrap();
        assert_eq!(
            status(r, Some(&t((1, 32, 0), (1, 32, 0)))),
            Status::ReplacementLater((1, 34, 0))
        );
        assert_eq!(
            status(r, Some(&t((1, 34, 0), (1, 34, 0)))),
            Status::Removed((1, 34, 0))
        );
        // Never removed: nothing without a target.
        let v = lookup("storage.k8s.io/v1beta1", "VolumeAttributesClass").unwrap();
        assert_eq!(status(v, None), Status::Fine);
        assert!(lookup("apps/v1", "Deployment").is_none());
        assert!(lookup("extensions/v1beta1", "Widget").is_none());
    }

    #[test]
    fn field_changes_by_source_api() {
        assert!(field_changes("HorizontalPodAutoscaler", "autoscaling/v2beta1").is_some());
        assert!(field_changes("HorizontalPodAutoscaler", "autoscaling/v2beta2").is_none());
        assert!(field_changes("Ingress", "extensions/v1beta1")
            .is_some_and(|c| c.contains("service.name") && c.contains("pathType")));
    }

    #[test]
    fn table_is_generated() {
        assert_eq!(pluto::COMMIT.len(), 40);
        assert!(pluto::ENTRIES.len() > 50);
    }
}
