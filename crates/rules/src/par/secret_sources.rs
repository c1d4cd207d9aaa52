//! What PAR004 reads on both sides: the secret an ECS `valueFrom` names, and, on the Kubernetes
//! side, the ExternalSecrets (any served `external-secrets.io` version) that produce a Secret,
//! the `Secret` manifests of the inputs and the Secrets Store CSI `SecretProviderClass`es.

use cutover_semantic::k8s::K8sIndex;
use lint_engine::doc::{is_unresolved_text, Node};
use lint_engine::model::{K8sObject, Model};

/// The secret an ECS `valueFrom` reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcsSecret {
    /// The secret's name (Secrets Manager) or the parameter's path without leading `/` (SSM).
    pub name: String,
    /// The name without the 6-character random suffix, when it came from a full ARN that has
    /// one (`prod/db-AbCdEf` → `prod/db`).
    pub bare: Option<String>,
    /// The `json-key` of a Secrets Manager `…:json-key:stage:id` reference.
    pub json_key: Option<String>,
}

fn strip_suffix(name: &str) -> Option<String> {
    let (head, tail) = name.rsplit_once('-')?;
    (!head.is_empty() && tail.len() == 6 && tail.chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| head.to_string())
}

/// Parse a `valueFrom` (or an ESO `remoteRef.key`): a Secrets Manager ARN with optional
/// `:json-key:version-stage:version-id`, an SSM parameter ARN, or a bare name. `None` for a
/// value that is not known statically or empty.
pub fn parse_reference(text: &str) -> Option<EcsSecret> {
    if text.is_empty() || is_unresolved_text(text) {
        return None;
    }
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    if parts.len() == 6 && parts[0] == "arn" {
        let resource = parts[5];
        if let Some(rest) = resource.strip_prefix("secret:") {
            let mut it = rest.split(':');
            let name = it.next().unwrap_or_default().to_string();
            let json_key = it.next().filter(|k| !k.is_empty()).map(str::to_string);
            let bare = strip_suffix(&name);
            return Some(EcsSecret {
                name,
                bare,
                json_key,
            });
        }
        if let Some(p) = resource.strip_prefix("parameter") {
            return Some(EcsSecret {
                name: p.trim_start_matches('/').to_string(),
                bare: None,
                json_key: None,
            });
        }
        return None;
    }
    Some(EcsSecret {
        name: text.trim_start_matches('/').to_string(),
        bare: None,
        json_key: None,
    })
}

impl EcsSecret {
    /// Whether `other` names the same secret: equal names, or equal once the random suffix of a
    /// full ARN is dropped on either side (an ARN with the suffix against a bare name).
    pub fn same_secret(&self, other: &EcsSecret) -> bool {
        let mine = [Some(&self.name), self.bare.as_ref()];
        let theirs = [Some(&other.name), other.bare.as_ref()];
        mine.iter()
            .flatten()
            .any(|a| theirs.iter().flatten().any(|b| a == b))
    }
}

/// An ExternalSecret of the workload's repository and namespace, by the Secret it produces.
pub struct ExternalSecret<'m, 'a> {
    pub object: &'m K8sObject<'a>,
    pub spec: Option<&'a Node>,
}

impl<'a> ExternalSecret<'_, 'a> {
    /// `spec.data[]` entries.
    pub fn data(&self) -> &'a [Node] {
        self.spec
            .and_then(|s| s.get("data"))
            .and_then(Node::as_seq)
            .unwrap_or(&[])
    }
    /// The keys of `spec.dataFrom[].extract.key`.
    pub fn extract_keys(&self) -> Vec<&'a str> {
        self.spec
            .and_then(|s| s.get("dataFrom"))
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(|d| d.path(&["extract", "key"]).and_then(Node::as_str))
            .collect()
    }
    pub fn name(&self) -> &'a str {
        self.object.name.unwrap_or("?")
    }
}

/// The Kubernetes objects of kind `kind` that object `of` may refer to (same repository, same
/// namespace).
pub fn joined<'m, 'a>(
    model: &'m Model<'a>,
    ix: &'m K8sIndex,
    of: usize,
    kind: &'m str,
) -> impl Iterator<Item = &'m K8sObject<'a>> + 'm {
    ix.in_repo_of(model, of, kind)
        .filter(move |(i, _)| ix.joins(of, *i))
        .map(|(_, o)| o)
}

/// The ExternalSecrets that produce Secret `secret` for object `of`: `spec.target.name`, or the
/// ExternalSecret's own name when it sets none.
pub fn producers<'m, 'a>(
    model: &'m Model<'a>,
    ix: &'m K8sIndex,
    of: usize,
    secret: &str,
) -> Vec<ExternalSecret<'m, 'a>> {
    joined(model, ix, of, "ExternalSecret")
        .filter(|o| o.api_version.starts_with("external-secrets.io/"))
        .filter(|o| {
            let target = o
                .node
                .path(&["spec", "target", "name"])
                .and_then(Node::as_str)
                .or(o.name);
            target == Some(secret)
        })
        .map(|o| ExternalSecret {
            object: o,
            spec: o.node.get("spec"),
        })
        .collect()
}

/// A `Secret` manifest named `secret` that holds `key` in `data` or `stringData` (literal values
/// written in the repository). A SOPS-encrypted manifest (a top-level `sops` block: Flux or
/// kustomize-sops decrypt it at deploy time) is not plain text and is not returned.
pub fn literal_secret<'m, 'a>(
    model: &'m Model<'a>,
    ix: &'m K8sIndex,
    of: usize,
    secret: &str,
) -> Option<&'m K8sObject<'a>> {
    joined(model, ix, of, "Secret").find(|o| {
        o.name == Some(secret)
            && o.node.get("sops").is_none()
            && (o.node.get("data").is_some() || o.node.get("stringData").is_some())
    })
}

/// A SOPS-encrypted `Secret` manifest named `secret` (a top-level `sops` block): its values are
/// in the repository, encrypted, and decrypted at deploy time.
pub fn sops_secret<'m, 'a>(
    model: &'m Model<'a>,
    ix: &'m K8sIndex,
    of: usize,
    secret: &str,
) -> Option<&'m K8sObject<'a>> {
    joined(model, ix, of, "Secret").find(|o| o.name == Some(secret) && o.node.get("sops").is_some())
}

/// Whether a Secrets Store CSI volume of the pod mounts `want` from AWS: a `csi` volume with
/// driver `secrets-store.csi.k8s.io` whose `SecretProviderClass` lists the secret among its
/// `objects`.
pub fn mounted_by_csi(
    model: &Model<'_>,
    ix: &K8sIndex,
    of: usize,
    pod_spec: &Node,
    want: &EcsSecret,
) -> bool {
    let classes: Vec<&str> = pod_spec
        .get("volumes")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|v| v.get("csi"))
        .filter(|c| c.get("driver").and_then(Node::as_str) == Some("secrets-store.csi.k8s.io"))
        .filter_map(|c| {
            c.path(&["volumeAttributes", "secretProviderClass"])
                .and_then(Node::as_str)
        })
        .collect();
    if classes.is_empty() {
        return false;
    }
    joined(model, ix, of, "SecretProviderClass")
        .filter(|o| o.name.is_some_and(|n| classes.contains(&n)))
        .filter_map(|o| o.node.path(&["spec", "parameters", "objects"]))
        .filter_map(Node::as_str)
        .any(|objects| {
            objects.lines().any(|l| {
                let l = l.trim().trim_start_matches('-').trim();
                let Some(v) = l.strip_prefix("objectName:") else {
                    return false;
                };
                let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
                parse_reference(v).is_some_and(|s| s.same_secret(want))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_arns_and_names() {
        let s = parse_reference(
            "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbCdEf:password::",
        )
        .unwrap();
        assert_eq!(s.name, "prod/db-AbCdEf");
        assert_eq!(s.bare.as_deref(), Some("prod/db"));
        assert_eq!(s.json_key.as_deref(), Some("password"));
        let p = parse_reference("arn:aws:ssm:eu-west-1:111122223333:parameter/prod/api").unwrap();
        assert_eq!(p.name, "prod/api");
        assert!(p.same_secret(&parse_reference("/prod/api").unwrap()));
        assert!(s.same_secret(&parse_reference("prod/db").unwrap()));
        assert!(!s.same_secret(&parse_reference("prod/other").unwrap()));
        assert!(parse_reference("${var.secret}").is_none());
    }
}
