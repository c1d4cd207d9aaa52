use lint_engine::declare_rule;
use lint_engine::doc::{Member, Node};
use lint_engine::model::K8sObject;
use lint_engine::{Rule, RuleContext, Severity, Span};

declare_rule! {
    /// ## What it does
    /// Flags Karpenter manifests that do not fit the Karpenter v1 API: fields that v1 renamed
    /// or moved, references that v1 requires in full, annotations it removed, and the API
    /// versions it no longer serves. Each finding points at the offending key or value.
    ///
    /// | What | In a `v1` document | In a `v1beta1` document |
    /// |---|---|---|
    /// | `spec.disruption.consolidationPolicy: WhenUnderutilized` | error: renamed `WhenEmptyOrUnderutilized` | warning |
    /// | `spec.disruption.expireAfter` | error: moved to `spec.template.spec.expireAfter` | info |
    /// | `spec.template.spec.kubelet` | error: moved to the `EC2NodeClass` | info |
    /// | `nodeClassRef` without `group`, `kind` or `name`, or with `apiVersion` | error: all three are required, `apiVersion` was renamed `group` | — |
    /// | `consolidationPolicy: WhenEmptyOrUnderutilized` without `consolidateAfter` | info | — |
    /// | pod annotation `karpenter.sh/do-not-evict` or `karpenter.sh/do-not-consolidate` | warning: removed, use `karpenter.sh/do-not-disrupt` | warning |
    /// | `EC2NodeClass` with `amiFamily: Ubuntu` and no `amiSelectorTerms` | warning: Ubuntu is no longer a family of its own | — |
    /// | `Provisioner`, `Machine` (`karpenter.sh/v1alpha5`), `AWSNodeTemplate` (`karpenter.k8s.aws/v1alpha1`) | error: not supported by Karpenter v1.0 and later | error |
    ///
    /// A `karpenter.sh/v1beta1` or `karpenter.k8s.aws/v1beta1` document (NodePool, NodeClaim,
    /// EC2NodeClass) is a warning at its `apiVersion`: Karpenter v1.0.x still converts it, but
    /// v1.1.0 stops serving it. The pod annotations are looked for in every object's metadata and
    /// pod template. Only the `karpenter.sh` and `karpenter.k8s.aws` groups are read.
    ///
    /// The missing `consolidateAfter` is info only: the v1 changelog calls it required, but the
    /// v1.0 disruption documentation gives it no default and no requirement.
    ///
    /// ## Why it matters
    /// EKS clusters built for a migration usually get a current Karpenter. A NodePool written
    /// for v1beta1 (as most blog posts and older charts still are) is rejected by the v1 CRDs, or
    /// silently loses its expiry and kubelet settings during conversion; a removed
    /// `do-not-evict` annotation no longer protects a pod from being disrupted.
    ///
    /// ## Example
    /// ```yaml,expect_finding
    /// apiVersion: karpenter.sh/v1
    /// kind: NodePool
    /// metadata: {name: default}
    /// spec:
    ///   template:
    ///     spec:
    ///       nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
    ///       requirements:
    ///         - {key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}
    ///   disruption:
    ///     consolidationPolicy: WhenUnderutilized
    ///     consolidateAfter: 1m
    /// ```
    ///
    /// ## How to fix
    /// Follow the Karpenter v1 migration guide field by field, for example:
    /// ```yaml
    /// apiVersion: karpenter.sh/v1
    /// kind: NodePool
    /// metadata: {name: default}
    /// spec:
    ///   template:
    ///     spec:
    ///       expireAfter: 720h
    ///       nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
    ///       requirements:
    ///         - {key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}
    ///   disruption:
    ///     consolidationPolicy: WhenEmptyOrUnderutilized
    ///     consolidateAfter: 1m
    /// ```
    ///
    /// ## References
    /// - Karpenter v1 migration guide: <https://karpenter.sh/v1.0/upgrading/v1-migration/>
    /// - Karpenter v1.0 disruption: <https://karpenter.sh/v1.0/concepts/disruption/>
    pub KarpenterV1SchemaDrift {
        id: "K8S006",
        name: "karpenter-v1-schema-drift",
        severity: Error,
        summary: "manifest with Karpenter fields or API versions that Karpenter v1 renamed, moved or removed",
        inputs: [K8s],
        cross_file: false,
        security: false,
    }
}

/// Which Karpenter API a document is written against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    V1,
    V1beta1,
    Alpha,
}

fn karpenter_api(obj: &K8sObject<'_>) -> Option<Api> {
    let (group, version) = obj.api_version.split_once('/')?;
    if group != "karpenter.sh" && group != "karpenter.k8s.aws" {
        return None;
    }
    match version {
        "v1" => Some(Api::V1),
        "v1beta1" => Some(Api::V1beta1),
        v if v.starts_with("v1alpha") => Some(Api::Alpha),
        _ => None,
    }
}

const REMOVED_ANNOTATIONS: &[&str] = &[
    "karpenter.sh/do-not-evict",
    "karpenter.sh/do-not-consolidate",
];

struct Out<'c, 'm, 'a> {
    cx: &'c mut RuleContext<'m, 'a>,
    obj: &'c K8sObject<'a>,
}

impl Out<'_, '_, '_> {
    fn emit(&mut self, at: Span, severity: Severity, msg: String, help: &str, path: &str) {
        let f = self
            .cx
            .finding(self.obj.file, at, msg)
            .with_severity(severity)
            .with_help(help.to_string())
            .with_logical(format!("{}/{path}", self.obj.logical()));
        self.cx.emit(f);
    }
}

impl Rule for KarpenterV1SchemaDrift {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let model = cx.model;
        // Every finding is located in the object checked.
        for obj in &model.k8s {
            if !cx.reports_on(obj.file) {
                continue;
            }
            let mut out = Out { cx, obj };
            removed_annotations(&mut out);
            let Some(api) = karpenter_api(obj) else {
                continue;
            };
            match (api, obj.kind) {
                (_, "Provisioner" | "AWSNodeTemplate" | "Machine") | (Api::Alpha, _) => {
                    let at = obj
                        .node
                        .member("kind")
                        .map_or(obj.anchor(), |m| m.value.span);
                    let instead = match obj.kind {
                        "AWSNodeTemplate" => "an `EC2NodeClass` (`karpenter.k8s.aws/v1`)",
                        "Machine" => "`NodeClaim`s, which Karpenter creates itself",
                        _ => "a `NodePool` (`karpenter.sh/v1`)",
                    };
                    out.emit(
                        at,
                        Severity::Error,
                        format!(
                            "`{}` {} is not supported by Karpenter v1.0 and later",
                            obj.api_version, obj.kind
                        ),
                        &format!("rewrite it as {instead}, following the v1beta1 then v1 migration guides"),
                        "kind",
                    );
                    continue;
                }
                (Api::V1beta1, "NodePool" | "NodeClaim" | "EC2NodeClass") => {
                    if let Some(m) = obj.node.member("apiVersion") {
                        out.emit(
                            m.value.span,
                            Severity::Warning,
                            format!(
                                "`{}` {} is not served from Karpenter v1.1.0 (v1.0.x still converts it)",
                                obj.api_version, obj.kind
                            ),
                            "move the manifest to the v1 API (`karpenter.sh/v1`, `karpenter.k8s.aws/v1`) while running Karpenter v1.0.x",
                            "apiVersion",
                        );
                    }
                }
                _ => {}
            }
            match obj.kind {
                "NodePool" => node_pool(&mut out, api),
                "EC2NodeClass" if api == Api::V1 => ec2_node_class(&mut out),
                _ => {}
            }
        }
    }
}

fn node_pool(out: &mut Out<'_, '_, '_>, api: Api) {
    let v1 = api == Api::V1;
    let disruption = out.obj.node.path(&["spec", "disruption"]);
    let policy = disruption.and_then(|d| d.member("consolidationPolicy"));
    if let Some(p) = policy.filter(|p| p.value.as_str() == Some("WhenUnderutilized")) {
        out.emit(
            p.value.span,
            if v1 { Severity::Error } else { Severity::Warning },
            "`consolidationPolicy: WhenUnderutilized` is renamed `WhenEmptyOrUnderutilized` in Karpenter v1".to_string(),
            "write `consolidationPolicy: WhenEmptyOrUnderutilized` (and set `consolidateAfter`)",
            "spec/disruption/consolidationPolicy",
        );
    }
    if let Some(e) = disruption.and_then(|d| d.member("expireAfter")) {
        out.emit(
            e.key_span,
            if v1 { Severity::Error } else { Severity::Info },
            "`spec.disruption.expireAfter` moved to `spec.template.spec.expireAfter` in Karpenter v1".to_string(),
            "move `expireAfter` under `spec.template.spec` (v1 defaults it to 720h when unset)",
            "spec/disruption/expireAfter",
        );
    }
    let pod = out.obj.node.path(&["spec", "template", "spec"]);
    if let Some(k) = pod.and_then(|s| s.member("kubelet")) {
        out.emit(
            k.key_span,
            if v1 { Severity::Error } else { Severity::Info },
            "`spec.template.spec.kubelet` moved to the EC2NodeClass (`spec.kubelet`) in Karpenter v1".to_string(),
            "move the kubelet settings to `spec.kubelet` of the EC2NodeClass this NodePool references",
            "spec/template/spec/kubelet",
        );
    }
    if !v1 {
        return;
    }
    if let Some(r) = pod.and_then(|s| s.member("nodeClassRef")) {
        node_class_ref(out, r);
    }
    if let Some(p) = policy.filter(|p| p.value.as_str() == Some("WhenEmptyOrUnderutilized")) {
        if disruption.and_then(|d| d.get("consolidateAfter")).is_none() {
            out.emit(
                p.value.span,
                Severity::Info,
                "`consolidationPolicy: WhenEmptyOrUnderutilized` without `consolidateAfter`".to_string(),
                "set `spec.disruption.consolidateAfter` (for example `1m`, or `Never`): the v1 changelog calls it required",
                "spec/disruption/consolidateAfter",
            );
        }
    }
}

fn node_class_ref(out: &mut Out<'_, '_, '_>, r: &Member) {
    if let Some(a) = r.value.member("apiVersion") {
        out.emit(
            a.key_span,
            Severity::Error,
            "`nodeClassRef.apiVersion` is renamed `group` in Karpenter v1".to_string(),
            "write `group: karpenter.k8s.aws` (the group without a version) instead of `apiVersion`",
            "spec/template/spec/nodeClassRef/apiVersion",
        );
    }
    let missing: Vec<&str> = ["group", "kind", "name"]
        .into_iter()
        .filter(|k| r.value.get(k).is_none_or(Node::is_null))
        .collect();
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|k| format!("`{k}`")).collect();
        let list = match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => names.join(""),
        };
        out.emit(
            r.key_span,
            Severity::Error,
            format!(
                "`nodeClassRef` has no {list}: Karpenter v1 requires `group`, `kind` and `name`"
            ),
            "write `nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: <name>}`",
            "spec/template/spec/nodeClassRef",
        );
    }
}

fn ec2_node_class(out: &mut Out<'_, '_, '_>) {
    let Some(spec) = out.obj.node.get("spec") else {
        return;
    };
    let Some(f) = spec.member("amiFamily") else {
        return;
    };
    if f.value.as_str() == Some("Ubuntu") && spec.get("amiSelectorTerms").is_none() {
        out.emit(
            f.value.span,
            Severity::Warning,
            "`amiFamily: Ubuntu` without `amiSelectorTerms`: Karpenter v1 no longer resolves Ubuntu AMIs itself".to_string(),
            "pin the Ubuntu AMIs with `amiSelectorTerms` (by ID, name or tags), or use `AL2023` or `Bottlerocket`",
            "spec/amiFamily",
        );
    }
}

/// `karpenter.sh/do-not-evict` and `do-not-consolidate` in the object's metadata or any pod
/// template's metadata.
fn removed_annotations(out: &mut Out<'_, '_, '_>) {
    let mut hits: Vec<(&Member, String)> = Vec::new();
    out.obj.node.walk(&mut |ptr, n| {
        if ptr == "/metadata/annotations" || ptr.ends_with("/template/metadata/annotations") {
            for m in n.as_map().unwrap_or(&[]) {
                if REMOVED_ANNOTATIONS.contains(&m.key.as_str()) {
                    hits.push((m, ptr.to_string()));
                }
            }
        }
    });
    for (m, ptr) in hits {
        out.emit(
            m.key_span,
            Severity::Warning,
            format!(
                "annotation `{}` is removed in Karpenter v1: use `karpenter.sh/do-not-disrupt: \"true\"`",
                m.key
            ),
            "replace the annotation by `karpenter.sh/do-not-disrupt: \"true\"`, which Karpenter v1 honours",
            &format!("{}/{}", ptr.trim_start_matches('/'), m.key),
        );
    }
}
