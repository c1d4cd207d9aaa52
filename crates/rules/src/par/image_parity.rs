use cutover_semantic::iam::image::{parse_image, ImageRef};
use lint_engine::declare_rule;
use lint_engine::doc::{is_unresolved_text, Node};
use lint_engine::model::{Container, K8sContainer};
use lint_engine::{Label, Rule, RuleContext, Severity};

use super::pair_view::{pairs, PairView};
use super::support::skip_value;

declare_rule! {
    /// ## What it does
    /// For each container matched between an ECS task definition and its Kubernetes
    /// counterpart, compares the two `image` references: registry and repository first, then
    /// tag, then digest (no tag and no digest means `latest`).
    ///
    /// - warning: the repository differs, or Kubernetes runs `:latest` (or no tag) where ECS
    ///   pinned a tag or digest;
    /// - info: the tags or digests differ (a deliberate canary may do that), or both sides run
    ///   `latest` (or no tag) with no digest, so each platform resolves it on its own.
    ///
    /// An ECR pull-through cache repository (`<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/…`)
    /// is the same image as its upstream when `<prefix>` is the `ecr_repository_prefix` of an
    /// `aws_ecr_pull_through_cache_rule` in the inputs or listed in `parity.pull-through-prefixes`.
    /// Images that are Terraform expressions or template placeholders are not compared.
    ///
    /// ## Why it matters
    /// A migration should move the workload, not change the artifact. A different repository
    /// is a different build; `latest` on Kubernetes re-resolves on every pull and every new
    /// node, so the two platforms drift apart while the cutover is being tested.
    ///
    /// ## Example
    /// The ECS side (a Terraform service and its task definition):
    /// ```json
    /// {"resource": {
    ///   "aws_ecs_service": {"payments": {"name": "payments", "desired_count": 2,
    ///     "task_definition": "${aws_ecs_task_definition.payments.arn}"}},
    ///   "aws_ecs_task_definition": {"payments": {"family": "payments",
    ///     "container_definitions": "[{\"name\": \"payments\", \"image\": \"123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments:1.4.2\", \"stopTimeout\": 60}]"}}
    /// }}
    /// ```
    /// Its Kubernetes counterpart floats on `latest`:
    /// ```yaml,expect_finding,with_previous
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: payments}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: payments
    ///           image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments:latest
    /// ```
    ///
    /// ## How to fix
    /// Use the image ECS runs, with an immutable tag or a digest:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: payments}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: payments
    ///           image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments:1.4.2
    /// ```
    ///
    /// ## References
    /// - Amazon ECR images on Amazon EKS: <https://docs.aws.amazon.com/AmazonECR/latest/userguide/ECR_on_EKS.html>
    /// - ECR pull-through cache: <https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html>
    pub ImageParity {
        id: "PAR008",
        name: "image-parity",
        severity: Warning,
        summary: "container image that differs from the one its ECS counterpart runs",
        inputs: [TaskDef, K8s, TfJson, TfPlan],
        cross_file: true,
        security: false,
    }
}

/// What differs between the two images.
enum Drift {
    Repository,
    /// Kubernetes floats on `latest` while ECS pinned `pin`.
    Floating {
        pin: String,
    },
    Tag {
        ecs: String,
        k8s: String,
    },
    Digest,
    /// `latest` on both sides, no digest.
    Unpinned {
        tag: String,
    },
}

/// The upstream path of an ECR pull-through cache image, when its first path segment is a
/// known cache prefix.
fn through_cache<'i>(img: &'i ImageRef, prefixes: &[String]) -> Option<&'i str> {
    img.ecr()?;
    let (first, rest) = img.repository.split_once('/')?;
    prefixes.iter().any(|p| p == first).then_some(rest)
}

fn same_repository(ecs: &ImageRef, k8s: &ImageRef, prefixes: &[String]) -> bool {
    if ecs.registry == k8s.registry && ecs.repository == k8s.repository {
        return true;
    }
    let up = |cached: &ImageRef, other: &ImageRef| {
        through_cache(cached, prefixes).is_some_and(|rest| {
            rest == other.repository
                || rest.strip_prefix("library/") == Some(other.repository.as_str())
                || other.repository.strip_prefix("library/") == Some(rest)
        })
    };
    up(ecs, k8s)
        || up(k8s, ecs)
        || {
            // Both cached through the same or different prefixes of one upstream.
            matches!((through_cache(ecs, prefixes), through_cache(k8s, prefixes)), (Some(a), Some(b)) if a == b)
        }
}

fn drift(ecs: &ImageRef, k8s: &ImageRef, prefixes: &[String]) -> Option<Drift> {
    if !same_repository(ecs, k8s, prefixes) {
        return Some(Drift::Repository);
    }
    let ecs_pinned = ecs.digest.is_some() || ecs.effective_tag().is_some_and(|t| t != "latest");
    let k8s_floats = k8s.digest.is_none() && k8s.effective_tag() == Some("latest");
    if ecs_pinned && k8s_floats {
        let pin = ecs
            .digest
            .clone()
            .or_else(|| ecs.tag.clone())
            .unwrap_or_default();
        return Some(Drift::Floating { pin });
    }
    match (&ecs.digest, &k8s.digest) {
        (Some(a), Some(b)) if a != b => return Some(Drift::Digest),
        (Some(_), Some(_)) => return None,
        _ => {}
    }
    let (et, kt) = (ecs.effective_tag(), k8s.effective_tag());
    match (et, kt) {
        (Some(a), Some(b)) if a != b => Some(Drift::Tag {
            ecs: a.to_string(),
            k8s: b.to_string(),
        }),
        (Some("latest"), Some(_)) if ecs.digest.is_none() && k8s.digest.is_none() => {
            Some(Drift::Unpinned {
                tag: "latest".to_string(),
            })
        }
        _ => None,
    }
}

/// Repository prefixes of ECR pull-through cache rules: the inputs' rules and the configured
/// ones.
fn cache_prefixes(cx: &RuleContext<'_, '_>) -> Vec<String> {
    let mut v: Vec<String> = cx
        .model
        .tf_of_type("aws_ecr_pull_through_cache_rule")
        .filter_map(|r| r.attr("ecr_repository_prefix").and_then(Node::literal_str))
        .map(str::to_string)
        .collect();
    v.extend(cx.config.parity.pull_through_prefixes.iter().cloned());
    v.sort();
    v.dedup();
    v
}

impl ImageParity {
    fn check_container<'m, 'a>(
        &self,
        cx: &mut RuleContext<'m, 'a>,
        pair: &PairView<'m, 'a>,
        (c, k): (&Container<'a>, &K8sContainer<'a>),
        prefixes: &[String],
    ) {
        let obj = pair.object;
        for (file, n, side) in [
            (c.file, c.get("image"), "ECS"),
            (obj.file, k.get("image"), "Kubernetes"),
        ] {
            let Some(n) = n.filter(|n| {
                n.as_str()
                    .is_some_and(|s| parse_image(s).is_none() && is_unresolved_text(s))
            }) else {
                continue;
            };
            let what = format!("the {side} image of container `{}`", c.display_name());
            let td = pair.task_def.map_or("", |t| t.logical.as_str());
            let logical = format!("{td}/parity/image/{side}/{}", c.display_name());
            skip_value(cx, (file, n), what, "an image reference", logical);
        }
        let (Some(en), Some(kn)) = (c.get("image"), k.get("image")) else {
            return;
        };
        let (Some(es), Some(ks)) = (en.as_str(), kn.as_str()) else {
            return;
        };
        let (Some(ei), Some(ki)) = (parse_image(es), parse_image(ks)) else {
            return;
        };
        let Some(d) = drift(&ei, &ki, prefixes) else {
            return;
        };
        let name = k.display_name();
        let ecs = pair.ecs_name();
        let (msg, sev, help) = match &d {
            Drift::Repository => (
                format!("container `{name}` runs image `{ks}`, from another repository than the `{es}` its ECS counterpart `{ecs}` runs"),
                Severity::Warning,
                "run the image ECS runs; if it is mirrored, list the pull-through cache prefix in `parity.pull-through-prefixes`",
            ),
            Drift::Floating { pin } => (
                format!("container `{name}` runs `{ks}`, which floats on `latest`, while its ECS counterpart `{ecs}` pins `{pin}`"),
                Severity::Warning,
                "pin the same tag or digest as ECS",
            ),
            Drift::Tag { ecs: et, k8s: kt } => (
                format!("container `{name}` runs tag `{kt}` while its ECS counterpart `{ecs}` runs tag `{et}`"),
                Severity::Info,
                "use the same tag on both sides unless this is a deliberate canary",
            ),
            Drift::Digest => (
                format!("container `{name}` runs another digest than its ECS counterpart `{ecs}`"),
                Severity::Info,
                "use the same digest on both sides unless this is a deliberate canary",
            ),
            Drift::Unpinned { tag } => (
                format!("container `{name}` and its ECS counterpart `{ecs}` both run `{tag}` without a digest: each platform resolves it on its own"),
                Severity::Info,
                "pin an immutable tag or a digest on both sides",
            ),
        };
        let f = cx
            .finding(obj.file, kn.span, msg)
            .with_severity(sev)
            .with_help(help)
            .with_related(Label::new(c.file, en.span, "the ECS image"))
            .with_logical(format!("{}/{}/image", obj.logical(), k.logical_key()));
        cx.emit(f);
    }
}

impl Rule for ImageParity {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let prefixes = cache_prefixes(cx);
        for pair in pairs(cx) {
            for &cp in &pair.containers {
                // Located at the Kubernetes container or, for an unresolved ECS image, at the
                // ECS container: skipped when the run reports on neither file.
                if !cx.reports_on(pair.object.file) && !cx.reports_on(cp.0.file) {
                    continue;
                }
                self.check_container(cx, &pair, cp, &prefixes);
            }
        }
    }
}
