use cutover_semantic::ecs::fargate::{
    cpus_for_memory, fargate_cpu, parse_cpu, parse_memory, FARGATE_SIZES, WINDOWS_MIN_CPU,
};
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::{Container, TaskDef, TaskDefOrigin};
use lint_engine::{Finding, Label, Rule, RuleContext, Severity};

use super::fargate_reason;

declare_rule! {
    /// ## What it does
    /// Checks the task size of a task definition that runs on Fargate (its
    /// `requiresCompatibilities` includes `FARGATE`, or an ECS service of the inputs runs it on
    /// Fargate):
    ///
    /// - the task-level `cpu` and `memory` are present when `requiresCompatibilities` includes
    ///   `FARGATE`;
    /// - `cpu` is a Fargate size (256, 512, 1024, 2048, 4096, 8192 or 16384 units) and `memory`
    ///   is one of the values Fargate accepts for it. Values are read the way ECS reads them:
    ///   numbers, numeric strings, `"1 vCPU"`, `"2GB"` / `"2 GB"` (1 GB = 1024 MiB);
    /// - Windows tasks (`runtimePlatform.operatingSystemFamily` `WINDOWS_…`) have at least
    ///   1 vCPU;
    /// - the containers fit in the task: the sum of container `cpu` does not exceed the task
    ///   `cpu`, and the sum of container `memoryReservation` (or `memory` where a container has
    ///   no reservation) does not exceed the task `memory`.
    ///
    /// In every task definition, a container that sets both `memory` and `memoryReservation`
    /// must have `memory` greater than `memoryReservation`. Task definitions that can only run on
    /// EC2 are not held to the Fargate table, and values that are Terraform expressions or
    /// template placeholders (`"<PLACEHOLDER>"`) are skipped.
    ///
    /// ## Why it matters
    /// ECS refuses to register such a task definition (`ClientException: No Fargate
    /// configuration exists for given values`), so a `terraform apply` or a deployment pipeline
    /// fails at cut-over time rather than at review time.
    ///
    /// ## Example
    /// ```json,expect_finding
    /// {"family": "api", "requiresCompatibilities": ["FARGATE"], "cpu": "1024", "memory": "1024",
    ///  "containerDefinitions": [{"name": "api", "image": "api:1.0", "stopTimeout": 60}]}
    /// ```
    ///
    /// No finding: 1 vCPU with 2 GB is a Fargate size, and the container fits in it.
    /// ```json
    /// {"family": "api", "requiresCompatibilities": ["FARGATE"], "cpu": "1 vCPU", "memory": "2GB",
    ///  "containerDefinitions": [{"name": "api", "image": "api:1.0", "stopTimeout": 60, "cpu": 512, "memory": 1024}]}
    /// ```
    ///
    /// ## How to fix
    /// Pick a valid combination: 256 CPU takes 512, 1024 or 2048 MiB; 512 takes 1–4 GB; 1024
    /// takes 2–8 GB; 2048 takes 4–16 GB; 4096 takes 8–30 GB (1 GB steps); 8192 takes 16–60 GB in
    /// 4 GB steps and 16384 takes 32–120 GB in 8 GB steps (both on Linux platform version 1.4.0
    /// or later). The message names the nearest valid memory for the CPU. Keep the containers'
    /// reservations within the task size.
    ///
    /// ## References
    /// - Task CPU and memory: <https://docs.aws.amazon.com/AmazonECS/latest/userguide/task-cpu-memory-error.html>
    /// - Valid combinations: <https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/ecs/aws.sdk.kotlin.services.ecs.model/-task-definition/memory.html>
    /// - ContainerDefinition `cpu`, `memory`, `memoryReservation`:
    ///   <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html>
    pub InvalidFargateTaskSize {
        id: "ECS005",
        name: "invalid-fargate-task-size",
        severity: Error,
        summary: "task cpu/memory or container sizes that Fargate refuses to register",
        inputs: [TaskDef, TfJson, TfPlan],
        cross_file: false,
        security: false,
    }
}

/// A task-level size value: absent, a Terraform expression, unreadable text, or a number.
enum Size<'a> {
    Absent,
    Unknown,
    Unreadable(&'a Node),
    Value(u32, &'a Node),
}

fn size<'a>(n: Option<&'a Node>, parse: fn(&str) -> Option<u32>) -> Size<'a> {
    let Some(n) = n.filter(|n| !n.is_null()) else {
        return Size::Absent;
    };
    if n.is_unresolved() {
        return Size::Unknown;
    }
    let Some(text) = n.value.text() else {
        return Size::Unreadable(n);
    };
    // `<PLACEHOLDER>`: a template filled in by a pipeline, not a value yet.
    let t = text.trim();
    if t.starts_with('<') && t.ends_with('>') {
        return Size::Unknown;
    }
    match parse(text) {
        Some(v) => Size::Value(v, n),
        None => Size::Unreadable(n),
    }
}

fn list(values: &[u32]) -> String {
    values
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The operating system family of the task (`LINUX`, `WINDOWS_SERVER_2019_CORE`, …).
fn os_family<'a>(td: &TaskDef<'a>) -> Option<&'a str> {
    let platform = td.field("runtimePlatform")?;
    let block = platform.blocks().next()?;
    let key = match td.origin {
        TaskDefOrigin::File => "operatingSystemFamily",
        TaskDefOrigin::Terraform(_) => "operating_system_family",
    };
    block.get(key).and_then(Node::as_str)
}

/// A container integer (`cpu`, `memory`, `memoryReservation`), when it is a literal.
fn container_int<'a>(c: &Container<'a>, key: &str) -> Option<(i64, &'a Node)> {
    let n = c.get(key).filter(|n| !n.is_unresolved())?;
    Some((n.as_i64()?.clamp(0, i64::from(u32::MAX)), n))
}

impl InvalidFargateTaskSize {
    fn task_finding(
        &self,
        cx: &RuleContext<'_, '_>,
        td: &TaskDef<'_>,
        at: &Node,
        msg: String,
        why: &str,
    ) -> Finding {
        cx.finding(td.file, at.span, msg)
            .with_note(format!("the task runs on Fargate: {why}"))
            .with_logical(format!("{}/size", td.logical))
    }

    /// Task-level `cpu`/`memory` against the Fargate table.
    fn check_task_size(&self, td: &TaskDef<'_>, cx: &mut RuleContext<'_, '_>, why: &str) {
        let cpu = size(td.field("cpu"), parse_cpu);
        let memory = size(td.field("memory"), parse_memory);
        if td.requires_fargate() {
            let missing: Vec<&str> = [("cpu", &cpu), ("memory", &memory)]
                .into_iter()
                .filter(|(_, s)| matches!(s, Size::Absent))
                .map(|(k, _)| k)
                .collect();
            if !missing.is_empty() {
                let f = cx
                    .finding(
                        td.file,
                        td.anchor,
                        format!(
                            "task definition `{}` requires Fargate but sets no task-level {}",
                            td.logical,
                            missing
                                .iter()
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(" or ")
                        ),
                    )
                    .with_missing(missing.join(", "))
                    .with_help("set the task-level `cpu` and `memory` to a Fargate size, for example 256 and 512")
                    .with_logical(format!("{}/size", td.logical));
                cx.emit(f);
                return;
            }
        }
        for (s, what) in [(&cpu, "cpu"), (&memory, "memory")] {
            if let Size::Unreadable(n) = s {
                let f = self
                    .task_finding(
                        cx,
                        td,
                        n,
                        format!(
                            "task `{what}` {} is not a value ECS reads (a number of {})",
                            n.scalar_text().unwrap_or_default(),
                            if what == "cpu" { "CPU units or `N vCPU`" } else { "MiB or `N GB`" }
                        ),
                        why,
                    )
                    .with_help("write the size as a number, for example `\"512\"` or `\"1 vCPU\"` / `\"2 GB\"`");
                cx.emit(f);
            }
        }
        let Size::Value(cpu_v, cpu_n) = cpu else {
            return;
        };
        let Some(row) = fargate_cpu(cpu_v) else {
            let sizes: Vec<u32> = FARGATE_SIZES.iter().map(|r| r.cpu).collect();
            let f = self
                .task_finding(
                    cx,
                    td,
                    cpu_n,
                    format!(
                        "task `cpu` {cpu_v} is not a Fargate size ({})",
                        list(&sizes)
                    ),
                    why,
                )
                .with_help("pick one of the Fargate CPU sizes and a memory it accepts");
            cx.emit(f);
            return;
        };
        if os_family(td).is_some_and(|os| os.starts_with("WINDOWS")) && cpu_v < WINDOWS_MIN_CPU {
            let f = self
                .task_finding(
                    cx,
                    td,
                    cpu_n,
                    format!("task `cpu` {cpu_v} on Windows: Fargate runs Windows tasks with at least {WINDOWS_MIN_CPU} CPU units (1 vCPU)"),
                    why,
                )
                .with_help("set the task `cpu` to 1024 or more");
            cx.emit(f);
        }
        let Size::Value(mem_v, mem_n) = memory else {
            return;
        };
        if row.accepts(mem_v) {
            return;
        }
        let nearest = row.nearest_memory(mem_v);
        let other = cpus_for_memory(mem_v);
        let mut f = self
            .task_finding(
                cx,
                td,
                mem_n,
                format!(
                    "task `memory` {mem_v} MiB is not valid with `cpu` {cpu_v} on Fargate (valid: {}–{} MiB); the nearest valid memory is {nearest}",
                    row.min_memory, row.max_memory
                ),
                why,
            )
            .with_related(Label::new(td.file, cpu_n.span, format!("task `cpu` {cpu_v}")))
            .with_help(format!("set `memory` to {nearest} for `cpu` {cpu_v}"));
        if !other.is_empty() {
            f = f.with_note(format!("{mem_v} MiB is valid with `cpu` {}", list(&other)));
        }
        cx.emit(f);
    }

    /// Container reservations against the task size, and `memory` against `memoryReservation`.
    fn check_containers(
        &self,
        td: &TaskDef<'_>,
        cx: &mut RuleContext<'_, '_>,
        fargate: Option<&str>,
    ) {
        for c in td.containers() {
            if let (Some((hard, hn)), Some((soft, sn))) = (
                container_int(c, "memory"),
                container_int(c, "memoryReservation"),
            ) {
                if hard <= soft {
                    let name = c.display_name();
                    let f = cx
                        .finding(
                            c.file,
                            hn.span,
                            format!("container `{name}` has `memory` {hard} MiB, not above its `memoryReservation` {soft} MiB"),
                        )
                        .with_related(Label::new(c.file, sn.span, "`memoryReservation`"))
                        .with_help("make `memory` (the hard limit) greater than `memoryReservation`, or drop one of them")
                        .with_logical(format!("{}/containerDefinitions[{name}]/memory", td.logical));
                    cx.emit(f);
                }
            }
        }
        let Some(why) = fargate else { return };
        let task_cpu = match size(td.field("cpu"), parse_cpu) {
            Size::Value(v, _) => Some(i64::from(v)),
            _ => None,
        };
        let task_mem = match size(td.field("memory"), parse_memory) {
            Size::Value(v, _) => Some(i64::from(v)),
            _ => None,
        };
        for (task, what, unit) in [(task_cpu, "cpu", "CPU units"), (task_mem, "memory", "MiB")] {
            let Some(task) = task else { continue };
            let mut sum = 0i64;
            for c in td.containers() {
                // An unreadable value makes the sum unknown.
                let key_present = match what {
                    "cpu" => c.get("cpu").is_some(),
                    _ => c.get("memoryReservation").is_some() || c.get("memory").is_some(),
                };
                let picked = match what {
                    "cpu" => container_int(c, "cpu"),
                    _ => {
                        container_int(c, "memoryReservation").or_else(|| container_int(c, "memory"))
                    }
                };
                let Some((v, n)) = picked else {
                    if key_present {
                        break;
                    }
                    continue;
                };
                sum += v;
                if sum > task {
                    let name = c.display_name();
                    let f = cx
                        .finding(
                            c.file,
                            n.span,
                            format!("the containers reserve {sum} {unit} up to `{name}`, more than the task `{what}` {task}"),
                        )
                        .with_note(format!("the task runs on Fargate: {why}"))
                        .with_help(format!("lower the containers' {what} reservations or raise the task `{what}` to a Fargate size that holds them"))
                        .with_logical(format!("{}/containerDefinitions/{what}", td.logical))
                        .with_severity(Severity::Error);
                    cx.emit(f);
                    break;
                }
            }
        }
    }
}

impl Rule for InvalidFargateTaskSize {
    // Every finding of the hooks is located in the checked resource's own files.
    fn local_hooks(&self) -> bool {
        true
    }

    fn check_task_def(&self, td: &TaskDef<'_>, cx: &mut RuleContext<'_, '_>) {
        let fargate = fargate_reason(cx.model, td);
        if let Some(why) = &fargate {
            self.check_task_size(td, cx, why);
        }
        self.check_containers(td, cx, fargate.as_deref());
    }
}
