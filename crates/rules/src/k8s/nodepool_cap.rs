//! The Karpenter NodePool grace-period cap that K8S002 and PAR001 share: a NodePool's
//! `spec.template.spec.terminationGracePeriod` (Karpenter v1) is how long Karpenter waits for
//! the pods of a node it drains before it deletes them, whatever their own grace period says.

use cutover_semantic::k8s::K8sIndex;
use lint_engine::doc::Node;
use lint_engine::model::K8sObject;
use lint_engine::RuleContext;

use super::support::{go_duration_secs, shown};

/// The shortest NodePool cap of a repository.
pub(crate) struct NodePoolCap<'m, 'a> {
    /// The NodePool.
    pub pool: &'m K8sObject<'a>,
    /// Its `terminationGracePeriod` value.
    pub value: &'m Node,
    /// The value in seconds.
    pub seconds: i64,
}

impl NodePoolCap<'_, '_> {
    /// The NodePool's name for messages.
    pub fn name(&self) -> &str {
        self.pool.name.unwrap_or("?")
    }
}

/// The shortest `spec.template.spec.terminationGracePeriod` of the Karpenter NodePools in the
/// repository of `object` (an index in `model.k8s`). A value that is not a duration is not
/// guessed: it is recorded for LINT000 and that NodePool is left out.
pub(crate) fn nodepool_cap<'m, 'a>(
    cx: &mut RuleContext<'m, 'a>,
    ix: &'m K8sIndex,
    object: usize,
) -> Option<NodePoolCap<'m, 'a>> {
    let model = cx.model;
    let mut best: Option<NodePoolCap<'m, 'a>> = None;
    for (_, np) in ix.in_repo_of(model, object, "NodePool") {
        if !np.api_version.starts_with("karpenter.sh/") {
            continue;
        }
        let Some(v) = np
            .node
            .path(&["spec", "template", "spec", "terminationGracePeriod"])
            .filter(|v| !v.is_null())
        else {
            continue;
        };
        let Some(secs) = v.as_str().and_then(go_duration_secs) else {
            let what = format!(
                "`terminationGracePeriod` of NodePool `{}`",
                np.name.unwrap_or("?")
            );
            let why = format!("{} is not a duration", shown(v));
            cx.unresolved(np.file, v.span, what, why).logical =
                Some(format!("{}/terminationGracePeriod", np.logical()));
            continue;
        };
        if best.as_ref().is_none_or(|b| secs < b.seconds) {
            best = Some(NodePoolCap {
                pool: np,
                value: v,
                seconds: secs,
            });
        }
    }
    best
}
