//! Reading the sizes PAR002 compares: ECS container and task values (CPU units, MiB) and
//! Kubernetes `resources` quantities, recording for LINT000 the ones that cannot be known.

use cutover_semantic::ecs::fargate::{parse_cpu as ecs_task_cpu, parse_memory as ecs_task_memory};
use cutover_semantic::k8s::quantity::{parse_cpu, parse_memory_mib};
use lint_engine::doc::Node;
use lint_engine::model::ecs_service::{known_i64, Known};
use lint_engine::model::{Container, K8sContainer, TaskDef};
use lint_engine::RuleContext;

use super::support::why_unknown as why;

/// A Kubernetes resource kind PAR002 compares, with how its quantities read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Res {
    /// Cores (ECS: CPU units / 1024).
    Cpu,
    /// MiB.
    Memory,
}

impl Res {
    pub fn key(self) -> &'static str {
        match self {
            Res::Cpu => "cpu",
            Res::Memory => "memory",
        }
    }
    /// An ECS amount (CPU units or MiB) in the unit of the Kubernetes quantity.
    pub fn from_ecs(self, v: i64) -> f64 {
        match self {
            Res::Cpu => v as f64 / 1024.0,
            Res::Memory => v as f64,
        }
    }
    /// An amount in the unit of the Kubernetes quantity, written as Kubernetes would take it:
    /// `500m`, `2`, `512Mi`.
    pub fn quantity(self, v: f64) -> String {
        match self {
            Res::Cpu if (v - v.round()).abs() < 1e-9 => format!("{}", v.round()),
            Res::Cpu => format!("{}m", (v * 1000.0).ceil()),
            Res::Memory => format!("{}Mi", v.ceil()),
        }
    }
    /// An ECS amount as ECS writes it, for messages: `512 CPU units (0.5 vCPU)`, `1024 MiB`.
    pub fn ecs_text(self, v: i64) -> String {
        match self {
            Res::Cpu => format!("{v} CPU units ({} vCPU)", trim(v as f64 / 1024.0)),
            Res::Memory => format!("{v} MiB"),
        }
    }
}

/// A number without trailing zeros: `0.5`, `2`, `0.097`.
fn trim(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A Kubernetes quantity of a container: absent, not readable (recorded), or its value.
pub enum Quantity<'a> {
    Absent,
    Unknown,
    Value(f64, &'a Node),
}

/// `resources.<section>.<res>` of a Kubernetes container; a value that is not a quantity (an
/// unrendered template) is recorded as unresolved.
pub fn k8s_quantity<'a>(
    cx: &mut RuleContext<'_, 'a>,
    file: lint_engine::source::FileId,
    (owner, k): (&str, &K8sContainer<'a>),
    section: &str,
    res: Res,
) -> Quantity<'a> {
    let Some(n) = k
        .node
        .path(&["resources", section, res.key()])
        .filter(|n| !n.is_null())
    else {
        return Quantity::Absent;
    };
    let parsed = n.scalar_text().and_then(|t| match res {
        Res::Cpu => parse_cpu(&t),
        Res::Memory => parse_memory_mib(&t),
    });
    match parsed {
        Some(v) => Quantity::Value(v, n),
        None => {
            let what = format!(
                "`resources.{section}.{}` of container `{}` of {owner}",
                res.key(),
                k.display_name()
            );
            let why = why(n, "a Kubernetes quantity");
            cx.unresolved(file, n.span, what, why);
            Quantity::Unknown
        }
    }
}

/// An integer field of an ECS container (`cpu`, `memory`, `memoryReservation`): `None` when
/// absent or not known (recorded as unresolved).
pub fn ecs_int<'a>(
    cx: &mut RuleContext<'_, 'a>,
    (td, c): (&TaskDef<'a>, &Container<'a>),
    key: &str,
) -> Option<(i64, &'a Node)> {
    let n = c.get(key);
    match known_i64(n) {
        Known::Value(v) => n.map(|n| (v, n)),
        Known::Absent => None,
        Known::Unresolved => {
            let n = n?;
            let what = format!(
                "`{key}` of container `{}` of ECS task definition `{}`",
                c.display_name(),
                td.logical
            );
            let why = why(n, "a whole number");
            cx.unresolved(c.file, n.span, what, why);
            None
        }
    }
}

/// The task-level `cpu` (CPU units) or `memory` (MiB) of a task definition, read as ECS reads
/// it (`"1 vCPU"`, `"2 GB"`); `None` when absent or not known (recorded as unresolved).
pub fn task_size<'a>(
    cx: &mut RuleContext<'_, 'a>,
    td: &TaskDef<'a>,
    res: Res,
) -> Option<(i64, &'a Node)> {
    let n = td.field(res.key()).filter(|n| !n.is_null())?;
    let parse = match res {
        Res::Cpu => ecs_task_cpu,
        Res::Memory => ecs_task_memory,
    };
    match n.scalar_text().and_then(|t| parse(&t)) {
        Some(v) if !n.is_unresolved() => Some((i64::from(v), n)),
        _ => {
            let what = format!(
                "task `{}` of ECS task definition `{}`",
                res.key(),
                td.logical
            );
            let why = why(n, "a task size");
            cx.unresolved(td.file, n.span, what, why);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Res;

    #[test]
    fn quantities_as_kubernetes_writes_them() {
        assert_eq!(Res::Cpu.quantity(Res::Cpu.from_ecs(512)), "500m");
        assert_eq!(Res::Cpu.quantity(Res::Cpu.from_ecs(99)), "97m");
        assert_eq!(Res::Cpu.quantity(Res::Cpu.from_ecs(2048)), "2");
        assert_eq!(Res::Memory.quantity(Res::Memory.from_ecs(512)), "512Mi");
        assert_eq!(Res::Cpu.ecs_text(256), "256 CPU units (0.25 vCPU)");
        assert_eq!(Res::Cpu.ecs_text(99), "99 CPU units (0.097 vCPU)");
    }
}
