use lint_engine::declare_rule;
use lint_engine::Rule;

declare_rule! {
    /// ## What it does
    /// Reports a suppression that does not take effect: it matches no finding, names a rule that
    /// does not exist, gives no reason, or has expired. It covers every suppression syntax:
    /// YAML comments (`# cutover: ignore[ECS001] reason`, `# cutover: ignore-file[...]`), the
    /// Kubernetes annotation `cutover.dev/ignore: "K8S001: reason"`, and `[[ignore]]` entries of
    /// `cutover.toml`. Suppressions of rules that are not enabled in the run are not judged.
    ///
    /// This rule is produced by the suppression pass of `cutover check`, after every other rule
    /// has run, so it has no example block of its own input.
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
        id: "LNT001",
        name: "unused-suppression",
        severity: Warning,
        summary: "suppression that matches no finding, has no reason, has expired or names an unknown rule",
        inputs: [K8s, TaskDef, TfJson, TfPlan],
        cross_file: false,
        security: false,
    }
}

/// No hooks: the CLI's suppression pass produces the findings (see `crates/cli/src/suppress.rs`).
impl Rule for UnusedSuppression {}
