//! The field changes a move to the replacement API needs, beyond `apiVersion` (from the
//! Kubernetes deprecation guide). Kinds not listed need no change of their fields.

/// `(kind, deprecated apiVersions it applies to, changes)`.
const CHANGES: &[(&str, &[&str], &str)] = &[
    (
        "Ingress",
        &["extensions/v1beta1", "networking.k8s.io/v1beta1"],
        "`spec.backend` → `spec.defaultBackend`, `serviceName` → `service.name`, `servicePort` → `service.port.number` or `service.port.name`, and every path needs a `pathType` (`Prefix`, `Exact` or `ImplementationSpecific`)",
    ),
    (
        "Deployment",
        &["extensions/v1beta1", "apps/v1beta1", "apps/v1beta2"],
        "`spec.selector` is required, immutable and must match the template's labels; `spec.rollbackTo` is gone",
    ),
    (
        "DaemonSet",
        &["extensions/v1beta1", "apps/v1beta1", "apps/v1beta2"],
        "`spec.selector` is required, immutable and must match the template's labels; `spec.templateGeneration` is gone and `updateStrategy` defaults to `RollingUpdate`",
    ),
    (
        "StatefulSet",
        &["extensions/v1beta1", "apps/v1beta1", "apps/v1beta2"],
        "`spec.selector` is required, immutable and must match the template's labels; `updateStrategy` defaults to `RollingUpdate`",
    ),
    (
        "ReplicaSet",
        &["extensions/v1beta1", "apps/v1beta1", "apps/v1beta2"],
        "`spec.selector` is required, immutable and must match the template's labels",
    ),
    (
        "PodDisruptionBudget",
        &["policy/v1beta1"],
        "an empty `spec.selector` (`{}`) now selects every pod of the namespace instead of none",
    ),
    (
        "HorizontalPodAutoscaler",
        &["autoscaling/v2beta1"],
        "`targetAverageUtilization` → `target.averageUtilization` with `target.type: Utilization`, `targetAverageValue` → `target.averageValue`, `targetValue` → `target.value`",
    ),
    (
        "CustomResourceDefinition",
        &["apiextensions.k8s.io/v1beta1"],
        "`spec.version` → `spec.versions`, `spec.validation` → `spec.versions[*].schema` (a structural schema is required), `spec.subresources` and `spec.additionalPrinterColumns` move into each version (`JSONPath` → `jsonPath`)",
    ),
    (
        "MutatingWebhookConfiguration",
        &["admissionregistration.k8s.io/v1beta1"],
        "`sideEffects` and `admissionReviewVersions` are required, `failurePolicy` defaults to `Fail`, `matchPolicy` to `Equivalent` and `timeoutSeconds` to 10",
    ),
    (
        "ValidatingWebhookConfiguration",
        &["admissionregistration.k8s.io/v1beta1"],
        "`sideEffects` and `admissionReviewVersions` are required, `failurePolicy` defaults to `Fail`, `matchPolicy` to `Equivalent` and `timeoutSeconds` to 10",
    ),
    (
        "EndpointSlice",
        &["discovery.k8s.io/v1beta1"],
        "`topology[\"kubernetes.io/hostname\"]` → `nodeName`, `topology[\"topology.kubernetes.io/zone\"]` → `zone`, other `topology` keys → `deprecatedTopology`",
    ),
    (
        "Event",
        &["events.k8s.io/v1beta1"],
        "`involvedObject` → `regarding`, `source.component` → `reportingController`, `source.host` → `reportingInstance`, `firstTimestamp`/`lastTimestamp`/`count` → `deprecatedFirstTimestamp`/`deprecatedLastTimestamp`/`deprecatedCount`; `type` is `Normal` or `Warning`",
    ),
    (
        "CertificateSigningRequest",
        &["certificates.k8s.io/v1beta1"],
        "`spec.signerName` is required and `status.conditions` must not be set by clients",
    ),
];

/// The field changes of moving `kind` off `api_version`, when there are any.
pub fn field_changes(kind: &str, api_version: &str) -> Option<&'static str> {
    CHANGES
        .iter()
        .find(|(k, from, _)| *k == kind && from.contains(&api_version))
        .map(|(_, _, c)| *c)
}
