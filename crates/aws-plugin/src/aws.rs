//! Reading roles, policies and repository policies from AWS, with one cache per run.
//!
//! Only the operations in [`crate::ops::ALLOWED_OPERATIONS`] are called, through clients that
//! carry the read-only guard. Credentials come from the standard chain (environment, shared
//! config and credentials files, SSO, web identity, container and instance metadata), or from a
//! per-account profile or role in the options. Nothing here prints credentials.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use cutover_semantic::iam::arn::Arn;
use cutover_semantic::iam::Policy;
use lint_engine::FileId;
use serde::Deserialize;

use crate::ops::ReadOnlyGuard;

/// `[plugin.aws]` in cutover.toml (sent as `options`), or the flags of `cutover aws explain-role`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Options {
    /// Region for IAM and STS (ECR uses the region of each image URI).
    pub region: Option<String>,
    /// One endpoint for every service (an emulator); `AWS_ENDPOINT_URL` works too.
    pub endpoint_url: Option<String>,
    /// Profile for accounts without their own entry in `accounts`.
    pub profile: Option<String>,
    /// Per-account credentials: `accounts."111122223333" = { profile = "registry" }` or
    /// `{ role-arn = "arn:aws:iam::111122223333:role/cutover-read" }`.
    #[serde(default)]
    pub accounts: BTreeMap<String, AccountOptions>,
    /// The account Kubernetes workloads run in (for cross-account ECR pulls), when no node role
    /// ARN tells it.
    pub workload_account: Option<String>,
    /// The role that pulls images for Kubernetes workloads (node role or Fargate pod execution
    /// role), when the inputs do not name one.
    pub node_role_arn: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AccountOptions {
    pub profile: Option<String>,
    pub role_arn: Option<String>,
}

/// Why a resource could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// The resource does not exist (`NoSuchEntity`, `RepositoryNotFoundException`).
    NotFound,
    /// Any other failure (access denied, throttled, network): `code: message`.
    Unreadable(String),
}

/// An identity policy of a role, as read.
#[derive(Debug, Clone)]
pub struct LivePolicy {
    /// `inline policy `x`` or `managed policy `arn``.
    pub what: String,
    /// The name of an AWS managed policy (`arn:aws:iam::aws:policy/…`).
    pub aws_managed: Option<String>,
    pub policy: Policy,
}

/// A role as read.
#[derive(Debug, Clone)]
pub struct LiveRole {
    pub arn: String,
    pub trust: Option<Policy>,
    pub policies: Vec<LivePolicy>,
    pub fetched_at: String,
}

/// A repository policy as read: `None` when the repository has none.
#[derive(Debug, Clone)]
pub struct LiveRepo {
    pub policy: Option<Policy>,
    pub fetched_at: String,
}

/// The HTTPS client every SDK client uses: rustls with the ring provider.
pub fn http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// Now, as RFC 3339 UTC (`2026-11-29T16:20:00Z`).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    rfc3339(secs)
}

fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// IAM returns policy documents URL-encoded (RFC 3986); emulators sometimes do not.
pub fn decode_document(s: &str) -> String {
    if s.trim_start().starts_with('{') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parse a policy document read from AWS with cutover's own JSON reader and policy model.
pub fn parse_policy(text: &str) -> Result<Policy, String> {
    let text = decode_document(text);
    let node = lint_engine::load::json::parse(&text, lint_engine::load::json::DEFAULT_MAX_DEPTH)
        .map_err(|e| format!("invalid policy document: {}", e.message))?;
    Ok(Policy::from_json(FileId(0), &node))
}

/// The messages of an error and its sources, joined with `: ` (without the SDK's debug dump).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(e);
    while let Some(c) = cur {
        let s = c.to_string();
        let s = s.strip_prefix("other: ").unwrap_or(&s).to_string();
        if !s.is_empty() && !parts.iter().any(|p| p.contains(&s)) {
            parts.retain(|p| !s.contains(p.as_str()));
            parts.push(s);
        }
        cur = c.source();
    }
    if parts.is_empty() {
        DisplayErrorContext(e).to_string()
    } else {
        parts.join(": ").replace(": other: ", ": ")
    }
}

/// The text of the first `<tag>…</tag>` in an XML error body.
fn xml_tag<'b>(body: &'b str, tag: &str) -> Option<&'b str> {
    let open = format!("<{tag}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{tag}>"))? + start;
    Some(body[start..end].trim())
}

fn describe<E>(e: &SdkError<E, HttpResponse>) -> FetchError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    // Some emulators nest the error one level deeper than AWS (`<Errors><Error>`), so the SDK
    // finds no code; read it from the body then.
    let body = e
        .raw_response()
        .and_then(|r| r.body().bytes())
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let body_code = xml_tag(&body, "Code");
    let body_message = xml_tag(&body, "Message");
    let code = e.code().or(body_code).unwrap_or_default();
    if matches!(
        code,
        "NoSuchEntity" | "NoSuchEntityException" | "RepositoryNotFoundException"
    ) {
        return FetchError::NotFound;
    }
    let text = match (e.code().or(body_code), e.message().or(body_message)) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_string(),
        _ => error_chain(e),
    };
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    FetchError::Unreadable(one_line)
}

/// What a run without credentials says.
pub const NO_CREDENTIALS: &str = "no AWS credentials found: cutover-aws reads roles and \
    repository policies from your AWS account, read-only. Set AWS_PROFILE (or `profile` in \
    `[plugin.aws]`), AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or log in with `aws sso login`; \
    or run without `--plugin aws` to use the built-in checks alone";

/// The SDK clients and the per-run cache.
pub struct Live {
    opts: Options,
    configs: HashMap<Option<String>, SdkConfig>,
    roles: HashMap<String, Result<Rc<LiveRole>, FetchError>>,
    managed: HashMap<String, Result<Rc<LivePolicy>, FetchError>>,
    repos: HashMap<(String, String, String), Result<Rc<LiveRepo>, FetchError>>,
    caller: HashMap<Option<String>, Option<String>>,
}

impl Live {
    pub fn new(opts: Options) -> Live {
        Live {
            opts,
            configs: HashMap::new(),
            roles: HashMap::new(),
            managed: HashMap::new(),
            repos: HashMap::new(),
            caller: HashMap::new(),
        }
    }

    /// The SDK configuration for resources of `account` (its own profile or role if configured).
    async fn config(&mut self, account: Option<&str>) -> SdkConfig {
        let acct = account
            .filter(|a| self.opts.accounts.contains_key(*a))
            .map(str::to_string);
        if let Some(c) = self.configs.get(&acct) {
            return c.clone();
        }
        let per = acct
            .as_ref()
            .and_then(|a| self.opts.accounts.get(a))
            .cloned();
        let mut l = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http_client())
            .timeout_config(
                aws_config::timeout::TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_timeout(Duration::from_secs(20))
                    .build(),
            );
        if let Some(r) = &self.opts.region {
            l = l.region(Region::new(r.clone()));
        }
        if let Some(e) = &self.opts.endpoint_url {
            l = l.endpoint_url(e.clone());
        }
        let profile = per
            .as_ref()
            .and_then(|p| p.profile.clone())
            .or_else(|| self.opts.profile.clone());
        if let Some(p) = profile {
            // A named profile wins over credentials in the environment (the default chain would
            // prefer AWS_ACCESS_KEY_ID), so that each account can have its own.
            let provider_config = aws_config::provider_config::ProviderConfig::default()
                .with_http_client(http_client())
                .with_region(self.opts.region.clone().map(Region::new));
            let creds = aws_config::profile::ProfileFileCredentialsProvider::builder()
                .configure(&provider_config)
                .profile_name(&p)
                .build();
            l = l.profile_name(p).credentials_provider(creds);
        }
        let mut cfg = l.load().await;
        if cfg.region().is_none() {
            cfg = cfg.into_builder().region(Region::new("us-east-1")).build();
        }
        if let Some(role) = per.and_then(|p| p.role_arn) {
            // The credential provider calls sts:AssumeRole to obtain credentials for the role;
            // the plugin's own clients never do.
            let provider = aws_config::sts::AssumeRoleProvider::builder(role)
                .session_name("cutover-aws")
                .configure(&cfg)
                .build()
                .await;
            cfg = cfg
                .into_builder()
                .credentials_provider(
                    aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                )
                .build();
        }
        self.configs.insert(acct, cfg.clone());
        cfg
    }

    async fn iam_client(&mut self, account: Option<&str>) -> aws_sdk_iam::Client {
        let cfg = self.config(account).await;
        let conf = aws_sdk_iam::config::Builder::from(&cfg)
            .interceptor(ReadOnlyGuard)
            .build();
        aws_sdk_iam::Client::from_conf(conf)
    }

    async fn ecr_client(&mut self, account: &str, region: &str) -> aws_sdk_ecr::Client {
        let cfg = self.config(Some(account)).await;
        let conf = aws_sdk_ecr::config::Builder::from(&cfg)
            .region(Region::new(region.to_string()))
            .interceptor(ReadOnlyGuard)
            .build();
        aws_sdk_ecr::Client::from_conf(conf)
    }

    /// `Err` with one clear message when the credential chain finds no credentials at all (no
    /// environment variables, profile, SSO session, web identity or instance role), so that a
    /// run without credentials fails once instead of once per role and repository. Other
    /// credential problems (an expired SSO token, a network error) are left to each request,
    /// which reports them with the resource.
    pub async fn default_credentials(&mut self) -> Result<(), String> {
        use aws_credential_types::provider::error::CredentialsError;
        use aws_credential_types::provider::ProvideCredentials;
        let cfg = self.config(None).await;
        let Some(provider) = cfg.credentials_provider() else {
            return Err(NO_CREDENTIALS.to_string());
        };
        match provider.provide_credentials().await {
            Err(CredentialsError::CredentialsNotLoaded(_)) => Err(NO_CREDENTIALS.to_string()),
            _ => Ok(()),
        }
    }

    /// The account of the default credentials (sts:GetCallerIdentity), once per run.
    pub async fn caller_account(&mut self) -> Option<String> {
        if let Some(a) = self.caller.get(&None) {
            return a.clone();
        }
        let cfg = self.config(None).await;
        let conf = aws_sdk_sts::config::Builder::from(&cfg)
            .interceptor(ReadOnlyGuard)
            .build();
        let sts = aws_sdk_sts::Client::from_conf(conf);
        let a = sts
            .get_caller_identity()
            .send()
            .await
            .ok()
            .and_then(|o| o.account().map(str::to_string));
        self.caller.insert(None, a.clone());
        a
    }

    /// A role with its trust policy, inline policies and attached managed policies (default
    /// version), once per run.
    pub async fn role(&mut self, arn: &str) -> Result<Rc<LiveRole>, FetchError> {
        if let Some(r) = self.roles.get(arn) {
            return r.clone();
        }
        let r = self.fetch_role(arn).await.map(Rc::new);
        self.roles.insert(arn.to_string(), r.clone());
        r
    }

    async fn fetch_role(&mut self, arn: &str) -> Result<LiveRole, FetchError> {
        let parsed = Arn::parse(arn);
        let account = parsed
            .as_ref()
            .and_then(|a| a.account_id())
            .map(str::to_string);
        let Some(name) = parsed
            .as_ref()
            .and_then(|a| a.role_name())
            .map(str::to_string)
        else {
            return Err(FetchError::Unreadable("not a role ARN".into()));
        };
        let iam = self.iam_client(account.as_deref()).await;
        let fetched_at = now_rfc3339();
        let got = iam
            .get_role()
            .role_name(&name)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let trust = got
            .role()
            .and_then(|r| r.assume_role_policy_document())
            .and_then(|d| parse_policy(d).ok());
        let mut policies = Vec::new();
        // Inline policies.
        let mut marker: Option<String> = None;
        let mut names = Vec::new();
        loop {
            let out = iam
                .list_role_policies()
                .role_name(&name)
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|e| describe(&e))?;
            names.extend(out.policy_names().iter().cloned());
            match out.marker() {
                Some(m) if out.is_truncated() => marker = Some(m.to_string()),
                _ => break,
            }
        }
        for p in names {
            let out = iam
                .get_role_policy()
                .role_name(&name)
                .policy_name(&p)
                .send()
                .await
                .map_err(|e| describe(&e))?;
            let policy = parse_policy(out.policy_document()).map_err(FetchError::Unreadable)?;
            policies.push(LivePolicy {
                what: format!("inline policy `{p}`"),
                aws_managed: None,
                policy,
            });
        }
        // Attached managed policies.
        let mut attached = Vec::new();
        loop {
            let out = iam
                .list_attached_role_policies()
                .role_name(&name)
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|e| describe(&e))?;
            attached.extend(
                out.attached_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_string)),
            );
            match out.marker() {
                Some(m) if out.is_truncated() => marker = Some(m.to_string()),
                _ => break,
            }
        }
        for parn in attached {
            let p = self.managed_policy(&iam, &parn).await?;
            policies.push((*p).clone());
        }
        Ok(LiveRole {
            arn: arn.to_string(),
            trust,
            policies,
            fetched_at,
        })
    }

    async fn managed_policy(
        &mut self,
        iam: &aws_sdk_iam::Client,
        arn: &str,
    ) -> Result<Rc<LivePolicy>, FetchError> {
        if let Some(p) = self.managed.get(arn) {
            return p.clone();
        }
        let r = async {
            let got = iam
                .get_policy()
                .policy_arn(arn)
                .send()
                .await
                .map_err(|e| describe(&e))?;
            let version = got
                .policy()
                .and_then(|p| p.default_version_id())
                .ok_or_else(|| {
                    FetchError::Unreadable(format!("policy `{arn}` has no default version"))
                })?
                .to_string();
            let v = iam
                .get_policy_version()
                .policy_arn(arn)
                .version_id(&version)
                .send()
                .await
                .map_err(|e| describe(&e))?;
            let doc = v
                .policy_version()
                .and_then(|v| v.document())
                .ok_or_else(|| FetchError::Unreadable(format!("policy `{arn}` has no document")))?;
            let policy = parse_policy(doc).map_err(FetchError::Unreadable)?;
            let aws_managed = Arn::parse(arn)
                .filter(|a| a.is_aws_managed_policy())
                .and_then(|a| a.iam_name())
                .map(str::to_string);
            Ok(Rc::new(LivePolicy {
                what: format!("managed policy `{arn}` ({version})"),
                aws_managed,
                policy,
            }))
        }
        .await;
        self.managed.insert(arn.to_string(), r.clone());
        r
    }

    /// The policy of repository `name` in registry `account`/`region`, once per run.
    pub async fn repository(
        &mut self,
        account: &str,
        region: &str,
        name: &str,
    ) -> Result<Rc<LiveRepo>, FetchError> {
        let key = (account.to_string(), region.to_string(), name.to_string());
        if let Some(r) = self.repos.get(&key) {
            return r.clone();
        }
        let ecr = self.ecr_client(account, region).await;
        let fetched_at = now_rfc3339();
        let got = ecr
            .get_repository_policy()
            .registry_id(account)
            .repository_name(name)
            .send()
            .await;
        let r = match got {
            Ok(out) => match out.policy_text() {
                Some(t) => parse_policy(t)
                    .map(|p| {
                        Rc::new(LiveRepo {
                            policy: Some(p),
                            fetched_at: fetched_at.clone(),
                        })
                    })
                    .map_err(FetchError::Unreadable),
                None => Ok(Rc::new(LiveRepo {
                    policy: None,
                    fetched_at,
                })),
            },
            Err(e) if e.code() == Some("RepositoryPolicyNotFoundException") => {
                Ok(Rc::new(LiveRepo {
                    policy: None,
                    fetched_at,
                }))
            }
            Err(e) => Err(describe(&e)),
        };
        self.repos.insert(key, r.clone());
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_error_fields() {
        let body = "<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>no</Message></Error></Errors></ErrorResponse>";
        assert_eq!(xml_tag(body, "Code"), Some("AccessDenied"));
        assert_eq!(xml_tag(body, "Message"), Some("no"));
        assert_eq!(xml_tag(body, "Type"), None);
        assert_eq!(xml_tag("<Code>x", "Code"), None);
    }

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_000_000), "2026-11-30T00:53:20Z");
    }

    #[test]
    fn documents_are_url_decoded() {
        assert_eq!(
            decode_document("%7B%22Version%22%3A%222012-10-17%22%7D"),
            r#"{"Version":"2012-10-17"}"#
        );
        assert_eq!(decode_document(r#"{"a": "%41"}"#), r#"{"a": "%41"}"#);
        // A stray `%` is kept.
        assert_eq!(decode_document("%7Ba%"), "{a%");
        let p = parse_policy("%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22*%22%2C%22Resource%22%3A%22*%22%7D%5D%7D").unwrap();
        assert_eq!(p.statements.len(), 1);
        assert!(p.statements[0].all_actions_value().is_some());
    }
}
