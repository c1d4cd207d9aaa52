use std::collections::{BTreeMap, BTreeSet};

use cutover_semantic::iam::managed::is_catch_all_managed;
use cutover_semantic::iam::policy::PrincipalKind;
use cutover_semantic::iam::policy::Val;
use cutover_semantic::iam::{Effect, IamIndex, SaIdentity, Statement};
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::Workload;
use lint_engine::source::{FileId, Span};
use lint_engine::{Rule, RuleContext};

mod report;
use report::{is_eks_oidc, report, trusted_service_accounts};

declare_rule! {
    /// ## What it does
    /// Finds Kubernetes ServiceAccounts that hand one AWS identity to more pods than they
    /// should, and roles that make a ServiceAccount a catch-all:
    ///
    /// * **(a) default ServiceAccount with an AWS identity** (error): a pod template without
    ///   `serviceAccountName` (so it runs as `default`) or with `serviceAccountName: default`,
    ///   in a namespace whose `default` ServiceAccount has an `eks.amazonaws.com/role-arn`
    ///   annotation or an `aws_eks_pod_identity_association`. An association for `default`
    ///   that no workload in the inputs uses is reported on its `service_account` value.
    /// * **(b) one ServiceAccount, many workloads** (warning): a ServiceAccount with an AWS
    ///   identity used by more than `iam.max-workloads-per-sa` (default 1) distinct
    ///   applications. Workloads are grouped by their pod label `app.kubernetes.io/name`, then
    ///   `app`, then their name, so a stable/canary split of one application is one workload.
    /// * **(c) one role, many ServiceAccounts** (warning): an IRSA trust whose `…:sub`
    ///   condition is a `StringLike` wildcard (`system:serviceaccount:ns:*`) or that has no
    ///   `…:sub` condition at all, or a role used by two or more Pod Identity associations
    ///   without `aws:RequestTag/kubernetes-namespace` / `kubernetes-service-account` trust
    ///   conditions.
    /// * **(d) catch-all permissions** (warning; error when the role is bound to a `default`
    ///   ServiceAccount): a role bound to a ServiceAccount (by an IRSA annotation, a Pod
    ///   Identity association, or its own IRSA trust whose `StringEquals`/`StringLike` `…:sub`
    ///   condition names `system:serviceaccount:<ns>:<sa>`, even when that ServiceAccount's
    ///   manifest is not in the inputs) that allows
    ///   `"Action": "*"`, `<service>:*` or `NotAction` on `"Resource": "*"`, `iam:PassRole` on
    ///   `"*"`, or has `AdministratorAccess`, `PowerUserAccess` or an AWS managed `*FullAccess`
    ///   policy attached.
    ///
    /// ServiceAccounts in `iam.allow-namespaces` (default `kube-system`, where controllers such
    /// as the VPC CNI or the load balancer controller live) are not reported. ServiceAccount
    /// names that are templates or Terraform expressions are skipped, as are unrendered Helm
    /// charts (cutover does not read them).
    ///
    /// ## Why it matters
    /// On ECS every task definition carries its own task role, so permissions are per service
    /// by construction. On EKS the identity belongs to the ServiceAccount, and every pod that
    /// runs as it gets the role, including pods that never set `serviceAccountName` and fall
    /// back to `default`. Migrating "one role for the cluster" or a wildcard trust turns a
    /// compromise of any pod into a compromise of everything that role can do.
    ///
    /// ## Example
    /// ```yaml,expect_finding
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: default
    ///   namespace: shop
    ///   annotations:
    ///     eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/shop
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: cart
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels: {app: cart}
    ///   template:
    ///     metadata:
    ///       labels: {app: cart}
    ///     spec:
    ///       containers:
    ///         - name: cart
    ///           image: nginx:1.27
    ///           resources:
    ///             requests: {cpu: 100m, memory: 128Mi}
    /// ```
    ///
    /// No finding: the workload has its own ServiceAccount.
    /// ```yaml
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: cart
    ///   namespace: shop
    ///   annotations:
    ///     eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/cart
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: cart
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels: {app: cart}
    ///   template:
    ///     metadata:
    ///       labels: {app: cart}
    ///     spec:
    ///       serviceAccountName: cart
    ///       containers:
    ///         - name: cart
    ///           image: nginx:1.27
    ///           resources:
    ///             requests: {cpu: 100m, memory: 128Mi}
    /// ```
    ///
    /// ## How to fix
    /// Give each workload its own ServiceAccount and each ServiceAccount its own role. Scope
    /// IRSA trusts with `StringEquals` on `<issuer>:sub = system:serviceaccount:<ns>:<sa>` (and
    /// `<issuer>:aud = sts.amazonaws.com`); for Pod Identity, add `aws:RequestTag/kubernetes-namespace`
    /// and `aws:RequestTag/kubernetes-service-account` conditions or use one role per
    /// association. Replace `*` actions, `iam:PassRole` on `*` and `*FullAccess` policies with
    /// the actions and resources the application uses. Set `automountServiceAccountToken:
    /// false` on pods that do not call AWS or Kubernetes APIs.
    ///
    /// ## References
    /// - Pods without a ServiceAccount use `default`:
    ///   <https://kubernetes.io/docs/concepts/security/service-accounts/>
    /// - EKS Best Practices, IAM ("Use dedicated service accounts for each application", "Scope
    ///   the IAM Role trust policy for IRSA to the service account name"):
    ///   <https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html>
    /// - Pod Identity trust conditions: <https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html>
    pub CatchAllServiceAccount {
        id: "IAM001",
        name: "catch-all-service-account",
        severity: Error,
        summary: "ServiceAccount or IAM role that gives one AWS identity to many workloads, or a catch-all identity",
        inputs: [K8s, TfJson, TfPlan],
        cross_file: true,
        security: true,
    }
}

/// One workload's use of a ServiceAccount.
struct SaUse<'w, 'a> {
    w: &'w Workload<'a>,
    file: FileId,
    ns: &'a str,
    sa: &'a str,
    /// The `serviceAccountName` value, when written.
    value: Option<&'a Node>,
    app: String,
    logical: String,
}

impl SaUse<'_, '_> {
    fn span(&self) -> Span {
        self.value.map(|v| v.span).unwrap_or(self.w.spec_key)
    }
}

impl Rule for CatchAllServiceAccount {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let ix = cx.shared::<IamIndex>();
        let d = Detect {
            ix,
            allow_namespaces: &cx.config.iam.allow_namespaces,
            max_workloads_per_sa: cx.config.iam.max_workloads_per_sa,
        };
        let uses = d.sa_uses();
        let bound = d.bound_roles();
        // In the order of the catalog's cases: (a), (b), (c), (d).
        let mut signals = d.default_sa(&uses);
        signals.extend(d.shared_sa(&uses));
        signals.extend(d.wildcard_trust());
        signals.extend(d.shared_pod_identity_role());
        signals.extend(d.catch_all_permissions(&bound));
        for s in &signals {
            let f = report(cx, ix, s);
            cx.emit(f);
        }
    }
}

/// What the rule found, before it is worded: one variant per kind of finding.
enum Signal<'u, 'm, 'a> {
    /// (a) A workload runs as the `default` ServiceAccount, which has an AWS identity.
    DefaultSaUse {
        u: &'u SaUse<'m, 'a>,
        identity: SaIdentity<'a>,
    },
    /// (a) A Pod Identity association binds a role to `default` (no workload seen using it).
    DefaultSaAssociation {
        assoc: usize,
        ns: &'a str,
        sa: &'a Node,
    },
    /// (b) A ServiceAccount with an AWS identity is shared by more applications than allowed.
    SharedSa {
        ns: &'a str,
        sa: &'a str,
        u: &'u SaUse<'m, 'a>,
        /// Up to five other workloads of the same ServiceAccount (related labels).
        others: Vec<&'u SaUse<'m, 'a>>,
        apps: Vec<&'u str>,
        identity: SaIdentity<'a>,
    },
    /// (c) An IRSA trust statement without a `:sub` condition (`principal`: its `Principal`).
    TrustWithoutSub {
        role: usize,
        stmt: &'m Statement,
        principal: Span,
    },
    /// (c) An IRSA trust `:sub` condition matching by wildcard.
    WildcardSub {
        role: usize,
        stmt: &'m Statement,
        value: &'m Val,
    },
    /// (c) One role bound to several ServiceAccounts by Pod Identity, trust not scoped.
    SharedPodIdentityRole {
        name: String,
        file: FileId,
        span: Span,
        sas: BTreeSet<String>,
        assocs: Vec<usize>,
    },
    /// (d) Roles bound to ServiceAccounts grant everything (`what` says how): each role with
    /// its ServiceAccounts and whether one of them is a `default` ServiceAccount.
    CatchAll {
        roles: Vec<BoundRole<'u>>,
        file: FileId,
        span: Span,
        what: CatchAllKind,
    },
}

/// A role bound to pods: its index, its ServiceAccounts (`ns/sa`), whether one is `default`.
type BoundRole<'u> = (usize, &'u BTreeSet<String>, bool);

/// How a bound role grants everything.
enum CatchAllKind {
    /// An AWS managed policy such as `AdministratorAccess`.
    Managed(String),
    /// A statement of a policy; the text says what it allows (`*:*`, `NotAction`, …).
    Statement(String),
}

/// The detection half of the rule: reads the IAM index and the configuration, returns
/// [`Signal`]s.
struct Detect<'c, 'm, 'a> {
    ix: &'m IamIndex<'m, 'a>,
    allow_namespaces: &'c [String],
    max_workloads_per_sa: usize,
}

impl<'m, 'a> Detect<'_, 'm, 'a> {
    fn allowed(&self, ns: &str) -> bool {
        self.allow_namespaces.iter().any(|a| a == ns)
    }

    /// Each workload's ServiceAccount (`default` when none is named); unresolved names skipped.
    fn sa_uses(&self) -> Vec<SaUse<'m, 'a>> {
        let model = self.ix.model;
        let mut uses = Vec::new();
        for w in &model.workloads {
            let obj = &model.k8s[w.object];
            let value = w
                .pod_spec
                .get("serviceAccountName")
                .or_else(|| w.pod_spec.get("serviceAccount"));
            let sa = match value {
                None => "default",
                Some(v) => match v.as_str() {
                    Some(s) if !s.is_empty() && !v.is_unresolved() => s,
                    _ => continue,
                },
            };
            let label = |k: &str| {
                w.pod_labels
                    .and_then(|l| l.get(k))
                    .and_then(Node::as_str)
                    .map(str::to_string)
            };
            let app = label("app.kubernetes.io/name")
                .or_else(|| label("app"))
                .unwrap_or_else(|| obj.name.unwrap_or("?").to_string());
            uses.push(SaUse {
                w,
                file: obj.file,
                ns: obj.namespace_or_default(),
                sa,
                value,
                app,
                logical: obj.logical(),
            });
        }
        uses
    }

    /// Roles bound to ServiceAccounts (`ns/sa` names), and whether one of them is a `default`
    /// ServiceAccount.
    fn bound_roles(&self) -> BTreeMap<usize, (BTreeSet<String>, bool)> {
        let (ix, model) = (self.ix, self.ix.model);
        let mut bound: BTreeMap<usize, (BTreeSet<String>, bool)> = BTreeMap::new();
        let mut note_binding = |role: Option<usize>, ns: &str, sa: &str| {
            if let Some(r) = role {
                let e = bound.entry(r).or_default();
                e.0.insert(format!("{ns}/{sa}"));
                e.1 |= sa == "default";
            }
        };
        for ((ns, sa), objs) in &ix.service_accounts {
            if self.allowed(ns) {
                continue;
            }
            for &i in objs {
                if let Some(v) = model.k8s[i].annotation("eks.amazonaws.com/role-arn") {
                    if let Some(s) = v.as_str().filter(|s| !v.is_unresolved() && !s.is_empty()) {
                        note_binding(ix.role_by_literal(s, None), ns, sa);
                    }
                }
            }
        }
        for p in &ix.pod_identity {
            if let (Some(ns), Some(sa)) = (p.namespace, p.service_account_name()) {
                if !self.allowed(ns) {
                    note_binding(p.role, ns, sa);
                }
            }
        }
        // A role is bound to pods by its own trust too, even when the ServiceAccount manifest is
        // not in the inputs: an IRSA `…:sub` condition naming `system:serviceaccount:<ns>:<sa>`.
        for (ri, role) in ix.roles.iter().enumerate() {
            for (ns, sa) in trusted_service_accounts(role.trust.as_ref()) {
                if !self.allowed(&ns) {
                    note_binding(Some(ri), &ns, &sa);
                }
            }
        }
        bound
    }

    /// (a) default ServiceAccount with an AWS identity.
    fn default_sa<'u>(&self, uses: &'u [SaUse<'m, 'a>]) -> Vec<Signal<'u, 'm, 'a>> {
        let ix = self.ix;
        let mut out = Vec::new();
        let mut default_assoc_used = BTreeSet::new();
        for u in uses {
            if u.sa != "default" || self.allowed(u.ns) {
                continue;
            }
            let ids = ix.sa_identities(u.ns, "default");
            let Some(first) = ids.first() else { continue };
            for id in &ids {
                if let SaIdentity::PodIdentity { assoc, .. } = id {
                    default_assoc_used.insert(*assoc);
                }
            }
            out.push(Signal::DefaultSaUse {
                u,
                identity: first.clone(),
            });
        }
        for (i, p) in ix.pod_identity.iter().enumerate() {
            let (Some(ns), Some(sa_node)) = (p.namespace, p.service_account) else {
                continue;
            };
            if p.service_account_name() != Some("default")
                || self.allowed(ns)
                || default_assoc_used.contains(&i)
            {
                continue;
            }
            out.push(Signal::DefaultSaAssociation {
                assoc: i,
                ns,
                sa: sa_node,
            });
        }
        out
    }

    /// (b) one ServiceAccount with an AWS identity, many workloads.
    fn shared_sa<'u>(&self, uses: &'u [SaUse<'m, 'a>]) -> Vec<Signal<'u, 'm, 'a>> {
        let mut groups: BTreeMap<(&'a str, &'a str), Vec<&'u SaUse<'m, 'a>>> = BTreeMap::new();
        for u in uses {
            if u.sa != "default" && !self.allowed(u.ns) {
                groups.entry((u.ns, u.sa)).or_default().push(u);
            }
        }
        let mut out = Vec::new();
        for ((ns, sa), members) in groups {
            let apps: BTreeSet<&str> = members.iter().map(|u| u.app.as_str()).collect();
            if apps.len() <= self.max_workloads_per_sa {
                continue;
            }
            let ids = self.ix.sa_identities(ns, sa);
            let Some(first) = ids.first() else { continue };
            let apps: Vec<&'u str> = apps.into_iter().collect();
            for &u in &members {
                let others = members
                    .iter()
                    .copied()
                    .filter(|o| !std::ptr::eq(*o, u))
                    .take(5)
                    .collect();
                out.push(Signal::SharedSa {
                    ns,
                    sa,
                    u,
                    others,
                    apps: apps.clone(),
                    identity: first.clone(),
                });
            }
        }
        out
    }

    /// (c) one role, many ServiceAccounts: IRSA trust without `:sub` or with a wildcard one.
    fn wildcard_trust<'u>(&self) -> Vec<Signal<'u, 'm, 'a>> {
        let mut out = Vec::new();
        for (ri, role) in self.ix.roles.iter().enumerate() {
            let Some(trust) = &role.trust else { continue };
            for s in &trust.statements {
                if s.effect != Effect::Allow {
                    continue;
                }
                let Some(p) = &s.principals else { continue };
                let eks_principal = p
                    .entries
                    .iter()
                    .any(|(k, v)| *k == PrincipalKind::Federated && is_eks_oidc(&v.text));
                let subs: Vec<_> = s
                    .conditions
                    .iter()
                    .filter(|c| {
                        c.key.ends_with(":sub")
                            && (c.key.contains("oidc.eks.")
                                || lint_engine::doc::is_unresolved_text(&c.key)
                                || c.values
                                    .iter()
                                    .any(|v| v.text.starts_with("system:serviceaccount:")))
                    })
                    .collect();
                if !eks_principal && subs.is_empty() {
                    continue;
                }
                if subs.is_empty() && !s.unresolved {
                    out.push(Signal::TrustWithoutSub {
                        role: ri,
                        stmt: s,
                        principal: p.span,
                    });
                    continue;
                }
                for c in subs {
                    if !c.operator.contains("StringLike") {
                        continue;
                    }
                    for v in &c.values {
                        if !(v.text.contains('*') || v.text.contains('?')) || v.is_unresolved() {
                            continue;
                        }
                        // `system:serviceaccount:kube-system:*` only covers controllers.
                        let ns = v
                            .text
                            .strip_prefix("system:serviceaccount:")
                            .and_then(|r| r.split(':').next())
                            .unwrap_or("*");
                        if !ns.contains('*') && !ns.contains('?') && self.allowed(ns) {
                            continue;
                        }
                        out.push(Signal::WildcardSub {
                            role: ri,
                            stmt: s,
                            value: v,
                        });
                    }
                }
            }
        }
        out
    }

    /// (c) one role, many ServiceAccounts: Pod Identity associations.
    fn shared_pod_identity_role<'u>(&self) -> Vec<Signal<'u, 'm, 'a>> {
        let ix = self.ix;
        let mut by_role: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, p) in ix.pod_identity.iter().enumerate() {
            if p.namespace.is_some_and(|ns| self.allowed(ns)) {
                continue;
            }
            let key = match (p.role, p.role_arn.and_then(Node::as_str)) {
                (Some(r), _) => format!("#{r}"),
                (None, Some(a)) if !lint_engine::doc::is_unresolved_text(a) => a.to_string(),
                _ => continue,
            };
            by_role.entry(key).or_default().push(i);
        }
        let mut out = Vec::new();
        for assocs in by_role.into_values() {
            let sas: BTreeSet<String> = assocs
                .iter()
                .map(|&i| {
                    let p = &ix.pod_identity[i];
                    format!(
                        "{}/{}",
                        p.namespace.unwrap_or("?"),
                        p.service_account_name().unwrap_or("?")
                    )
                })
                .collect();
            if sas.len() < 2 {
                continue;
            }
            let first = &ix.pod_identity[assocs[0]];
            let role = first.role.map(|r| &ix.roles[r]);
            let scoped = role.and_then(|r| r.trust.as_ref()).is_some_and(|t| {
                t.statements.iter().any(|s| {
                    s.conditions.iter().any(|c| {
                        c.key == "aws:RequestTag/kubernetes-namespace"
                            || c.key == "aws:RequestTag/kubernetes-service-account"
                    })
                })
            });
            if scoped {
                continue;
            }
            let name = role
                .map(|r| r.display())
                .or_else(|| first.role_arn.and_then(Node::as_str).map(str::to_string))
                .unwrap_or_default();
            let (file, span) = match role.and_then(|r| r.trust_node.map(|n| (r.res.file, n.span))) {
                Some(x) => x,
                None => {
                    let second = &ix.pod_identity[assocs[1]];
                    (
                        second.res.file,
                        second.role_arn.map(|n| n.span).unwrap_or(second.res.anchor),
                    )
                }
            };
            out.push(Signal::SharedPodIdentityRole {
                name,
                file,
                span,
                sas,
                assocs,
            });
        }
        out
    }

    /// (d) catch-all permissions on bound roles. One policy attached to several bound roles is
    /// one finding at its statement, naming every role.
    fn catch_all_permissions<'u>(
        &self,
        bound: &'u BTreeMap<usize, (BTreeSet<String>, bool)>,
    ) -> Vec<Signal<'u, 'm, 'a>> {
        type Key = (FileId, Span, bool, String);
        let mut grouped: BTreeMap<Key, Vec<BoundRole<'u>>> = BTreeMap::new();
        for (&ri, (sas, default_bound)) in bound {
            let role = &self.ix.roles[ri];
            let mut push = |file: FileId, span: Span, managed: bool, what: String| {
                let e = grouped.entry((file, span, managed, what)).or_default();
                if !e.iter().any(|(r, _, _)| *r == ri) {
                    e.push((ri, sas, *default_bound));
                }
            };
            for a in &role.policies {
                if let Some(m) = &a.managed {
                    if is_catch_all_managed(m) {
                        push(a.file, a.span, true, m.clone());
                    }
                    continue;
                }
                for s in &a.policy.statements {
                    if let Some((span, what)) = s.catch_all_grant() {
                        push(s.file, span, false, what);
                    }
                }
            }
        }
        grouped
            .into_iter()
            .map(|((file, span, managed, what), roles)| Signal::CatchAll {
                roles,
                file,
                span,
                what: if managed {
                    CatchAllKind::Managed(what)
                } else {
                    CatchAllKind::Statement(what)
                },
            })
            .collect()
    }
}
