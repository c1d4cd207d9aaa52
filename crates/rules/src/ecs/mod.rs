pub mod fargate_spot_on_critical_service;
pub mod invalid_fargate_task_size;
pub mod missing_stop_timeout;
pub mod plaintext_secret_env;
pub mod spot_target_deregistration_too_long;
pub mod stop_timeout_out_of_range;

use lint_engine::model::ecs_service::services_of_task_def;
use lint_engine::model::{EffectiveStrategy, Model, TaskDef};

/// Why a task definition runs on Fargate, when the inputs show it: its
/// `requiresCompatibilities` contains `FARGATE`, or a service of the inputs runs it with
/// `launch_type = "FARGATE"` or through a `FARGATE`/`FARGATE_SPOT` capacity provider.
pub(crate) fn fargate_reason(model: &Model<'_>, td: &TaskDef<'_>) -> Option<String> {
    if td.requires_fargate() {
        return Some("its `requiresCompatibilities` includes `FARGATE`".into());
    }
    for s in services_of_task_def(model, td) {
        let fargate = match s.effective_strategy(model) {
            EffectiveStrategy::LaunchType(n) => n.as_str() == Some("FARGATE"),
            EffectiveStrategy::Strategy { items, .. } => {
                items.iter().any(|i| i.is_fargate() || i.is_fargate_spot())
            }
            EffectiveStrategy::None | EffectiveStrategy::Unknown(_) => false,
        };
        if fargate {
            return Some(format!("service `{}` runs it on Fargate", s.display_name()));
        }
    }
    None
}
