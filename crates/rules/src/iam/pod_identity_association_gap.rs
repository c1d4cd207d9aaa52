use cutover_semantic::iam::{evaluate, Decision, IamIndex, PrincipalRef, Request};
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::{Label, Rule, RuleContext, Severity};

declare_rule! {
    /// ## What it does
    /// Checks each `aws_eks_pod_identity_association`:
    ///
    /// * **trust** (error): the role's trust policy must allow both `sts:AssumeRole` and
    ///   `sts:TagSession` to `Service: pods.eks.amazonaws.com`; the trust is evaluated for that
    ///   principal. A missing `sts:TagSession` is an error too.
    /// * **orphan** (warning): the association's `namespace`/`service_account` matches no
    ///   ServiceAccount manifest and no pod template `serviceAccountName` of the inputs, while
    ///   the inputs hold Kubernetes objects of that namespace (a namespace the inputs do not
    ///   describe, such as one rendered by Helm elsewhere, is not judged).
    /// * **agent** (warning): an `aws_eks_cluster` of the inputs without an
    ///   `eks-pod-identity-agent` `aws_eks_addon`, unless EKS Auto Mode is enabled
    ///   (`compute_config { enabled = true }`), which has the agent built in.
    ///
    /// A role outside the inputs or a trust built from expressions is an info "cannot verify".
    /// Whether the node role allows `eks-auth:AssumeRoleForPodIdentity` is not checked yet.
    ///
    /// ## Why it matters
    /// Pod Identity does not annotate the ServiceAccount: nothing in the cluster shows the
    /// binding, so a wrong trust, a typo in the ServiceAccount name or a missing agent only
    /// shows as pods without AWS credentials after the cutover.
    ///
    /// ## Example
    /// ```json,expect_finding
    /// {
    ///   "resource": {
    ///     "aws_iam_role": {
    ///       "app": {
    ///         "name": "app",
    ///         "assume_role_policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"pods.eks.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"
    ///       }
    ///     },
    ///     "aws_eks_pod_identity_association": {
    ///       "app": {
    ///         "cluster_name": "main",
    ///         "namespace": "shop",
    ///         "service_account": "app",
    ///         "role_arn": "${aws_iam_role.app.arn}"
    ///       }
    ///     }
    ///   }
    /// }
    /// ```
    /// The trust lacks `sts:TagSession`.
    ///
    /// With the documented trust and the agent add-on, the association draws no finding:
    ///
    /// ```json
    /// {"resource": {
    ///   "aws_iam_role": {"app": {"name": "app",
    ///     "assume_role_policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"pods.eks.amazonaws.com\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"]}]}"}},
    ///   "aws_eks_addon": {"agent": {"cluster_name": "main", "addon_name": "eks-pod-identity-agent"}},
    ///   "aws_eks_pod_identity_association": {"app": {"cluster_name": "main", "namespace": "shop",
    ///     "service_account": "app", "role_arn": "${aws_iam_role.app.arn}"}}
    /// }}
    /// ```
    ///
    /// ## How to fix
    /// Use the documented trust `{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}`,
    /// install the `eks-pod-identity-agent` add-on, and fix the namespace or ServiceAccount name.
    ///
    /// ## References
    /// - Pod Identity role trust: <https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html>
    /// - Associations: <https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html>
    /// - The agent and Auto Mode: <https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html>
    pub PodIdentityAssociationGap {
        id: "IAM004",
        name: "pod-identity-association-gap",
        severity: Error,
        summary: "EKS Pod Identity association whose role trust, ServiceAccount or agent add-on is missing",
        inputs: [K8s, TfJson, TfPlan],
        cross_file: true,
        security: false,
    }
}

const POD_ACTIONS: [&str; 2] = ["sts:AssumeRole", "sts:TagSession"];

impl Rule for PodIdentityAssociationGap {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let ix = cx.shared::<IamIndex>();
        let model = ix.model;
        let principal = PrincipalRef::Service("pods.eks.amazonaws.com".into());
        for p in &ix.pod_identity {
            let anchor = p.role_arn.map(|n| n.span).unwrap_or(p.res.anchor);
            let logical = format!("{}/role_arn", p.res.address);
            match p.role.map(|r| &ix.roles[r]) {
                None => {
                    let what = p
                        .role_arn
                        .and_then(Node::scalar_text)
                        .unwrap_or_default()
                        .to_string();
                    let f = cx
                        .finding(
                            p.res.file,
                            anchor,
                            format!(
                                "cannot verify the trust of role `{what}` of `{}`: the role is not in the inputs",
                                p.res.address
                            ),
                        )
                        .with_severity(Severity::Info)
                        .with_help("add the Terraform that defines the role to the inputs")
                        .with_logical(logical);
                    cx.emit(f);
                }
                Some(role) => {
                    let Some(trust) = &role.trust else { continue };
                    let mut missing = Vec::new();
                    let mut unknown = false;
                    for action in POD_ACTIONS {
                        let ev = evaluate(
                            &[trust],
                            &Request {
                                action,
                                resource: "*",
                                principal: Some(&principal),
                            },
                        );
                        match ev.decision {
                            Decision::Allow | Decision::Conditional => {}
                            Decision::Unknown => unknown = true,
                            Decision::Deny | Decision::ImplicitDeny => missing.push(action),
                        }
                    }
                    let label = Label::new(
                        role.res.file,
                        role.trust_node.map(|n| n.span).unwrap_or(role.res.anchor),
                        format!("trust policy of `{}`", role.display()),
                    );
                    let f = if !missing.is_empty() {
                        cx.finding(
                            p.res.file,
                            anchor,
                            format!(
                                "role `{}` of `{}` does not trust `pods.eks.amazonaws.com` for `{}`: pods of `{}/{}` get no AWS credentials",
                                role.display(),
                                p.res.address,
                                missing.join("`, `"),
                                p.namespace.unwrap_or("?"),
                                p.service_account_name().unwrap_or("?")
                            ),
                        )
                        .with_help("use the trust {\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"pods.eks.amazonaws.com\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"]}")
                    } else if unknown {
                        cx.finding(
                            p.res.file,
                            anchor,
                            format!(
                                "cannot verify that role `{}` trusts `pods.eks.amazonaws.com`: its trust is built from expressions that do not resolve",
                                role.display()
                            ),
                        )
                        .with_severity(Severity::Info)
                    } else {
                        continue;
                    };
                    cx.emit(f.with_related(label).with_logical(logical));
                }
            }
        }
        orphans(cx, ix);
        agent(cx, ix, model);
    }
}

/// Associations naming a ServiceAccount that the inputs' namespace does not have.
fn orphans(cx: &mut RuleContext<'_, '_>, ix: &IamIndex<'_, '_>) {
    let model = ix.model;
    for p in &ix.pod_identity {
        let (Some(ns), Some(sa), Some(node)) =
            (p.namespace, p.service_account_name(), p.service_account)
        else {
            continue;
        };
        let ns_known = model.k8s.iter().any(|o| o.namespace_or_default() == ns);
        if !ns_known
            || ix
                .service_accounts
                .contains_key(&(ns.to_string(), sa.to_string()))
        {
            continue;
        }
        let used = model.workloads.iter().any(|w| {
            model.k8s[w.object].namespace_or_default() == ns
                && w.pod_spec
                    .get("serviceAccountName")
                    .or_else(|| w.pod_spec.get("serviceAccount"))
                    .and_then(Node::as_str)
                    .unwrap_or("default")
                    == sa
        });
        if used {
            continue;
        }
        let f = cx
            .finding(
                p.res.file,
                node.span,
                format!(
                    "`{}` binds a role to ServiceAccount `{ns}/{sa}`, but namespace `{ns}` of the inputs has no such ServiceAccount and no pod uses it",
                    p.res.address
                ),
            )
            .with_severity(Severity::Warning)
            .with_help("fix the namespace or ServiceAccount name, or remove the association")
            .with_logical(format!("{}/service_account", p.res.address));
        cx.emit(f);
    }
}

/// The `aws_eks_cluster` a resource's `cluster_name` names: a reference, or the literal name.
fn cluster_of<'m, 'a>(
    model: &'m lint_engine::model::Model<'a>,
    r: &lint_engine::model::TfResource<'a>,
) -> Option<&'m lint_engine::model::TfResource<'a>> {
    for rr in r.resource_refs_at(&["cluster_name"]) {
        if let Some(t) = model.resolve_tf(r, &rr.address) {
            if t.rtype == "aws_eks_cluster" {
                return Some(t);
            }
        }
    }
    let name = r.attr("cluster_name").and_then(Node::literal_str)?;
    model
        .tf_of_type("aws_eks_cluster")
        .find(|c| c.attr("name").and_then(Node::literal_str) == Some(name))
}

/// Clusters with associations but without the Pod Identity agent add-on.
fn agent(
    cx: &mut RuleContext<'_, '_>,
    ix: &IamIndex<'_, '_>,
    model: &lint_engine::model::Model<'_>,
) {
    let mut clusters: Vec<(
        &lint_engine::model::TfResource<'_>,
        &lint_engine::model::TfResource<'_>,
    )> = Vec::new();
    for p in &ix.pod_identity {
        if let Some(c) = cluster_of(model, p.res) {
            if !clusters.iter().any(|(k, _)| std::ptr::eq(*k, c)) {
                clusters.push((c, p.res));
            }
        }
    }
    for (c, first) in clusters {
        // An add-on of this cluster (or of its directory) that is the agent, or whose name is
        // an expression (it may be the agent), settles it.
        let settled = model.tf_of_type("aws_eks_addon").any(|a| {
            let mine = cluster_of(model, a).is_some_and(|k| std::ptr::eq(k, c)) || a.dir == c.dir;
            let name = a.attr("addon_name");
            mine && (name.and_then(Node::literal_str) == Some("eks-pod-identity-agent")
                || name.is_some_and(Node::is_unresolved))
        });
        let auto_mode = c
            .attr("compute_config")
            .into_iter()
            .flat_map(Node::blocks)
            .any(|b| b.get("enabled").and_then(Node::as_bool) == Some(true));
        if settled || auto_mode {
            continue;
        }
        let span = c.attr("name").map(|n| n.span).unwrap_or(c.anchor);
        let f = cx
            .finding(
                c.file,
                span,
                format!(
                    "cluster `{}` has Pod Identity associations but no `eks-pod-identity-agent` add-on in the inputs and is not in Auto Mode: pods get no credentials from the associations",
                    c.address
                ),
            )
            .with_severity(Severity::Warning)
            .with_help("add an `aws_eks_addon` with `addon_name = \"eks-pod-identity-agent\"`")
            .with_related(Label::new(
                first.file,
                first.anchor,
                format!("`{}`", first.address),
            ))
            .with_logical(format!("{}/eks-pod-identity-agent", c.address));
        cx.emit(f);
    }
}
