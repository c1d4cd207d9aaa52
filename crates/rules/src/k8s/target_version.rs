//! The Kubernetes version the manifests must apply to (K8S005): `k8s.target-version`, else the
//! versions of the EKS clusters in the Terraform inputs. Shared as a fact, so that LINT000 can
//! say which cluster versions could not be evaluated.

use cutover_semantic::net::is_eks_module_source;
use lint_engine::doc::Node;
use lint_engine::model::{TfMode, TfOrigin};
use lint_engine::shared::{Fact, FactContext};
use lint_engine::tfeval::{TfEval, Val};
use lint_engine::{FileId, Span};

/// `major.minor.patch`.
pub type Version = (u16, u16, u16);

/// `1.29`, `v1.29`, `1.29.3` → `(1, 29, 0|3)`; anything else `None`.
pub fn parse_version(s: &str) -> Option<Version> {
    let t = s.trim();
    let t = t.strip_prefix('v').unwrap_or(t);
    let mut parts = t.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = match parts.next() {
        Some(p) => p.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, patch))
}

/// `1.29` (the patch only when set).
pub fn show(v: Version) -> String {
    match v {
        (a, b, 0) => format!("{a}.{b}"),
        (a, b, c) => format!("{a}.{b}.{c}"),
    }
}

/// A cluster version read from the inputs.
#[derive(Debug, Clone)]
pub struct ClusterVersion {
    pub version: Version,
    /// `aws_eks_cluster.main` or `module.eks`.
    pub what: String,
    pub file: FileId,
    pub span: Span,
    /// `1.29 = var.cluster_version` when evaluated rather than written.
    pub provenance: Option<String>,
}

/// A cluster whose version is not known statically.
#[derive(Debug, Clone)]
pub struct UnknownVersion {
    pub what: String,
    /// The attribute or module input (`version`, `cluster_version`).
    pub attr: String,
    pub file: FileId,
    pub span: Span,
    pub reason: String,
}

/// Every version the run knows about.
#[derive(Debug, Clone, Default)]
pub struct TargetVersions {
    /// `k8s.target-version`, when set (it wins over the clusters).
    pub configured: Option<Version>,
    pub clusters: Vec<ClusterVersion>,
    pub unknown: Vec<UnknownVersion>,
}

/// The target the rule judges against.
#[derive(Debug, Clone)]
pub struct Target {
    /// The newest version: an API removed there fails on at least one cluster.
    pub newest: Version,
    /// The oldest version: a replacement must already be served there.
    pub oldest: Version,
    /// Where it comes from, for messages.
    pub source: String,
    /// The newest cluster's version in the inputs (none for the configured version).
    pub at: Option<(FileId, Span)>,
}

impl TargetVersions {
    /// The target of every cluster in the inputs.
    pub fn target(&self) -> Option<Target> {
        self.target_where(|_| true)
    }

    /// The target of the clusters `keep` accepts (those of one repository): the configured
    /// version wins over them.
    pub fn target_where(&self, keep: impl Fn(FileId) -> bool) -> Option<Target> {
        if let Some(v) = self.configured {
            return Some(Target {
                newest: v,
                oldest: v,
                source: "`k8s.target-version`".to_string(),
                at: None,
            });
        }
        let clusters: Vec<&ClusterVersion> =
            self.clusters.iter().filter(|c| keep(c.file)).collect();
        let newest = clusters.iter().max_by_key(|c| c.version)?;
        let oldest = clusters.iter().min_by_key(|c| c.version)?;
        let source = if newest.version == oldest.version {
            format!("`{}`", newest.what)
        } else {
            format!(
                "`{}`, the newest of the clusters in the inputs (oldest: `{}` at {})",
                newest.what,
                oldest.what,
                show(oldest.version)
            )
        };
        Some(Target {
            newest: newest.version,
            oldest: oldest.version,
            source,
            at: Some((newest.file, newest.span)),
        })
    }
}

/// The shared fact: `cx.shared::<K8sTargetVersion>()`.
pub struct K8sTargetVersion;

impl Fact for K8sTargetVersion {
    type Value<'m, 'a: 'm> = TargetVersions;
    fn build<'m, 'a: 'm>(cx: &FactContext<'m, 'a>) -> TargetVersions {
        let mut out = TargetVersions {
            configured: cx
                .config
                .k8s
                .target_version
                .as_deref()
                .and_then(parse_version),
            ..TargetVersions::default()
        };
        if out.configured.is_some() {
            return out;
        }
        let eval = cx.get::<TfEval>();
        let mut read = |what: String, attr: &str, file: FileId, origin: TfOrigin, node: &Node| {
            let (value, provenance) = match origin {
                TfOrigin::Config => {
                    let e = eval.value_of(file, node);
                    (e.value, e.provenance)
                }
                TfOrigin::Plan => match node.as_str() {
                    Some(s) => (Val::Str(s.to_string()), None),
                    None => (Val::Null, None),
                },
            };
            let reason = match &value {
                Val::Str(s) => match parse_version(s) {
                    Some(version) => {
                        out.clusters.push(ClusterVersion {
                            version,
                            what,
                            file,
                            span: node.span,
                            provenance,
                        });
                        return;
                    }
                    None => format!("`{s}` is not a Kubernetes version"),
                },
                Val::Unknown(u) => u.to_string(),
                other => format!("`{other}` is not a version string"),
            };
            out.unknown.push(UnknownVersion {
                what,
                attr: attr.to_string(),
                file,
                span: node.span,
                reason,
            });
        };
        for r in cx.model.tf_of_type("aws_eks_cluster") {
            if r.mode != TfMode::Managed {
                continue;
            }
            if let Some(n) = r.attr("version").filter(|n| !n.is_null()) {
                read(r.address.to_string(), "version", r.file, r.origin, n);
            }
        }
        for mc in &cx.model.tf_modules {
            if !mc.source.is_some_and(is_eks_module_source) {
                continue;
            }
            // `kubernetes_version` from v21 of the module, `cluster_version` before.
            for input in ["kubernetes_version", "cluster_version"] {
                if let Some(n) = mc.input(input).filter(|n| !n.is_null()) {
                    read(format!("module.{}", mc.name), input, mc.file, mc.origin, n);
                    break;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version("1.29"), Some((1, 29, 0)));
        assert_eq!(parse_version("v1.30.2"), Some((1, 30, 2)));
        assert_eq!(parse_version("1"), None);
        assert_eq!(parse_version("1.29.0.1"), None);
        assert_eq!(parse_version("latest"), None);
        assert_eq!(show((1, 29, 0)), "1.29");
        assert_eq!(show((1, 29, 4)), "1.29.4");
    }
}
