use cutover_semantic::k8s::K8sIndex;
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::{Container, K8sContainer};
use lint_engine::source::Span;
use lint_engine::{Label, Rule, RuleContext, Severity};

use super::pair_view::{pairs, PairView};
use super::secret_sources::{
    literal_secret, mounted_by_csi, parse_reference, producers, sops_secret, EcsSecret,
    ExternalSecret,
};

declare_rule! {
    /// ## What it does
    /// For each container of a Kubernetes workload paired with an ECS service or task
    /// definition, checks that every ECS secret (`secrets[].name` read from Secrets Manager or
    /// SSM through `valueFrom`) reaches the Kubernetes container from the same secret:
    ///
    /// - through `env[].valueFrom.secretKeyRef` or `envFrom[].secretRef`, from a Secret that an
    ///   `ExternalSecret` (`external-secrets.io`, any version) produces (`spec.target.name`, else
    ///   the ExternalSecret's own name, in the same namespace), whose `data[].remoteRef.key` (for
    ///   that Secret key) or `dataFrom[].extract.key` names the ECS secret;
    /// - or as a file from the Secrets Store CSI driver (a `csi` volume with
    ///   `secrets-store.csi.k8s.io` whose `SecretProviderClass` lists the secret in `objects`).
    ///
    /// Names are compared without the 6-character random suffix of a Secrets Manager ARN
    /// (`prod/db-AbCdEf` matches `prod/db`) and without the leading `/` of an SSM parameter. A
    /// `json-key` in the ECS reference should be the ExternalSecret's `remoteRef.property`.
    ///
    /// **Error** when the variable is a literal `value:` in the manifest, or comes from a
    /// `Secret` manifest of the repository (the secret is written in plain text; a
    /// SOPS-encrypted manifest is not, and is treated as a Secret of unknown source).
    /// **Warning** when the variable is missing, or when the ExternalSecret reads another
    /// secret or another JSON key. A Secret that no ExternalSecret or manifest of the inputs
    /// produces (created by hand, by another operator) is not guessed: it is reported as an
    /// unresolved input. ESO not restarting pods when a secret rotates is not reported: ECS
    /// does not refresh a running task either.
    ///
    /// ## Why it matters
    /// A secret copied as a literal into the manifest leaks to everyone who reads the
    /// repository; a missing one makes the application fail at start-up, or read another
    /// secret than it did on ECS.
    ///
    /// ## Example
    /// ```json
    /// {"family": "payments", "containerDefinitions": [{"name": "app", "image": "payments:1",
    ///  "secrets": [{"name": "DB_PASSWORD",
    ///   "valueFrom": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbCdEf"}]}]}
    /// ```
    /// ```yaml,expect_finding,with_previous
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: payments}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: "payments:1"
    ///           env:
    ///             - {name: DB_PASSWORD, value: hunter2}
    /// ```
    ///
    /// ## How to fix
    /// Create an ExternalSecret per secret group and point the variable at its Secret:
    /// ```text
    /// apiVersion: external-secrets.io/v1
    /// kind: ExternalSecret
    /// metadata: {name: payments-db}
    /// spec:
    ///   secretStoreRef: {name: aws-secrets-manager, kind: ClusterSecretStore}
    ///   data:
    ///     - secretKey: password
    ///       remoteRef: {key: prod/db}
    /// ---
    /// env:
    ///   - name: DB_PASSWORD
    ///     valueFrom: {secretKeyRef: {name: payments-db, key: password}}
    /// ```
    /// and give the SecretStore's ServiceAccount a role allowed `secretsmanager:GetSecretValue`.
    ///
    /// ## References
    /// - ECS secrets from Secrets Manager: <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html>
    /// - External Secrets Operator: <https://external-secrets.io/>
    pub SecretSourceParity {
        id: "PAR004",
        name: "secret-source-parity",
        severity: Warning,
        summary: "ECS secret that reaches the paired Kubernetes container as plain text, from another secret, or not at all",
        inputs: [TaskDef, K8s, TfJson, TfPlan],
        cross_file: true,
        security: true,
    }
}

/// One ECS secret of a container pair, with what messages need.
struct Want<'a> {
    env: &'a str,
    secret: EcsSecret,
    related: Label,
}

/// How the Kubernetes side provides one variable.
enum Outcome {
    Ok,
    Unknown(String),
    Problem(Severity, String),
}

/// The verdict of one ExternalSecret data entry / extract for Secret key `key`.
fn judge_es(es: &ExternalSecret<'_, '_>, key: &str, want: &EcsSecret) -> Outcome {
    let entry = es
        .data()
        .iter()
        .find(|d| d.get("secretKey").and_then(Node::as_str) == Some(key));
    if let Some(d) = entry {
        let Some(remote) = d.path(&["remoteRef", "key"]).and_then(Node::as_str) else {
            return Outcome::Unknown(format!(
                "the `remoteRef.key` of ExternalSecret `{}` is not known statically",
                es.name()
            ));
        };
        let Some(got) = parse_reference(remote) else {
            return Outcome::Unknown(format!(
                "the `remoteRef.key` of ExternalSecret `{}` is not known statically",
                es.name()
            ));
        };
        if !got.same_secret(want) {
            return Outcome::Problem(
                Severity::Warning,
                format!(
                    "ExternalSecret `{}` fills key `{key}` from `{remote}`, not from `{}`",
                    es.name(),
                    want.name
                ),
            );
        }
        let property = d.path(&["remoteRef", "property"]).and_then(Node::as_str);
        if let Some(jk) = &want.json_key {
            if property != Some(jk.as_str()) {
                return Outcome::Problem(
                    Severity::Warning,
                    format!(
                        "ExternalSecret `{}` fills key `{key}` with {} of `{remote}`, but ECS read its JSON key `{jk}`",
                        es.name(),
                        property.map_or("the whole value".to_string(), |p| format!("property `{p}`"))
                    ),
                );
            }
        }
        return Outcome::Ok;
    }
    // `dataFrom.extract` spreads the JSON keys of the secret as Secret keys.
    let extracted = es
        .extract_keys()
        .into_iter()
        .filter_map(parse_reference)
        .any(|s| s.same_secret(want));
    if extracted && want.json_key.as_deref().is_none_or(|jk| jk == key) {
        return Outcome::Ok;
    }
    Outcome::Problem(
        Severity::Warning,
        format!(
            "ExternalSecret `{}` provides no key `{key}` from `{}`",
            es.name(),
            want.name
        ),
    )
}

impl SecretSourceParity {
    /// What the Secret `secret` (key `key`) gives the variable.
    fn from_secret(
        cx: &RuleContext<'_, '_>,
        pair: &PairView<'_, '_>,
        secret: &str,
        key: &str,
        want: &EcsSecret,
    ) -> Outcome {
        let ix = cx.shared::<K8sIndex>();
        let of = pair.pod.object;
        let esos = producers(cx.model, ix, of, secret);
        if esos.is_empty() {
            if literal_secret(cx.model, ix, of, secret).is_some() {
                return Outcome::Problem(
                    Severity::Error,
                    format!("it comes from the `Secret` manifest `{secret}` of the repository: the secret value is written in plain text"),
                );
            }
            if sops_secret(cx.model, ix, of, secret).is_some() {
                return Outcome::Unknown(format!(
                    "Secret `{secret}` is a SOPS-encrypted manifest of the repository, not an AWS secret that can be compared"
                ));
            }
            return Outcome::Unknown(format!(
                "no ExternalSecret or Secret manifest of the inputs produces Secret `{secret}`"
            ));
        }
        let mut first = None;
        for es in &esos {
            match judge_es(es, key, want) {
                Outcome::Ok => return Outcome::Ok,
                other => {
                    first.get_or_insert(other);
                }
            }
        }
        first.unwrap_or(Outcome::Ok)
    }

    fn check<'a>(
        &self,
        cx: &mut RuleContext<'_, 'a>,
        pair: &PairView<'_, 'a>,
        (c, k): (&Container<'a>, &K8sContainer<'a>),
        want: &Want<'a>,
    ) {
        let obj = pair.object;
        let owner = format!(
            "container `{}` of {} `{}`",
            k.display_name(),
            obj.kind,
            obj.name.unwrap_or("?")
        );
        let what = if pair.service.is_some() {
            "ECS service"
        } else {
            "ECS task definition"
        };
        let ecs = format!(
            "container `{}` of {what} `{}`",
            c.display_name(),
            pair.ecs_name()
        );
        let e = want.env;
        let logical = format!("{}/{}/env[{e}]", obj.logical(), k.logical_key());
        let env_item = k
            .get("env")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .find(|i| i.get("name").and_then(Node::as_str) == Some(e));
        let (span, outcome): (Span, Outcome) = match env_item {
            Some(item) => {
                let span = item.get("name").map_or(item.span, |n| n.span);
                let outcome = if item.get("value").is_some_and(|v| !v.is_null()) {
                    Outcome::Problem(
                        Severity::Error,
                        "it is a literal `value:`: the secret is written in plain text in the manifest".to_string(),
                    )
                } else if let Some(r) = item.path(&["valueFrom", "secretKeyRef"]) {
                    match (
                        r.get("name").and_then(Node::as_str),
                        r.get("key").and_then(Node::as_str),
                    ) {
                        (Some(s), Some(key)) => Self::from_secret(cx, pair, s, key, &want.secret),
                        _ => Outcome::Unknown("its `secretKeyRef` is not known statically".into()),
                    }
                } else {
                    Outcome::Problem(
                        Severity::Warning,
                        "it does not come from a Secret".to_string(),
                    )
                };
                (span, outcome)
            }
            None => (k.anchor(), self.via_env_from(cx, pair, k, want)),
        };
        let msg = match outcome {
            Outcome::Ok => return,
            Outcome::Unknown(why) => {
                let what = format!("the source of secret `{e}` of {owner}");
                cx.unresolved(obj.file, span, what, why).logical = Some(logical);
                return;
            }
            Outcome::Problem(sev, why) => (sev, why),
        };
        let (sev, why) = msg;
        let text = if env_item.is_some() {
            format!(
                "variable `{e}` of {owner}, the secret `{}` on {ecs}: {why}",
                want.secret.name
            )
        } else {
            format!(
                "{owner} does not get the secret `{e}` ({}) that {ecs} had: {why}",
                want.secret.name
            )
        };
        let f = cx
            .finding(obj.file, span, text)
            .with_severity(sev)
            .with_help(format!(
                "read `{e}` from a Secret that an ExternalSecret fills from `{}` (`data[].remoteRef.key`, with `property` for a JSON key), or mount it with the Secrets Store CSI driver",
                want.secret.bare.as_deref().unwrap_or(&want.secret.name)
            ))
            .with_related(want.related.clone())
            .with_logical(logical);
        cx.emit(f);
    }

    /// The variable is not in `env`: `envFrom` Secrets, then a CSI mount.
    fn via_env_from(
        &self,
        cx: &RuleContext<'_, '_>,
        pair: &PairView<'_, '_>,
        k: &K8sContainer<'_>,
        want: &Want<'_>,
    ) -> Outcome {
        let mut unknown = None;
        for src in k.get("envFrom").and_then(Node::as_seq).unwrap_or(&[]) {
            let Some(s) = src.path(&["secretRef", "name"]).and_then(Node::as_str) else {
                continue;
            };
            let prefix = src.get("prefix").and_then(Node::as_str).unwrap_or("");
            let Some(key) = want.env.strip_prefix(prefix) else {
                continue;
            };
            match Self::from_secret(cx, pair, s, key, &want.secret) {
                Outcome::Ok => return Outcome::Ok,
                Outcome::Unknown(why) => unknown = Some(why),
                Outcome::Problem(Severity::Error, why) => {
                    return Outcome::Problem(Severity::Error, why)
                }
                Outcome::Problem(..) => {}
            }
        }
        let ix = cx.shared::<K8sIndex>();
        if mounted_by_csi(
            cx.model,
            ix,
            pair.pod.object,
            pair.pod.pod_spec,
            &want.secret,
        ) {
            return Outcome::Ok;
        }
        if let Some(why) = unknown {
            return Outcome::Unknown(format!("it may come through `envFrom`, but {why}"));
        }
        Outcome::Problem(
            Severity::Warning,
            "no `env` item, `envFrom` Secret or Secrets Store CSI mount provides it".to_string(),
        )
    }
}

impl Rule for SecretSourceParity {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        for pair in pairs(cx) {
            for &(c, k) in &pair.containers {
                for s in c.get("secrets").and_then(Node::as_seq).unwrap_or(&[]) {
                    let (Some(env), Some(vf)) =
                        (s.get("name").and_then(Node::as_str), s.get("valueFrom"))
                    else {
                        continue;
                    };
                    let Some(secret) = vf.as_str().and_then(parse_reference) else {
                        let what = format!(
                            "the `valueFrom` of secret `{env}` of container `{}` of {}",
                            c.display_name(),
                            pair.ecs_name()
                        );
                        cx.unresolved(c.file, vf.span, what, "it is not known statically");
                        continue;
                    };
                    let related = Label::new(
                        c.file,
                        vf.span,
                        format!("ECS secret `{env}` from `{}`", secret.name),
                    );
                    let want = Want {
                        env,
                        secret,
                        related,
                    };
                    self.check(cx, &pair, (c, k), &want);
                }
            }
        }
    }
}
