use lint_engine::declare_rule;
use lint_engine::doc::{Node, Value};
use lint_engine::model::{TaskDef, Workload};
use lint_engine::{FileId, Rule, RuleContext};
use regex::Regex;

declare_rule! {
    /// ## What it does
    /// Flags an environment variable whose name says it holds a secret (it matches
    /// `secrets.name-regex`, by default `PASSWORD`, `PASSWD`, `SECRET`, `TOKEN`, `API_KEY`,
    /// `PRIVATE_KEY` or `CREDENTIAL(S)` in any case) and whose value is written in the file as
    /// plain text. It reads:
    ///
    /// - ECS container `environment` entries of task-definition files, `.tf`/`.tf.json`
    ///   task definitions (including `jsonencode`) and plans;
    /// - the `environment` lists and `environment_variables` maps given to the
    ///   `terraform-aws-modules/ecs` modules;
    /// - Kubernetes container `env[].value` in every workload.
    ///
    /// Names that hold a reference rather than the secret (ending in `_ARN`, `_NAME`, `_PATH`,
    /// `_FILE` or `_ID`) are not reported, nor are empty values, Terraform expressions,
    /// Kubernetes `$(VAR)` expansions and obvious placeholders (`<password>`, `changeme`,
    /// `xxxx`).
    ///
    /// ## Why it matters
    /// An environment variable is visible to everything that can read the task definition or the
    /// pod spec, to the application's own logs and crash dumps, and to debugging tools; the
    /// value also sits in version control and in the Terraform state. A migration copies it
    /// into a second platform. The secret stores of both platforms inject the value at start
    /// instead.
    ///
    /// ## Example
    /// ```json,expect_finding
    /// {"family": "api", "containerDefinitions": [{"name": "api", "image": "api:1", "stopTimeout": 60,
    ///   "environment": [{"name": "DB_PASSWORD", "value": "hunter2"}]}]}
    /// ```
    ///
    /// No finding: the value is injected from Secrets Manager, and `DB_SECRET_ARN` is only a
    /// reference.
    /// ```json
    /// {"family": "api", "containerDefinitions": [{"name": "api", "image": "api:1", "stopTimeout": 60,
    ///   "environment": [{"name": "DB_SECRET_ARN", "value": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db"}],
    ///   "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db"}]}]}
    /// ```
    ///
    /// ## How to fix
    /// On ECS, move the variable to the container's `secrets` with a `valueFrom` naming a
    /// Secrets Manager secret or an SSM parameter. On Kubernetes, use
    /// `valueFrom.secretKeyRef`, with the Secret synchronised by the External Secrets Operator
    /// or mounted by the Secrets Store CSI driver. Rotate the exposed value. To change which
    /// names count as secrets, set `name-regex` under `[secrets]` in `cutover.toml`.
    ///
    /// ## References
    /// - Passing Secrets Manager secrets to ECS containers:
    ///   <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html>
    /// - Kubernetes Secrets as environment variables:
    ///   <https://kubernetes.io/docs/concepts/configuration/secret/>
    pub PlaintextSecretEnv {
        id: "ECS006",
        name: "plaintext-secret-env",
        severity: Warning,
        summary: "secret-looking environment variable with a plain-text value",
        inputs: [TaskDef, K8s, TfJson, TfPlan],
        cross_file: false,
        security: true,
    }
}

/// Name suffixes of variables that hold a reference to a secret, not the secret.
const REFERENCE_SUFFIXES: &[&str] = &["_ARN", "_NAME", "_PATH", "_FILE", "_ID"];

/// Values that stand for "put the real value here".
fn is_placeholder(v: &str) -> bool {
    let t = v.trim();
    let lower = t.to_ascii_lowercase();
    (t.starts_with('<') && t.ends_with('>'))
        || t.chars()
            .all(|c| matches!(c, 'x' | 'X' | '*' | '.' | '-' | '_'))
        || matches!(
            lower.as_str(),
            "changeme"
                | "change_me"
                | "change-me"
                | "replace_me"
                | "replaceme"
                | "placeholder"
                | "todo"
                | "tbd"
                | "redacted"
                | "none"
                | "null"
        )
}

/// A secret-looking name with a literal, non-placeholder value.
fn flags(re: &Regex, name: &str, value: &Node, kubernetes: bool) -> bool {
    if !re.is_match(name) {
        return false;
    }
    let upper = name.to_ascii_uppercase();
    if REFERENCE_SUFFIXES.iter().any(|s| upper.ends_with(s)) {
        return false;
    }
    let Some(text) = value.value.text() else {
        return false;
    };
    if text.trim().is_empty() || value.is_unresolved() || is_placeholder(text) {
        return false;
    }
    // `$(OTHER_VAR)`: Kubernetes expands another variable; no value is written here.
    !(kubernetes && text.contains("$("))
}

struct Place<'s> {
    file: FileId,
    /// Where the variable lives, for messages (`container `api``).
    owner: &'s str,
    logical: &'s str,
    kubernetes: bool,
}

impl PlaintextSecretEnv {
    fn report(&self, cx: &mut RuleContext<'_, '_>, at: &Place<'_>, name: &str, value: &Node) {
        let help = if at.kubernetes {
            "read the value from a Secret with `valueFrom.secretKeyRef` (synced by the External Secrets Operator or the Secrets Store CSI driver), and rotate it"
        } else {
            "move it to the container's `secrets` with `valueFrom` naming a Secrets Manager secret or an SSM parameter, and rotate it"
        };
        let f = cx
            .finding(
                at.file,
                value.span,
                format!(
                    "{} sets `{name}` to a plain-text value; secrets in environment variables are readable wherever the definition is",
                    at.owner
                ),
            )
            .with_help(help)
            .with_logical(format!("{}/env[{name}]", at.logical));
        cx.emit(f);
    }

    /// `[{name, value}, …]` lists.
    fn name_value_list(
        &self,
        cx: &mut RuleContext<'_, '_>,
        re: &Regex,
        at: &Place<'_>,
        list: &Node,
    ) {
        for item in list.as_seq().unwrap_or(&[]) {
            let Some(name) = item.get("name").and_then(Node::as_str) else {
                continue;
            };
            if let Some(value) = item.get("value") {
                if flags(re, name, value, at.kubernetes) {
                    self.report(cx, at, name, value);
                }
            }
        }
    }

    /// The `environment` lists and `environment_variables` maps anywhere in a module call but
    /// in its `container_definitions`.
    fn module_inputs(
        &self,
        cx: &mut RuleContext<'_, '_>,
        re: &Regex,
        at: &Place<'_>,
        node: &Node,
        depth: usize,
    ) {
        if depth > 64 {
            return;
        }
        match &node.value {
            Value::Map(members) => {
                for m in members {
                    match m.key.as_str() {
                        "environment" if m.value.as_seq().is_some() => {
                            self.name_value_list(cx, re, at, &m.value);
                        }
                        "environment_variables" => {
                            for e in m.value.as_map().unwrap_or(&[]) {
                                if flags(re, &e.key, &e.value, false) {
                                    self.report(cx, at, &e.key, &e.value);
                                }
                            }
                        }
                        // Container definitions of the module are task definitions of the
                        // model, checked by `check_task_def`.
                        "container_definitions" => {}
                        _ => self.module_inputs(cx, re, at, &m.value, depth + 1),
                    }
                }
            }
            Value::Seq(items) => {
                for i in items {
                    self.module_inputs(cx, re, at, i, depth + 1);
                }
            }
            _ => {}
        }
        if let Some(doc) = node.embedded_doc() {
            self.module_inputs(cx, re, at, doc, depth + 1);
        }
    }
}

/// The configured secret-name pattern, compiled once per pattern (the rule asks for it per task
/// definition and workload; compiling it each time cost about a millisecond per call).
fn regex_of(cx: &RuleContext<'_, '_>) -> Option<Regex> {
    static LAST: std::sync::Mutex<Option<(String, Regex)>> = std::sync::Mutex::new(None);
    let pattern = &cx.config.secrets.name_regex;
    let mut last = LAST
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((p, re)) = last.as_ref() {
        if p == pattern {
            return Some(re.clone());
        }
    }
    let re = cx.config.secrets.compiled().ok()?;
    *last = Some((pattern.clone(), re.clone()));
    Some(re)
}

impl Rule for PlaintextSecretEnv {
    // Every finding of the hooks is located in the checked resource's own files.
    fn local_hooks(&self) -> bool {
        true
    }

    fn check_task_def(&self, td: &TaskDef<'_>, cx: &mut RuleContext<'_, '_>) {
        let Some(re) = regex_of(cx) else { return };
        for c in td.containers() {
            let Some(env) = c.get("environment") else {
                continue;
            };
            let owner = format!("container `{}`", c.display_name());
            let logical = format!("{}/containerDefinitions[{}]", td.logical, c.display_name());
            let at = Place {
                file: c.file,
                owner: &owner,
                logical: &logical,
                kubernetes: false,
            };
            self.name_value_list(cx, &re, &at, env);
        }
    }

    fn check_workload(&self, w: &Workload<'_>, cx: &mut RuleContext<'_, '_>) {
        let Some(re) = regex_of(cx) else { return };
        let Some(obj) = cx.model.k8s.get(w.object) else {
            return;
        };
        let (file, obj_logical) = (obj.file, obj.logical());
        for c in w.containers.iter().chain(&w.init_containers) {
            let Some(env) = c.get("env") else { continue };
            let owner = format!("container `{}`", c.display_name());
            let logical = format!("{obj_logical}/{}", c.logical_key());
            let at = Place {
                file,
                owner: &owner,
                logical: &logical,
                kubernetes: true,
            };
            self.name_value_list(cx, &re, &at, env);
        }
    }

    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let Some(re) = regex_of(cx) else { return };
        let model = cx.model;
        for m in &model.tf_modules {
            if !m
                .source
                .is_some_and(|s| s.contains("terraform-aws-modules/ecs"))
            {
                continue;
            }
            let owner = format!("module `{}`", m.name);
            let logical = format!("module.{}", m.name);
            let at = Place {
                file: m.file,
                owner: &owner,
                logical: &logical,
                kubernetes: false,
            };
            self.module_inputs(cx, &re, &at, m.node, 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lint_engine::Span;

    fn s(v: &str) -> Node {
        Node::new(Value::Str(v.into()), Span::default())
    }

    #[test]
    fn names_values_and_traps() {
        let re = Regex::new(lint_engine::config::DEFAULT_SECRET_NAME_REGEX).unwrap();
        assert!(flags(&re, "DB_PASSWORD", &s("hunter2"), false));
        assert!(flags(&re, "stripe_api_key", &s("sk_live_1"), false));
        assert!(!flags(
            &re,
            "DB_SECRET_ARN",
            &s("arn:aws:secretsmanager:x"),
            false
        ));
        assert!(!flags(&re, "TOKEN_PATH", &s("/var/run/token"), false));
        assert!(!flags(&re, "LOG_LEVEL", &s("debug"), false));
        assert!(!flags(&re, "DB_PASSWORD", &s(""), false));
        assert!(!flags(&re, "DB_PASSWORD", &s("<db password>"), false));
        assert!(!flags(&re, "DB_PASSWORD", &s("changeme"), false));
        assert!(!flags(&re, "DB_PASSWORD", &s("${var.db_password}"), false));
        assert!(!flags(&re, "DB_PASSWORD", &s("$(RAW_PASSWORD)"), true));
        assert!(flags(&re, "DB_PASSWORD", &s("$(RAW_PASSWORD)"), false));
    }
}
