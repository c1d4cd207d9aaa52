//! Pairs of an ECS service (or task definition) and a Kubernetes workload, from the pairing of
//! the semantic crate, become one service: the workload's side, scope and parity rows are merged
//! into the ECS unit.

use cutover_semantic::pairing::{EcsSide, Pairing};
use lint_engine::model::Model;

use super::collect::{Key, Unit};

fn key_of(side: &EcsSide) -> Key {
    match *side {
        EcsSide::Service { tf, .. } => Key::Service(tf),
        EcsSide::TaskDef { task_def } => Key::TaskDef(task_def),
    }
}

/// ECS units then the unpaired Kubernetes units; each paired Kubernetes unit is merged into its
/// ECS unit.
pub fn merge(
    model: &Model<'_>,
    pairing: &Pairing,
    mut ecs: Vec<Unit>,
    k8s: Vec<Unit>,
) -> Vec<Unit> {
    let mut merged = vec![false; k8s.len()];
    for pair in &pairing.pairs {
        let key = key_of(&pair.ecs);
        let Some(e) = ecs.iter_mut().find(|u| u.key == key) else {
            continue;
        };
        let Some(k) = k8s.iter().position(|u| u.key == Key::Workload(pair.k8s)) else {
            continue;
        };
        if merged[k] || e.k8s.is_some() {
            continue;
        }
        merged[k] = true;
        e.k8s = k8s[k].k8s.clone();
        e.scope.extend(k8s[k].scope.iter().copied());
        e.paired_by = Some(pair.method.describe());
        e.parity = super::parity::rows(model, pair);
    }
    ecs.extend(
        k8s.into_iter()
            .zip(merged)
            .filter(|(_, m)| !m)
            .map(|(u, _)| u),
    );
    ecs
}
