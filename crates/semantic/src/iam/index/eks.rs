//! EKS: IRSA and Pod Identity of service accounts, node roles and who pulls images for a pod.

use lint_engine::doc::Node;
use lint_engine::model::K8sObject;

use super::*;
use crate::iam::arn::Arn;

impl<'m, 'a> IamIndex<'m, 'a> {
    pub(crate) fn collect_k8s(&mut self) {
        for (i, o) in self.model.k8s.iter().enumerate() {
            if o.kind == "ServiceAccount" {
                if let Some(n) = o.name {
                    self.service_accounts
                        .entry((o.namespace_or_default().to_string(), n.to_string()))
                        .or_default()
                        .push(i);
                }
            }
        }
    }

    pub(crate) fn collect_eks(&mut self) {
        let model = self.model;
        for r in model.tf_of_type("aws_eks_pod_identity_association") {
            let role_arn = r.attr("role_arn");
            let role = self.role_from_value(Some(r), &r.resource_refs_at(&["role_arn"]), role_arn);
            self.pod_identity.push(PodIdentity {
                res: r,
                namespace: r.attr("namespace").and_then(Node::literal_str),
                service_account: r.attr("service_account"),
                role,
                role_arn,
            });
        }
        for (rtype, attr, fargate) in [
            ("aws_eks_node_group", "node_role_arn", false),
            ("aws_eks_fargate_profile", "pod_execution_role_arn", true),
        ] {
            for r in model.tf_of_type(rtype) {
                let Some(v) = r.attr(attr) else { continue };
                let role = self.role_from_value(Some(r), &r.resource_refs_at(&[attr]), Some(v));
                let mut selectors = Vec::new();
                for s in r.attr("selector").into_iter().flat_map(Node::blocks) {
                    let ns = s
                        .get("namespace")
                        .and_then(Node::literal_str)
                        .unwrap_or("*")
                        .to_string();
                    let labels = s
                        .get("labels")
                        .map(Node::scalar_members)
                        .unwrap_or_default();
                    selectors.push((ns, labels));
                }
                self.node_roles.push(NodeRole {
                    res: Some(r),
                    object: None,
                    file: r.file,
                    value: v,
                    role,
                    literal_arn: v.literal_str().filter(|s| Arn::parse(s).is_some()),
                    fargate,
                    selectors,
                });
            }
        }
        // Karpenter EC2NodeClass `spec.role` (a role name).
        for (i, o) in model.k8s.iter().enumerate() {
            if o.kind != "EC2NodeClass" {
                continue;
            }
            if let Some(v) = o.node.path(&["spec", "role"]) {
                let role = v.literal_str().and_then(|s| self.role_by_literal(s, None));
                self.node_roles.push(NodeRole {
                    res: None,
                    object: Some(i),
                    file: o.file,
                    value: v,
                    role,
                    literal_arn: None,
                    fargate: false,
                    selectors: Vec::new(),
                });
            }
        }
    }

    /// The AWS identities of a ServiceAccount.
    pub fn sa_identities(&self, namespace: &str, name: &str) -> Vec<SaIdentity<'a>> {
        let mut out = Vec::new();
        if let Some(objs) = self
            .service_accounts
            .get(&(namespace.to_string(), name.to_string()))
        {
            for &i in objs {
                let o: &K8sObject<'a> = &self.model.k8s[i];
                if let Some(v) = o.annotation("eks.amazonaws.com/role-arn") {
                    if v.literal_str().is_some() {
                        out.push(SaIdentity::Irsa {
                            object: i,
                            value: v,
                            role: self.role_by_literal(v.as_str().unwrap_or_default(), None),
                        });
                    }
                }
            }
        }
        for (i, p) in self.pod_identity.iter().enumerate() {
            if p.namespace == Some(namespace) && p.service_account_name() == Some(name) {
                out.push(SaIdentity::PodIdentity {
                    assoc: i,
                    role: p.role,
                });
            }
        }
        out
    }

    /// The node roles that may pull images for a pod in `namespace` with `labels`: the pod
    /// execution roles of matching Fargate profiles, else every EC2 node role.
    pub fn pullers_for_pod(
        &self,
        namespace: &str,
        labels: &[(String, String)],
    ) -> Vec<&NodeRole<'m, 'a>> {
        let fargate: Vec<_> = self
            .node_roles
            .iter()
            .filter(|n| {
                n.fargate
                    && n.selectors.iter().any(|(ns, sel)| {
                        (ns == namespace || ns == "*")
                            && sel
                                .iter()
                                .all(|(k, v)| labels.iter().any(|(lk, lv)| lk == k && lv == v))
                    })
            })
            .collect();
        if !fargate.is_empty() {
            return fargate;
        }
        self.node_roles.iter().filter(|n| !n.fargate).collect()
    }
}
