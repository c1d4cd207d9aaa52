use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::{Container, K8sContainer, TaskDef};
use lint_engine::source::{FileId, Span};
use lint_engine::{Label, Rule, RuleContext};

use super::pair_view::{pairs, PairView};
use super::resource_values::{ecs_int, k8s_quantity, task_size, Quantity, Res};
use crate::ecs::fargate_reason;

declare_rule! {
    /// ## What it does
    /// For each container of a Kubernetes workload paired with an ECS service or task
    /// definition, compares the resources with the ECS container it replaces:
    ///
    /// - the ECS container `cpu` (CPU units; 1024 is one vCPU) against `resources.requests.cpu`.
    ///   A single-container Fargate task whose container sets no `cpu` uses the task `cpu`;
    /// - `memoryReservation` (MiB) against `resources.requests.memory`;
    /// - the hard `memory` limit against `resources.limits.memory`.
    ///
    /// Reported when a request is missing or lower than the ECS value by more than
    /// `parity.resource-tolerance` (10% by default), when `limits.memory` is missing where ECS had
    /// a hard `memory`, and when the requests of all containers of a pod add up to more than the
    /// Fargate task size (the pod needs more than the task had). `limits.cpu` is never asked for:
    /// the ECS container `cpu` is a relative share, not a quota. A Fargate container without
    /// `memory` asks for no limit. Values that are not literal (a Terraform expression, an
    /// unrendered template) are not guessed: they are skipped and reported by LINT000.
    ///
    /// ## Why it matters
    /// A converted manifest that drops the sizes runs as BestEffort or Burstable: the scheduler
    /// packs it onto nodes without the CPU and memory it had on ECS, it is evicted first under
    /// pressure, and without a memory limit a leak no longer restarts the container but starves
    /// its neighbours.
    ///
    /// ## Example
    /// ```json
    /// {"family": "payments", "containerDefinitions": [
    ///   {"name": "app", "image": "payments:1", "stopTimeout": 30, "cpu": 512,
    ///    "memory": 1024, "memoryReservation": 512}]}
    /// ```
    /// ```yaml,expect_finding,with_previous
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: payments}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: "payments:1"
    ///           resources:
    ///             requests: {cpu: 500m, memory: 256Mi}
    ///             limits: {memory: 1Gi}
    /// ```
    ///
    /// ## How to fix
    /// Copy the mapped values (CPU units / 1024 as cores, MiB as `Mi`), then tune them from
    /// metrics:
    /// ```text
    /// resources:
    ///   requests: {cpu: 500m, memory: 512Mi}
    ///   limits: {memory: 1024Mi}
    /// ```
    /// Leave `limits.cpu` out unless the service needs throttling: ECS did not cap it per
    /// container.
    ///
    /// ## References
    /// - CPU units (1024 per vCPU): <https://repost.aws/knowledge-center/ecs-cpu-allocation>
    /// - ContainerDefinition `cpu`, `memory`, `memoryReservation`: <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html>
    /// - Kubernetes requests and limits: <https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/>
    pub ResourceParity {
        id: "PAR002",
        name: "resource-parity",
        severity: Warning,
        summary: "requests or memory limit on Kubernetes below what the paired ECS container had",
        inputs: [TaskDef, K8s, TfJson, TfPlan],
        cross_file: true,
        security: false,
    }
}

/// The ECS value a Kubernetes quantity is compared with.
struct Expected<'a> {
    /// CPU units or MiB.
    value: i64,
    node: &'a Node,
    file: FileId,
    /// The ECS field as messages name it, with its backticks (task `cpu` for the task size).
    field: &'static str,
}

/// Names of one compared container pair, for messages and logical paths.
struct Names {
    owner: String,
    container: String,
    ecs_container: String,
    ecs: String,
    logical: String,
    k8s_file: FileId,
    anchor: Span,
}

fn tolerance(cx: &RuleContext<'_, '_>) -> f64 {
    let t = cx.config.parity.resource_tolerance;
    if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.1
    }
}

impl ResourceParity {
    /// One Kubernetes quantity against its ECS value.
    fn compare<'a>(
        &self,
        cx: &mut RuleContext<'_, 'a>,
        (names, k): (&Names, &K8sContainer<'a>),
        (section, res): (&str, Res),
        want: &Expected<'a>,
    ) {
        let path = format!("resources.{section}.{}", res.key());
        let expected = res.from_ecs(want.value);
        let related = Label::new(
            want.file,
            want.node.span,
            format!("ECS {} {}", want.field, res.ecs_text(want.value)),
        );
        let logical = format!("{}/{path}", names.logical);
        let help = match res {
            Res::Cpu => format!("set `{path}: {}` (the ECS value), then tune it from metrics; leave `limits.cpu` out unless throttling is wanted: the ECS container `cpu` is a share, not a quota", res.quantity(expected)),
            Res::Memory => format!("set `{path}: {}` (the ECS value), then tune it from metrics", res.quantity(expected)),
        };
        let owner = &names.owner;
        let cname = &names.container;
        let ecs_had = format!("container `{}` of {}", names.ecs_container, names.ecs);
        let f = match k8s_quantity(cx, names.k8s_file, (owner, k), section, res) {
            Quantity::Unknown => return,
            Quantity::Absent => {
                let consequence = if section == "limits" {
                    "it is no longer killed at that size, and a leak takes memory from its neighbours on the node"
                } else {
                    "the scheduler may place it on a node without that capacity"
                };
                cx.finding(
                    names.k8s_file,
                    names.anchor,
                    format!(
                        "container `{cname}` of {owner} sets no `{path}`, while {ecs_had} had {} {}: {consequence}",
                        want.field,
                        res.ecs_text(want.value)
                    ),
                )
                .with_missing(path.clone())
            }
            Quantity::Value(got, n) => {
                if got >= expected * (1.0 - tolerance(cx)) - 1e-9 {
                    return;
                }
                let text = n.scalar_text().unwrap_or_default();
                cx.finding(
                    names.k8s_file,
                    n.span,
                    format!(
                        "container `{cname}` of {owner} has `{path}` {text}, below the {} ({}) {ecs_had} had",
                        res.ecs_text(want.value),
                        want.field
                    ),
                )
            }
        };
        cx.emit(
            f.with_help(help)
                .with_related(related)
                .with_logical(logical),
        );
    }

    fn container<'a>(
        &self,
        cx: &mut RuleContext<'_, 'a>,
        (td, c, k): (&TaskDef<'a>, &Container<'a>, &K8sContainer<'a>),
        names: &Names,
        single_fargate: bool,
    ) {
        let cpu = match ecs_int(cx, (td, c), "cpu") {
            Some((v, node)) => Some(Expected {
                value: v,
                node,
                file: c.file,
                field: "`cpu`",
            }),
            None if single_fargate && c.get("cpu").is_none() => {
                task_size(cx, td, Res::Cpu).map(|(v, node)| Expected {
                    value: v,
                    node,
                    file: td.file,
                    field: "task `cpu`",
                })
            }
            None => None,
        };
        if let Some(want) = cpu.filter(|w| w.value > 0) {
            self.compare(cx, (names, k), ("requests", Res::Cpu), &want);
        }
        let reservation = ecs_int(cx, (td, c), "memoryReservation");
        if let Some((v, node)) = reservation.filter(|(v, _)| *v > 0) {
            let want = Expected {
                value: v,
                node,
                file: c.file,
                field: "`memoryReservation`",
            };
            self.compare(cx, (names, k), ("requests", Res::Memory), &want);
        }
        if let Some((v, node)) = ecs_int(cx, (td, c), "memory").filter(|(v, _)| *v > 0) {
            // Only a missing limit changes the behaviour; a lower one is a sizing choice.
            let missing = k
                .node
                .path(&["resources", "limits", "memory"])
                .is_none_or(Node::is_null);
            if missing {
                let want = Expected {
                    value: v,
                    node,
                    file: c.file,
                    field: "`memory`",
                };
                self.compare(cx, (names, k), ("limits", Res::Memory), &want);
            }
        }
    }

    /// The pod's requests against the Fargate task size.
    fn task_total<'a>(
        &self,
        cx: &mut RuleContext<'_, 'a>,
        pair: &PairView<'_, 'a>,
        ecs: &str,
        why: &str,
    ) {
        let Some(td) = pair.task_def else { return };
        let obj = pair.object;
        let owner = format!("{} `{}`", obj.kind, obj.name.unwrap_or("?"));
        for res in [Res::Cpu, Res::Memory] {
            let Some((size, size_node)) = task_size(cx, td, res) else {
                continue;
            };
            let limit = res.from_ecs(size);
            let mut sum = 0.0;
            for k in &pair.pod.containers {
                let (v, n) = match k8s_quantity(cx, obj.file, (&owner, k), "requests", res) {
                    Quantity::Value(v, n) => (v, n),
                    Quantity::Absent => continue,
                    Quantity::Unknown => break,
                };
                sum += v;
                if sum <= limit + 1e-9 {
                    continue;
                }
                let f = cx
                    .finding(
                        obj.file,
                        n.span,
                        format!(
                            "the containers of {owner} request {} of {} up to container `{}`, more than the {} Fargate task size of {}: the pod needs more of a node than the task had",
                            res.quantity(sum),
                            res.key(),
                            k.display_name(),
                            res.ecs_text(size),
                            ecs,
                        ),
                    )
                    .with_related(Label::new(td.file, size_node.span, format!("ECS task `{}` {}", res.key(), res.ecs_text(size))))
                    .with_note(format!("the task runs on Fargate: {why}"))
                    .with_help("bring the requests back to the task size, or note why the pod needs more than it had on ECS and suppress this finding")
                    .with_logical(format!("{}/requests.{}/total", obj.logical(), res.key()));
                cx.emit(f);
                break;
            }
        }
    }
}

impl Rule for ResourceParity {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let model = cx.model;
        for pair in pairs(cx) {
            let Some(td) = pair.task_def else { continue };
            // Findings are located at the Kubernetes object, unresolved values there or in the
            // task definition's files: a pair in none of the files reported on is skipped.
            if !cx.reports_on(pair.object.file) && !cx.reports_on_task_def(td) {
                continue;
            }
            let fargate = fargate_reason(model, td);
            let single_fargate = fargate.is_some() && td.containers().len() == 1;
            let obj = pair.object;
            let what = if pair.service.is_some() {
                "ECS service"
            } else {
                "ECS task definition"
            };
            let ecs = format!("{what} `{}`", pair.ecs_name());
            for &(c, k) in &pair.containers {
                let names = Names {
                    owner: format!("{} `{}`", obj.kind, obj.name.unwrap_or("?")),
                    container: k.display_name(),
                    ecs_container: c.display_name(),
                    ecs: ecs.clone(),
                    logical: format!("{}/{}", obj.logical(), k.logical_key()),
                    k8s_file: obj.file,
                    anchor: k.anchor(),
                };
                self.container(cx, (td, c, k), &names, single_fargate);
            }
            if let Some(why) = fargate {
                self.task_total(cx, &pair, &ecs, &why);
            }
        }
    }
}
