//! The plugin is read-only: the exact set of AWS API operations it may call, and an SDK
//! interceptor that refuses any other operation before it is signed or sent.
//!
//! Every IAM, ECR and STS client the plugin builds carries [`ReadOnlyGuard`]. A unit test checks
//! this list against the SDK calls in the sources, so adding a call means adding it here (and to
//! the IAM policy in docs/aws-plugin.md).

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// `(service, operation)` pairs the plugin may call: only reads.
pub const ALLOWED_OPERATIONS: &[(&str, &str)] = &[
    ("IAM", "GetRole"),
    ("IAM", "ListRolePolicies"),
    ("IAM", "GetRolePolicy"),
    ("IAM", "ListAttachedRolePolicies"),
    ("IAM", "GetPolicy"),
    ("IAM", "GetPolicyVersion"),
    ("ECR", "GetRepositoryPolicy"),
    ("STS", "GetCallerIdentity"),
];

/// True when `service`/`operation` is in [`ALLOWED_OPERATIONS`] (service names compare without
/// case: the SDK names them `IAM`, `ECR`, `STS`).
pub fn is_allowed(service: &str, operation: &str) -> bool {
    ALLOWED_OPERATIONS
        .iter()
        .any(|(s, o)| s.eq_ignore_ascii_case(service) && *o == operation)
}

/// Refuses every operation that is not in [`ALLOWED_OPERATIONS`], before anything is sent.
#[derive(Debug, Default, Clone, Copy)]
pub struct ReadOnlyGuard;

impl Intercept for ReadOnlyGuard {
    fn name(&self) -> &'static str {
        "cutover-aws read-only guard"
    }

    // The operation's metadata is in the config bag from serialization on; this hook still runs
    // before the request is built, signed or sent.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(m) = cfg.load::<Metadata>() else {
            return Err("cutover-aws refuses an AWS call whose operation it cannot name".into());
        };
        if is_allowed(m.service(), m.name()) {
            Ok(())
        } else {
            Err(format!(
                "cutover-aws is read-only and refuses the call {}:{}",
                m.service(),
                m.name()
            )
            .into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// `get_role` → `GetRole`.
    fn pascal(snake: &str) -> String {
        snake
            .split('_')
            .map(|w| {
                let mut c = w.chars();
                match c.next() {
                    Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                    None => String::new(),
                }
            })
            .collect()
    }

    /// Every `iam.<op>(`, `ecr.<op>(` and `sts.<op>(` call in the plugin's sources. The plugin
    /// names its clients `iam`, `ecr` and `sts` everywhere, so these are all its SDK calls.
    fn calls_in_sources() -> BTreeSet<(String, String)> {
        let mut files = Vec::new();
        let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(dir).unwrap() {
                let path = e.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.file_name().is_some_and(|n| n != "ops.rs") {
                    files.push(path);
                }
            }
        }
        let mut out = BTreeSet::new();
        for path in files {
            // Calls are chained over several lines (`iam\n    .get_role()`).
            let text: String = std::fs::read_to_string(&path)
                .unwrap()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            for svc in ["iam", "ecr", "sts"] {
                let pat = format!("{svc}.");
                let mut rest = text.as_str();
                while let Some(i) = rest.find(&pat) {
                    let before = rest[..i].chars().next_back();
                    rest = &rest[i + pat.len()..];
                    if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                        continue;
                    }
                    let ident: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    if !ident.is_empty() && rest[ident.len()..].starts_with("()") {
                        out.insert((svc.to_ascii_uppercase(), pascal(&ident)));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn the_sources_call_exactly_the_allowed_operations() {
        let want: BTreeSet<(String, String)> = ALLOWED_OPERATIONS
            .iter()
            .map(|(s, o)| (s.to_string(), o.to_string()))
            .collect();
        assert_eq!(calls_in_sources(), want);
        for (_, op) in ALLOWED_OPERATIONS {
            assert!(
                op.starts_with("Get") || op.starts_with("List"),
                "{op} is not a read"
            );
        }
    }

    #[test]
    fn allowed_is_exact() {
        assert!(is_allowed("IAM", "GetRole"));
        assert!(is_allowed("iam", "GetRole"));
        assert!(!is_allowed("IAM", "CreateRole"));
        assert!(!is_allowed("IAM", "getrole"));
        assert!(!is_allowed("ECR", "GetRole"));
        assert!(!is_allowed("ECR", "SetRepositoryPolicy"));
        assert!(!is_allowed("STS", "AssumeRole"));
    }

    /// A write through a guarded client is refused by the interceptor before anything is sent
    /// (the endpoint is a closed loopback port: reaching it would give a connection error).
    #[test]
    fn the_guard_refuses_writes_before_sending() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let creds =
                aws_sdk_iam::config::Credentials::new("testing", "testing", None, None, "t");
            let http = crate::aws::http_client();
            let conf = aws_sdk_iam::Config::builder()
                .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
                .region(aws_sdk_iam::config::Region::new("us-east-1"))
                .credentials_provider(creds)
                .endpoint_url("http://127.0.0.1:9")
                .http_client(http)
                .interceptor(ReadOnlyGuard)
                .build();
            let client = aws_sdk_iam::Client::from_conf(conf);
            let err = client
                .create_role()
                .role_name("x")
                .assume_role_policy_document("{}")
                .send()
                .await
                .unwrap_err();
            let text = format!("{}", aws_sdk_iam::error::DisplayErrorContext(&err));
            assert!(
                text.contains("cutover-aws is read-only and refuses the call IAM:CreateRole"),
                "{text}"
            );
            // An allowed read passes the guard and fails only at the (closed) endpoint.
            let err = client.get_role().role_name("x").send().await.unwrap_err();
            let text = format!("{}", aws_sdk_iam::error::DisplayErrorContext(&err));
            assert!(!text.contains("refuses"), "{text}");
        });
    }
}
