//! Helpers the PAR rules share: the pair of a workload and names for messages.

use cutover_semantic::k8s::K8sIndex;
use cutover_semantic::pairing::{Pair, Pairing};
use lint_engine::model::{K8sObject, Workload};
use lint_engine::RuleContext;

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
