//! What PAR006–PAR010 read of one ECS ↔ Kubernetes pair: the ECS service (when the ECS side is
//! a Terraform service, not a bare task definition), its task definition, the Kubernetes
//! workload, and the containers matched within the pair.

use lint_engine::model::ecs_service::{ecs_services, EcsService};
use lint_engine::model::{Container, K8sContainer, K8sObject, TaskDef, Workload};
use lint_engine::RuleContext;

/// One matched pair, as the parity rules read it.
pub struct PairView<'m, 'a> {
    pub service: Option<EcsService<'m, 'a>>,
    pub task_def: &'m TaskDef<'a>,
    /// Index in `model.workloads`.
    pub workload: usize,
    pub containers: Vec<(&'m Container<'a>, &'m K8sContainer<'a>)>,
}

impl<'m, 'a> PairView<'m, 'a> {
    pub fn workload(&self, cx: &RuleContext<'m, 'a>) -> Option<&'m Workload<'a>> {
        cx.model.workloads.get(self.workload)
    }
    pub fn object(&self, cx: &RuleContext<'m, 'a>) -> Option<&'m K8sObject<'a>> {
        let w = self.workload(cx)?;
        cx.model.k8s.get(w.object)
    }
    /// The ECS side's name for messages: the service name, else the task-definition family.
    pub fn ecs_name(&self) -> String {
        match &self.service {
            Some(s) => s.display_name(),
            None => self
                .task_def
                .family()
                .map_or_else(|| self.task_def.logical.clone(), str::to_string),
        }
    }
}

/// Interim pairing (exact service name or family = workload name, or the
/// `cutover.dev/ecs-service` annotation); replaced by the shared pairing fact.
pub fn pairs<'m, 'a>(cx: &RuleContext<'m, 'a>) -> Vec<PairView<'m, 'a>> {
    let model = cx.model;
    let mut out = Vec::new();
    for s in ecs_services(model) {
        let Some(name) = s.name() else { continue };
        for td in s.task_definitions(model).task_defs {
            for (wi, w) in model.workloads.iter().enumerate() {
                let Some(o) = model.k8s.get(w.object) else {
                    continue;
                };
                let ann = o
                    .annotation("cutover.dev/ecs-service")
                    .and_then(|n| n.as_str());
                if ann == Some(name)
                    || o.name == Some(name)
                    || (o.name.is_some() && o.name == td.family())
                {
                    out.push(PairView {
                        service: Some(s),
                        task_def: td,
                        workload: wi,
                        containers: match_containers(td, w),
                    });
                }
            }
        }
    }
    out
}

fn match_containers<'m, 'a>(
    td: &'m TaskDef<'a>,
    w: &'m Workload<'a>,
) -> Vec<(&'m Container<'a>, &'m K8sContainer<'a>)> {
    td.containers()
        .iter()
        .filter_map(|c| {
            let k = w
                .containers
                .iter()
                .find(|k| k.name.is_some() && k.name == c.name)?;
            Some((c, k))
        })
        .collect()
}
