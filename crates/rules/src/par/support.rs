//! Helpers the PAR rules share: the pair of a workload, names for messages, and recording for
//! LINT000 the values a rule skipped because it cannot know them.

use cutover_semantic::k8s::K8sIndex;
use cutover_semantic::pairing::{Pair, Pairing};
use lint_engine::doc::Node;
use lint_engine::model::{Container, K8sObject, TaskDef, Workload};
use lint_engine::source::{FileId, FileKind};
use lint_engine::RuleContext;

use crate::k8s::support::shown;

/// The pair of a workload and the workload's object, when it has an ECS counterpart.
pub fn pair_of<'m, 'a>(
    cx: &RuleContext<'m, 'a>,
    w: &Workload<'_>,
) -> Option<(&'m Pair, &'m K8sObject<'a>)> {
    let ix = cx.shared::<K8sIndex>();
    let wi = ix.workload_of(w.object)?;
    let pair = cx.shared::<Pairing>().pair_of_workload(wi)?;
    Some((pair, cx.model.k8s.get(w.object)?))
}

/// "ECS service `payments`" or "ECS task definition `payments`".
pub fn ecs_name(cx: &RuleContext<'_, '_>, pair: &Pair) -> String {
    let what = if pair.ecs.service(cx.model).is_some() {
        "ECS service"
    } else {
        "ECS task definition"
    };
    format!("{what} `{}`", pair.ecs.display_name(cx.model))
}

/// Why a value cannot be used, for LINT000: an expression is not known statically, anything
/// else is not what `expected` names ("a whole number", "a Kubernetes quantity").
pub fn why_unknown(n: &Node, expected: &str) -> String {
    match n.scalar_text() {
        Some(t) if n.is_unresolved() => format!("`{t}` is not known statically"),
        Some(t) => format!("`{t}` is not {expected}"),
        None => format!("{} is not {expected}", shown(n)),
    }
}

/// How to make a value of a Terraform configuration known.
pub const TF_HELP: &str = "give the variable a value (tfvars, `--var-file`) or lint the plan JSON (`terraform show -json`), where Terraform has evaluated it";

/// Record for LINT000 that this rule skipped a value it cannot know: `what` names it,
/// `expected` what it should have been, `logical` is its logical path. A value of a Terraform
/// configuration gets the Terraform advice, any other the general one.
pub fn skip_value(
    cx: &mut RuleContext<'_, '_>,
    (file, n): (FileId, &Node),
    what: String,
    expected: &str,
    logical: String,
) {
    let terraform = cx.model.db.get(file).kind == FileKind::TfJson;
    let u = cx.unresolved(file, n.span, what, why_unknown(n, expected));
    u.logical = Some(logical);
    u.help = terraform.then(|| TF_HELP.to_string());
}

/// Record for LINT000 that this rule skipped container `c` of `td` because its `stopTimeout`
/// is not a whole number (a module default that is not literal is reported by LINT000 itself).
pub fn skip_stop_timeout(cx: &mut RuleContext<'_, '_>, td: &TaskDef<'_>, c: &Container<'_>) {
    let Some(n) = c.get("stopTimeout") else {
        return;
    };
    let name = c.display_name();
    let what = format!(
        "`stopTimeout` of container `{name}` of ECS task definition `{}`",
        td.logical
    );
    let logical = format!("{}/containerDefinitions[{name}]/stopTimeout", td.logical);
    skip_value(cx, (c.file, n), what, "a whole number", logical);
}
