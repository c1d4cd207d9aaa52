use lint_engine::declare_rule;
use lint_engine::suppress::{Kind, Origin, Suppressions};
use lint_engine::{FileId, Finding, Label, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a suppression that does not take effect: it matches no finding, names a rule that
    /// does not exist, gives no reason, has expired or has an invalid expiry date, or is a
    /// comment that starts like a suppression but is malformed (`# cutover: ignore K8S001 …`
    /// without brackets, a missing `]` or colon), as ruff warns on an invalid `noqa`. Comments
    /// that only mention cutover are left alone. It covers every suppression syntax:
    /// YAML comments (`# cutover: ignore[ECS001] reason`, `# cutover: ignore-file[...]`), the
    /// Kubernetes annotation `cutover.dev/ignore: "K8S001: reason"`, and `[[ignore]]` entries of
    /// `cutover.toml`. Suppressions of rules that are not enabled in the run are not judged.
    ///
    /// It runs after every other rule, once the suppressions have been applied ([`report`]),
    /// so it has no example block of its own input. It was called `LNT001`; that ID still works
    /// wherever a rule can be named (suppressions, `--select`/`--ignore`, configuration,
    /// baselines).
    ///
    /// ## Why it matters
    /// A suppression outlives the finding it was written for: the container gets its
    /// `stopTimeout`, the comment stays, and later hides a new problem on the same line. Stale
    /// and unexplained suppressions also hide how much migration work is really left. A
    /// suppression without a reason is not applied, so every accepted risk says why it was
    /// accepted; one whose `expires` date has passed stops suppressing and is reported here.
    ///
    /// ## Example
    /// A suppression above a container that has a long enough `stopTimeout`:
    /// ```text
    /// containers:
    ///   # cutover: ignore[K8S001] sized by the VPA
    ///   - name: app
    ///     resources: {requests: {cpu: 100m, memory: 128Mi}}
    /// ```
    ///
    /// ## How to fix
    /// Remove the suppression when nothing matches it. Give a reason after the rule list
    /// (`# cutover: ignore[ECS001] drained by the sidecar`). For an expired suppression, fix the
    /// finding, or renew it with a new `expires=YYYY-MM-DD` (inline) or `expires = 2027-01-31`
    /// (`cutover.toml`) once the exception has been reviewed again.
    ///
    /// ## References
    /// - ruff `RUF100` unused-noqa: <https://docs.astral.sh/ruff/rules/unused-noqa/>
    /// - SARIF 2.1.0 `suppressions`: <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>
    pub UnusedSuppression {
        id: "LINT002",
        name: "unused-suppression",
        severity: Warning,
        summary: "suppression that matches no finding, has no reason, has expired or names an unknown rule",
        inputs: [K8s, TaskDef, TfJson, TfPlan],
        cross_file: false,
        security: false,
    }
}

/// No hooks: it judges suppressions, not inputs, so the check pipeline calls [`report`] after
/// applying them.
impl Rule for UnusedSuppression {}

/// Findings for the suppressions that did not take effect, once
/// [`Suppressions::apply`](lint_engine::suppress::Suppressions::apply) has marked the used ones.
/// Only rules in `enabled` are judged (a suppression of a deselected rule cannot be known to be
/// unused); only files for which `in_scope` holds are reported. Suppressions written in the
/// configuration file are reported in `config_file` (skipped when `None`).
pub fn report(
    suppressions: &Suppressions,
    enabled: &[&str],
    in_scope: &dyn Fn(FileId) -> bool,
    config_file: Option<FileId>,
) -> Vec<Finding> {
    let meta = &UnusedSuppression::META;
    let mut out = Vec::new();
    for s in &suppressions.list {
        let (file, span) = match &s.origin {
            Origin::Source { file, span } => (*file, *span),
            Origin::Config { span } => match config_file {
                Some(id) => (id, span.unwrap_or_default()),
                None => continue,
            },
        };
        if !in_scope(file) {
            continue;
        }
        let mut push = |message: String, help: &str| {
            let mut f = Finding {
                rule_id: meta.id.to_string(),
                rule_name: meta.name.to_string(),
                severity: meta.default_severity,
                message,
                primary: Label::new(file, span, ""),
                related: Vec::new(),
                help: Some(help.to_string()),
                notes: Vec::new(),
                missing_path: None,
                logical_path: None,
            };
            if s.kind == Kind::External {
                f.notes.push("written in the configuration file".into());
            }
            out.push(f);
        };
        if s.entries.is_empty() {
            if let Some(why) = &s.invalid {
                push(
                    format!("suppression comment is not applied: it {why}"),
                    "write `cutover: ignore[ID, ...] reason` (or `ignore-file[...]` for the whole file), or reword the comment",
                );
                continue;
            }
            push(
                "suppression names no rule".into(),
                "name the rules to suppress: `ignore[ECS001] reason`",
            );
            continue;
        }
        for e in &s.entries {
            let Some(id) = e.rule else {
                push(
                    format!("suppression names unknown rule `{}`", e.written),
                    "use a rule ID or name from `cutover rules`",
                );
                continue;
            };
            if !enabled.contains(&id) {
                continue;
            }
            if let Some(why) = &s.invalid {
                push(
                    format!("suppression of `{id}` is not applied: it {why}"),
                    "fix the finding, or renew the suppression with a reason and a future expiry",
                );
            } else if !e.used {
                push(
                    format!("suppression of `{id}` matches no finding"),
                    "remove the suppression",
                );
            }
        }
    }
    out
}
