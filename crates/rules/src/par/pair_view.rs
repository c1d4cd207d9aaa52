//! What PAR006–PAR010 read of one ECS ↔ Kubernetes pair of the shared pairing
//! (`cx.shared::<Pairing>()`): the ECS service (when the ECS side is a Terraform service, not a
//! bare task definition), its task definition, the Kubernetes workload, and the containers
//! matched within the pair.

use cutover_semantic::pairing::Pairing;
use lint_engine::model::ecs_service::EcsService;
use lint_engine::model::{Container, K8sContainer, K8sObject, TaskDef, Workload};
use lint_engine::RuleContext;

/// One matched pair, as the parity rules read it.
pub struct PairView<'m, 'a> {
    pub service: Option<EcsService<'m, 'a>>,
    /// The task definition, when the inputs resolve it.
    pub task_def: Option<&'m TaskDef<'a>>,
    /// Index in `model.workloads`.
    pub workload: usize,
    /// The workload and its object (Deployment, StatefulSet…).
    pub pod: &'m Workload<'a>,
    pub object: &'m K8sObject<'a>,
    pub containers: Vec<(&'m Container<'a>, &'m K8sContainer<'a>)>,
    ecs_name: String,
}

impl PairView<'_, '_> {
    /// The ECS side's name for messages: the service name, else the task-definition family.
    pub fn ecs_name(&self) -> String {
        self.ecs_name.clone()
    }
}

/// The pairs of the run, in the pairing's (deterministic) order.
pub fn pairs<'m, 'a>(cx: &RuleContext<'m, 'a>) -> Vec<PairView<'m, 'a>> {
    let model = cx.model;
    cx.shared::<Pairing>()
        .pairs
        .iter()
        .filter_map(|p| {
            let pod = p.workload(model)?;
            Some(PairView {
                service: p.ecs.service(model),
                task_def: p.ecs.task_def(model),
                workload: p.k8s,
                pod,
                object: model.k8s.get(pod.object)?,
                containers: p
                    .container_pairs(model)
                    .into_iter()
                    .map(|(c, k, _)| (c, k))
                    .collect(),
                ecs_name: p.ecs.display_name(model),
            })
        })
        .collect()
}
