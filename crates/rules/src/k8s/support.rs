//! Small helpers the cross-file K8S rules share: describing a load-balancer reference, finding a
//! workload's index, reading whole-second values.

use cutover_semantic::k8s::{K8sIndex, LbRef, TargetMode, Via};
use lint_engine::doc::Node;
use lint_engine::model::{K8sObject, Model, Workload};

/// `Ingress `web``, `TargetGroupBinding `web``, `Service `web`` for messages.
pub fn describe(model: &Model<'_>, r: &LbRef) -> String {
    let what = match r.via {
        Via::Ingress => "Ingress",
        Via::TargetGroupBinding => "TargetGroupBinding",
        Via::LoadBalancerService => "LoadBalancer Service",
    };
    let name = model.k8s.get(r.object).and_then(|o| o.name).unwrap_or("?");
    format!("{what} `{name}`")
}

/// The workload's index in `model.workloads` and its object.
pub fn workload_of<'m, 'a>(
    model: &'m Model<'a>,
    ix: &K8sIndex,
    w: &Workload<'a>,
) -> Option<(usize, &'m K8sObject<'a>)> {
    Some((ix.workload_of(w.object)?, model.k8s.get(w.object)?))
}

/// Load balancers that register the workload's pod IPs directly (`(service, lb)` pairs).
pub fn ip_targets(ix: &K8sIndex, workload: usize) -> Vec<(usize, &LbRef)> {
    ix.lb_targets(workload)
        .into_iter()
        .filter(|(_, r)| r.mode == TargetMode::Ip)
        .collect()
}

/// A whole number written as a number or a numeric string.
pub fn int_of(n: &Node) -> Option<i64> {
    n.as_i64()
        .or_else(|| n.as_str().and_then(|s| s.trim().parse().ok()))
}
