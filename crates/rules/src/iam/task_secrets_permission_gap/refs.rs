//! What a task definition's `valueFrom` names: the secret or parameter, the ARN the execution
//! role must be allowed on, and the customer managed KMS key that encrypts it, if any.

use cutover_semantic::iam::arn::partition_of_region;
use cutover_semantic::iam::grants::{secret_target, SECRETS_MANAGER_READ, SSM_READ};
use cutover_semantic::iam::{Arn, IamIndex};
use lint_engine::doc::{is_unresolved_text, Node};
use lint_engine::model::{TfMode, TfResource};
use lint_engine::tfref::parse_refs;

/// Where a reference sits in a container definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    Secrets,
    LogSecretOptions,
    RepositoryCredentials,
}

impl Place {
    pub(super) fn describe(self) -> &'static str {
        match self {
            Place::Secrets => "secret",
            Place::LogSecretOptions => "log configuration secret",
            Place::RepositoryCredentials => "registry credentials",
        }
    }
}

/// The store a reference reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Store {
    SecretsManager,
    Ssm,
}

impl Store {
    pub(super) fn action(self) -> &'static str {
        match self {
            Store::SecretsManager => SECRETS_MANAGER_READ,
            Store::Ssm => SSM_READ,
        }
    }
}

/// One `valueFrom` / `credentialsParameter` of a container.
#[derive(Debug, Clone)]
pub(super) struct SecretRef<'a> {
    pub node: &'a Node,
    pub place: Place,
    /// `secrets[].name`, when given.
    pub name: Option<&'a str>,
    pub store: Store,
    /// The resource to ask for: a full ARN (`-??????` standing for the random suffix of a
    /// Secrets Manager ARN given without it, `REGION`/`ACCOUNT` for parts not known), or the
    /// Terraform expression itself.
    pub resource: String,
    /// Parts of `resource` are placeholders (suffix, region, account).
    pub partial: bool,
    /// The customer managed KMS key (ARN or expression) of the secret or parameter, when the
    /// inputs hold it.
    pub kms_key: Option<String>,
    /// A name-only SSM reference whose parameter the inputs place in another region.
    pub other_region: Option<String>,
}

/// The references of one container: `secrets[].valueFrom`,
/// `logConfiguration.secretOptions[].valueFrom` and `repositoryCredentials.credentialsParameter`.
pub(super) fn container_refs<'a>(
    ix: &IamIndex<'_, 'a>,
    tf: Option<&TfResource<'a>>,
    container: &'a Node,
    account: Option<&str>,
    region: Option<&str>,
) -> (Vec<SecretRef<'a>>, Vec<&'a Node>) {
    let mut values: Vec<(&'a Node, Place, Option<&'a str>)> = Vec::new();
    for s in container
        .get("secrets")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
    {
        if let Some(v) = s.get("valueFrom") {
            values.push((v, Place::Secrets, s.get("name").and_then(Node::as_str)));
        }
    }
    let opts = container
        .get("logConfiguration")
        .and_then(|l| l.get("secretOptions"))
        .and_then(Node::as_seq)
        .unwrap_or(&[]);
    for s in opts {
        if let Some(v) = s.get("valueFrom") {
            values.push((
                v,
                Place::LogSecretOptions,
                s.get("name").and_then(Node::as_str),
            ));
        }
    }
    if let Some(v) = container
        .get("repositoryCredentials")
        .and_then(|r| r.get("credentialsParameter"))
    {
        values.push((v, Place::RepositoryCredentials, None));
    }
    let mut out = Vec::new();
    let mut unresolved = Vec::new();
    for (node, place, name) in values {
        let Some(text) = node.as_str().filter(|t| !t.is_empty()) else {
            continue;
        };
        let r = if is_unresolved_text(text) {
            from_expression(ix, tf, text, account, region)
        } else {
            from_literal(ix, text, place, account, region)
        };
        match r {
            Some((store, resource, partial, kms_key, other_region)) => out.push(SecretRef {
                node,
                place,
                name,
                store,
                resource,
                partial,
                kms_key,
                other_region,
            }),
            None => unresolved.push(node),
        }
    }
    (out, unresolved)
}

type Resolved = (Store, String, bool, Option<String>, Option<String>);

fn from_literal(
    ix: &IamIndex<'_, '_>,
    text: &str,
    place: Place,
    account: Option<&str>,
    region: Option<&str>,
) -> Option<Resolved> {
    if let Some(arn) = Arn::parse(text) {
        match arn.service {
            "secretsmanager" => {
                let (resource, partial, bare) = secret_target(&arn)?;
                let kms = secret_key_by_name(ix, &bare);
                return Some((Store::SecretsManager, resource, partial, kms, None));
            }
            "ssm" => {
                let pname = arn.resource.strip_prefix("parameter")?;
                let kms = parameter_key_by_name(ix, pname).and_then(|(k, _)| k);
                return Some((Store::Ssm, text.to_string(), false, kms, None));
            }
            _ => return None,
        }
    }
    if place == Place::RepositoryCredentials {
        return None;
    }
    // A parameter name: same account and region as the task.
    let path = text.trim_start_matches('/');
    let found = parameter_key_by_name(ix, text);
    let kms = found.as_ref().and_then(|(k, _)| k.clone());
    let other_region = found
        .and_then(|(_, r)| r)
        .filter(|r| region.is_some_and(|tr| tr != r));
    let partition = region.map(partition_of_region).unwrap_or("aws");
    Some((
        Store::Ssm,
        format!(
            "arn:{partition}:ssm:{}:{}:parameter/{path}",
            region.unwrap_or("REGION"),
            account.unwrap_or("ACCOUNT")
        ),
        region.is_none() || account.is_none(),
        kms,
        other_region,
    ))
}

/// `${aws_secretsmanager_secret.db.arn}`, `${aws_ssm_parameter.p.arn}` or `.name`, and the
/// `aws_secretsmanager_secret_version` of a secret.
fn from_expression(
    ix: &IamIndex<'_, '_>,
    tf: Option<&TfResource<'_>>,
    text: &str,
    account: Option<&str>,
    region: Option<&str>,
) -> Option<Resolved> {
    let tf = tf?;
    let refs = parse_refs(text);
    let [r] = refs.as_slice() else { return None };
    let target = ix.model.resolve_tf(tf, &r.address)?;
    if target.mode != TfMode::Managed {
        return None;
    }
    let key = |attr: &str| {
        target
            .attr(attr)
            .and_then(|k| k.as_str().filter(|s| !s.is_empty()).map(str::to_string))
    };
    match (target.rtype, r.attr.as_str()) {
        ("aws_secretsmanager_secret", "arn" | "id") => Some((
            Store::SecretsManager,
            text.to_string(),
            false,
            key("kms_key_id"),
            None,
        )),
        ("aws_ssm_parameter", "arn") => {
            Some((Store::Ssm, text.to_string(), false, ssm_key(target), None))
        }
        ("aws_ssm_parameter", "name") => {
            let name = target.attr("name").and_then(Node::literal_str)?;
            let partition = region.map(partition_of_region).unwrap_or("aws");
            Some((
                Store::Ssm,
                format!(
                    "arn:{partition}:ssm:{}:{}:parameter/{}",
                    region.unwrap_or("REGION"),
                    account.unwrap_or("ACCOUNT"),
                    name.trim_start_matches('/')
                ),
                region.is_none() || account.is_none(),
                ssm_key(target),
                None,
            ))
        }
        _ => None,
    }
}

/// The customer managed key of a `SecureString` parameter (`key_id`); the default `aws/ssm` key
/// needs no grant.
fn ssm_key(p: &TfResource<'_>) -> Option<String> {
    let k = p.attr("key_id").and_then(Node::as_str)?;
    (!k.is_empty() && k != "alias/aws/ssm").then(|| k.to_string())
}

fn secret_key_by_name(ix: &IamIndex<'_, '_>, name: &str) -> Option<String> {
    ix.model
        .tf_of_type("aws_secretsmanager_secret")
        .find(|s| s.attr("name").and_then(Node::literal_str) == Some(name))
        .and_then(|s| s.attr("kms_key_id").and_then(Node::as_str))
        .filter(|k| !k.is_empty() && *k != "alias/aws/secretsmanager")
        .map(str::to_string)
}

/// The key and the region (from the parameter's literal ARN) of an `aws_ssm_parameter` in the
/// inputs with this name.
fn parameter_key_by_name(
    ix: &IamIndex<'_, '_>,
    name: &str,
) -> Option<(Option<String>, Option<String>)> {
    let want = name.trim_start_matches('/');
    let p = ix.model.tf_of_type("aws_ssm_parameter").find(|p| {
        p.attr("name")
            .and_then(Node::literal_str)
            .is_some_and(|n| n.trim_start_matches('/') == want)
    })?;
    let region = p
        .attr("arn")
        .and_then(Node::literal_str)
        .and_then(Arn::parse)
        .map(|a| a.region.to_string());
    Some((ssm_key(p), region))
}
