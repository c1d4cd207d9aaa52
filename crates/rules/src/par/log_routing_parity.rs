use lint_engine::declare_rule;
use lint_engine::{Rule, RuleContext};

declare_rule! {
    /// ## What it does
    /// TODO: what PAR010 reports, in the words of someone moving a workload between ECS and EKS.
    ///
    /// ## Why it matters
    /// TODO: what breaks, and when, if the pattern ships.
    ///
    /// ## Example
    /// TODO: an input that PAR010 flags. Every `json`/`yaml` block here is linted by the docs test:
    /// an `expect_finding` block must produce exactly one finding of PAR010, any other none.
    /// ```yaml,expect_finding
    /// # TODO
    /// ```
    ///
    /// ## How to fix
    /// TODO: the change that makes the finding go away, with a short example.
    pub LogRoutingParity {
        id: "PAR010",
        name: "log-routing-parity",
        severity: Warning,
        summary: "TODO: what the rule flags, lowercase, no trailing period",
        inputs: [TaskDef, K8s, TfJson, TfPlan],
        cross_file: true,
        security: false,
    }
}

impl Rule for LogRoutingParity {
    fn check_model(&self, _cx: &mut RuleContext<'_, '_>) {
        // TODO: detect the pattern, then report it:
        // `let f = cx.finding(file, span, "message"); cx.emit(f);`
    }
}
