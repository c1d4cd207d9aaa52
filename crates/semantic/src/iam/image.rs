//! Container image references (catalog §9.9): registry host, ECR account and region, repository,
//! tag and digest, and the registries AWS itself owns.

use std::sync::OnceLock;

use regex::Regex;

/// Where an image is pulled from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registry {
    /// A private Amazon ECR registry: `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`.
    EcrPrivate {
        account: String,
        region: String,
        fips: bool,
    },
    /// `public.ecr.aws/<alias>/…`: no IAM needed to pull.
    EcrPublic { alias: String },
    /// Docker Hub (no host, `docker.io`, `index.docker.io`, `registry-1.docker.io`).
    DockerHub,
    /// Any other registry host (`ghcr.io`, `quay.io`, `registry.k8s.io`, `localhost:5000`…).
    Other(String),
}

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub registry: Registry,
    /// The host as written (`None` for Docker Hub short names such as `nginx`).
    pub host: Option<String>,
    /// Repository path without host, tag or digest: `team/app`, `library/nginx` for `nginx`.
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    /// `tag` or `latest` when neither tag nor digest is given (§9.9: no tag means `latest`).
    pub fn effective_tag(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(t), _) => Some(t),
            (None, None) => Some("latest"),
            (None, Some(_)) => None,
        }
    }

    /// Account and region of a private ECR image.
    pub fn ecr(&self) -> Option<(&str, &str)> {
        match &self.registry {
            Registry::EcrPrivate {
                account, region, ..
            } => Some((account, region)),
            _ => None,
        }
    }
}

/// The grammar of a private ECR image reference. ASCII classes and no bounded repetition of a
/// class: those compile into large automata (a `{0,299}` is 299 copies of its class), and the
/// regex is compiled in every run, pre-commit ones included. The tag's length (at most 300)
/// and the digest's (64 hexadecimal digits) are checked after the match
/// ([`ecr_private_captures`]).
fn ecr_private_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"^(?P<acct>[0-9]{12})\.dkr\.ecr(?P<fips>-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/",
            r"(?P<repo>(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)",
            r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]*))?",
            r"(?:@(?P<digest>sha256:[a-f0-9]+))?$"
        ))
        .expect("static regex")
    })
}

/// The captures of a private ECR image reference: [`ecr_private_re`] with a tag of at most 300
/// characters and a digest of 64 hexadecimal digits.
fn ecr_private_captures(s: &str) -> Option<regex::Captures<'_>> {
    let c = ecr_private_re().captures(s)?;
    let tag_ok = c.name("tag").is_none_or(|t| t.len() <= 300);
    let digest_ok = c
        .name("digest")
        .is_none_or(|d| d.len() == "sha256:".len() + 64);
    (tag_ok && digest_ok).then_some(c)
}

/// Parse an image reference. `None` for empty strings, interpolations (`${…}`, `{{…}}`) and
/// references that do not follow the grammar (an ECR host with an invalid repository name is
/// rejected rather than guessed).
pub fn parse_image(s: &str) -> Option<ImageRef> {
    let s = s.trim();
    if s.is_empty() || lint_engine::doc::is_unresolved_text(s) || s.contains(char::is_whitespace) {
        return None;
    }
    if let Some(c) = ecr_private_captures(s) {
        return Some(ImageRef {
            registry: Registry::EcrPrivate {
                account: c["acct"].to_string(),
                region: c["region"].to_string(),
                fips: c.name("fips").is_some(),
            },
            host: s.split('/').next().map(str::to_string),
            repository: c["repo"].to_string(),
            tag: c.name("tag").map(|m| m.as_str().to_string()),
            digest: c.name("digest").map(|m| m.as_str().to_string()),
        });
    }
    // Generic grammar: [host[:port]/]path[:tag][@digest].
    let (rest, digest) = match s.split_once('@') {
        Some((r, d)) => (r, Some(d.to_string())),
        None => (s, None),
    };
    let (host, path) = match rest.split_once('/') {
        Some((h, p)) if h.contains('.') || h.contains(':') || h == "localhost" => {
            (Some(h.to_string()), p)
        }
        _ => (None, rest),
    };
    // A tag follows the last `:` after the last `/`.
    let last_slash = path.rfind('/').map(|i| i + 1).unwrap_or(0);
    let (repo, tag) = match path[last_slash..].rfind(':') {
        Some(i) => (
            &path[..last_slash + i],
            Some(path[last_slash + i + 1..].to_string()),
        ),
        None => (path, None),
    };
    if repo.is_empty() || tag.as_deref() == Some("") {
        return None;
    }
    let h = host.as_deref().map(str::to_ascii_lowercase);
    if let Some(h) = &h {
        if h.contains(".dkr.ecr") && h.ends_with(".amazonaws.com") {
            // Looked like ECR but did not match the documented grammar.
            return None;
        }
    }
    let registry = match h.as_deref() {
        None | Some("docker.io") | Some("index.docker.io") | Some("registry-1.docker.io") => {
            Registry::DockerHub
        }
        Some("public.ecr.aws") => {
            let alias = repo.split('/').next().unwrap_or_default().to_string();
            Registry::EcrPublic { alias }
        }
        Some(other) => Registry::Other(other.to_string()),
    };
    let repository = if registry == Registry::DockerHub && !repo.contains('/') {
        format!("library/{repo}")
    } else {
        repo.to_string()
    };
    Some(ImageRef {
        registry,
        host,
        repository,
        tag,
        digest,
    })
}

/// Why an ECR registry account belongs to AWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsOwner {
    /// Amazon EKS add-on images (VPC CNI, kube-proxy, CoreDNS, EBS CSI…).
    EksAddons,
    /// AWS App Mesh Envoy images.
    AppMeshEnvoy,
    /// AWS for Fluent Bit (FireLens log router) images.
    FluentBit,
}

impl AwsOwner {
    pub fn describe(self) -> &'static str {
        match self {
            AwsOwner::EksAddons => "Amazon EKS add-on registry",
            AwsOwner::AppMeshEnvoy => "AWS App Mesh Envoy registry",
            AwsOwner::FluentBit => "AWS for Fluent Bit (FireLens) registry",
        }
    }
}

/// ECR registry accounts owned by AWS, from which images are pulled without any repository
/// policy of the user's.
///
/// Sources (read 2026-11): the EKS user guide "View Amazon container image registries for Amazon
/// EKS add-ons" (add-ons-images), the App Mesh user guide "Envoy image", and the
/// aws/aws-for-fluent-bit README's regional ECR table. The Fluent Bit table there is partial
/// (AWS now points to SSM public parameters), so users can add accounts with
/// `accounts.trusted-registry-accounts`.
pub const AWS_OWNED_REGISTRIES: &[(&str, AwsOwner)] = &[
    // EKS add-ons
    ("602401143452", AwsOwner::EksAddons),
    ("877085696533", AwsOwner::EksAddons),
    ("800184023465", AwsOwner::EksAddons),
    ("533267051163", AwsOwner::EksAddons),
    ("296578399912", AwsOwner::EksAddons),
    ("900889452093", AwsOwner::EksAddons),
    ("491585149902", AwsOwner::EksAddons),
    ("151610086707", AwsOwner::EksAddons),
    ("333609536671", AwsOwner::EksAddons),
    ("121268973566", AwsOwner::EksAddons),
    ("918309763551", AwsOwner::EksAddons),
    ("961992271922", AwsOwner::EksAddons),
    ("590381155156", AwsOwner::EksAddons),
    ("455263428931", AwsOwner::EksAddons),
    ("900612956339", AwsOwner::EksAddons),
    ("066635153087", AwsOwner::EksAddons),
    ("730335286997", AwsOwner::EksAddons),
    ("558608220178", AwsOwner::EksAddons),
    ("759879836304", AwsOwner::EksAddons),
    ("761377655185", AwsOwner::EksAddons),
    ("151742754352", AwsOwner::EksAddons),
    ("013241004608", AwsOwner::EksAddons),
    ("877088126301", AwsOwner::EksAddons),
    // App Mesh Envoy
    ("840364872350", AwsOwner::AppMeshEnvoy),
    ("772975370895", AwsOwner::AppMeshEnvoy),
    ("856666278305", AwsOwner::AppMeshEnvoy),
    ("909464085924", AwsOwner::AppMeshEnvoy),
    ("422531588944", AwsOwner::AppMeshEnvoy),
    ("564877687649", AwsOwner::AppMeshEnvoy),
    ("924023996002", AwsOwner::AppMeshEnvoy),
    // AWS for Fluent Bit
    ("906394416424", AwsOwner::FluentBit),
    ("449074385750", AwsOwner::FluentBit),
    ("741863432321", AwsOwner::FluentBit),
    ("128054284489", AwsOwner::FluentBit),
    ("161423150738", AwsOwner::FluentBit),
];

/// The AWS owner of a registry account, if it is one of [`AWS_OWNED_REGISTRIES`].
pub fn aws_owned(account: &str) -> Option<AwsOwner> {
    AWS_OWNED_REGISTRIES
        .iter()
        .find(|(a, _)| *a == account)
        .map(|(_, o)| *o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ecr_private() {
        let i = parse_image("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.2.3").unwrap();
        assert_eq!(i.ecr(), Some(("123456789012", "eu-west-1")));
        assert_eq!(i.repository, "team/app");
        assert_eq!(i.tag.as_deref(), Some("1.2.3"));
        assert_eq!(i.digest, None);
        let d = format!(
            "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/app@sha256:{}",
            "a".repeat(64)
        );
        let i = parse_image(&d).unwrap();
        assert!(matches!(
            i.registry,
            Registry::EcrPrivate { fips: true, .. }
        ));
        assert_eq!(i.tag, None);
        assert_eq!(i.effective_tag(), None);
        assert!(i.digest.unwrap().starts_with("sha256:"));
        let cn = parse_image("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app").unwrap();
        assert_eq!(cn.ecr(), Some(("123456789012", "cn-north-1")));
        assert_eq!(cn.effective_tag(), Some("latest"));
        let both = format!(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/a/b-c_d.e:v1@sha256:{}",
            "0".repeat(64)
        );
        let i = parse_image(&both).unwrap();
        assert_eq!(i.repository, "a/b-c_d.e");
        assert_eq!(i.tag.as_deref(), Some("v1"));
    }

    #[test]
    fn rejects_bad_ecr_and_templates() {
        assert!(parse_image("123456789012.dkr.ecr.eu-west-1.amazonaws.com/App:1").is_none());
        assert!(parse_image("${aws_ecr_repository.app.repository_url}:latest").is_none());
        assert!(parse_image("{{ .Values.image }}").is_none());
        assert!(parse_image("").is_none());
        assert!(parse_image("nginx:").is_none());
    }

    /// ECR's limits: a tag of at most 300 characters, a digest of 64 hexadecimal digits, an
    /// account of 12 ASCII digits.
    #[test]
    fn ecr_tag_and_digest_lengths() {
        let host = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app";
        let tag = |n: usize| format!("{host}:v{}", "1".repeat(n - 1));
        assert_eq!(
            parse_image(&tag(300)).and_then(|i| i.tag).map(|t| t.len()),
            Some(300)
        );
        assert!(parse_image(&tag(301)).is_none());
        let digest = |n: usize| format!("{host}@sha256:{}", "f".repeat(n));
        assert!(parse_image(&digest(64)).is_some_and(|i| i.digest.is_some()));
        assert!(parse_image(&digest(63)).is_none());
        assert!(parse_image(&digest(65)).is_none());
        let tagged = format!("{host}:v1@sha256:{}", "f".repeat(65));
        assert!(parse_image(&tagged).is_none());
        // Arabic-Indic digits are digits, not an account ID.
        assert!(parse_image("١٢٣٤٥٦٧٨٩٠١٢.dkr.ecr.eu-west-1.amazonaws.com/app").is_none());
    }

    #[test]
    fn parses_other_registries() {
        let i = parse_image("nginx").unwrap();
        assert_eq!(i.registry, Registry::DockerHub);
        assert_eq!(i.repository, "library/nginx");
        assert_eq!(i.effective_tag(), Some("latest"));
        let p = parse_image("public.ecr.aws/aws-observability/aws-for-fluent-bit:stable").unwrap();
        assert_eq!(
            p.registry,
            Registry::EcrPublic {
                alias: "aws-observability".into()
            }
        );
        assert_eq!(p.repository, "aws-observability/aws-for-fluent-bit");
        let l = parse_image("localhost:5000/app:dev").unwrap();
        assert_eq!(l.registry, Registry::Other("localhost:5000".into()));
        assert_eq!(l.tag.as_deref(), Some("dev"));
        let g = parse_image("ghcr.io/org/app").unwrap();
        assert_eq!(g.registry, Registry::Other("ghcr.io".into()));
        assert_eq!(g.repository, "org/app");
        let u = parse_image("amazon/aws-xray-daemon:3").unwrap();
        assert_eq!(u.registry, Registry::DockerHub);
        assert_eq!(u.repository, "amazon/aws-xray-daemon");
    }

    #[test]
    fn knows_aws_owned_registries() {
        assert_eq!(aws_owned("602401143452"), Some(AwsOwner::EksAddons));
        assert_eq!(aws_owned("840364872350"), Some(AwsOwner::AppMeshEnvoy));
        assert_eq!(aws_owned("906394416424"), Some(AwsOwner::FluentBit));
        assert_eq!(aws_owned("123456789012"), None);
        let mut seen = std::collections::HashSet::new();
        for (a, _) in AWS_OWNED_REGISTRIES {
            assert!(crate::iam::arn::is_account_id(a), "{a}");
            assert!(seen.insert(a), "duplicate {a}");
        }
    }
}
