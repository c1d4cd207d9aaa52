use cutover_semantic::criticality::ecs_service_criticality;
use lint_engine::declare_rule;
use lint_engine::doc::{Node, Value};
use lint_engine::model::ecs_service::{services_of_task_def, task_family_of};
use lint_engine::model::follow;
use lint_engine::model::{
    EcsService, EffectiveStrategy, Model, ModuleDefault, TaskDef, TfResource,
};
use lint_engine::{Finding, Label, Rule, RuleContext, Severity};

declare_rule! {
    /// ## What it does
    /// Flags every essential container of an ECS task definition that has no `stopTimeout`, or
    /// one below `ecs.min-stop-timeout-seconds` (default 30). Containers with
    /// `"essential": false` are skipped, and so are FireLens log routers (containers with
    /// `firelensConfiguration`), which ECS stops after the containers that log through them;
    /// set `ecs.include-log-routers = true` to check them too.
    ///
    /// **Severity.** Warning by default. **Error** when a service that runs the task definition (its
    /// `task_definition` is a Terraform reference to it, its ARN or its family) is critical
    /// (see `[criticality]`) or places tasks on `FARGATE_SPOT` through its effective
    /// capacity-provider strategy (see ECS002); the Spot message recommends 120 s, the length of
    /// the Spot notice. The service is shown as a related location.
    ///
    /// **Info** for what looks like a one-off or scheduled task, but only when the inputs show
    /// it: the task definition is the target of an `aws_cloudwatch_event_target` or an
    /// `aws_scheduler_schedule`, or it is a Terraform task definition whose module (directory,
    /// or plan and module path) declares ECS services that all run other task definitions. A
    /// task-definition file with no Terraform around it stays a warning: the inputs cannot say
    /// how it is run.
    ///
    /// A container declared through the `terraform-aws-modules/ecs` module (its `services` map
    /// or its service submodule) that sets no `stopTimeout` gets the module's value: 120 s, or
    /// the service's `container_definition_defaults`; it is reported only when that value is
    /// below the minimum, and skipped when it is not a literal.
    ///
    /// On EC2 the default wait is the agent's `ECS_CONTAINER_STOP_TIMEOUT`. When the task
    /// definition can only run on EC2 (`requiresCompatibilities` without `FARGATE`, or every
    /// service runs it with `launch_type = "EC2"`) and the user data of an
    /// `aws_launch_template`, `aws_launch_configuration` or `aws_instance` of the inputs sets
    /// `ECS_CONTAINER_STOP_TIMEOUT=` (plain text or base64), the smallest such value is the
    /// default: a missing `stopTimeout` is reported only when that value is below the minimum.
    ///
    /// ## Why it matters
    /// When ECS stops a task (deployment, scale-in, Spot interruption) it sends SIGTERM, waits
    /// `stopTimeout` seconds, then sends SIGKILL. Without the parameter the wait is 30 s on
    /// Fargate (and the agent's `ECS_CONTAINER_STOP_TIMEOUT`, default 30 s, on EC2). A service
    /// that needs longer to drain in-flight requests or finish a job loses that work. The
    /// Kubernetes counterpart is `terminationGracePeriodSeconds`; a migration should carry the
    /// real drain time across instead of two unrelated defaults. Fargate Spot gives a two-minute
    /// warning, so Spot services should use the full 120 s.
    ///
    /// ## Example
    /// ```json,expect_finding
    /// {"family": "api", "containerDefinitions": [
    ///   {"name": "api", "image": "nginx:1.27", "essential": true}
    /// ]}
    /// ```
    ///
    /// No finding: the drain time is explicit, and the log sidecar is not essential.
    /// ```json
    /// {"family": "api", "containerDefinitions": [
    ///   {"name": "api", "image": "nginx:1.27", "stopTimeout": 90},
    ///   {"name": "log", "image": "fluent-bit:3", "essential": false}
    /// ]}
    /// ```
    ///
    /// ## How to fix
    /// Set `stopTimeout` on each essential container to the time the application really needs
    /// to drain (Fargate allows at most 120 s), and make sure the container's main process
    /// receives SIGTERM and handles it (an `exec` entrypoint, or an init such as `tini`).
    ///
    /// ## References
    /// - ContainerDefinition `stopTimeout` and `essential`:
    ///   <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html>
    /// - Fargate Spot termination notice:
    ///   <https://repost.aws/knowledge-center/fargate-spot-termination-notice>
    pub MissingStopTimeout {
        id: "ECS001",
        name: "missing-stop-timeout",
        severity: Warning,
        summary: "essential ECS container without a stopTimeout long enough to drain on SIGTERM",
        inputs: [TaskDef, TfJson, TfPlan],
        cross_file: true,
        security: false,
    }
}

/// Fargate's (and the ECS agent's) default wait between SIGTERM and SIGKILL.
pub const DEFAULT_STOP_TIMEOUT: i64 = 30;

/// The Fargate Spot interruption notice, and the Fargate maximum `stopTimeout`.
pub const SPOT_NOTICE_SECONDS: i64 = 120;

/// Why a task definition's findings change severity.
struct Escalation<'m, 'a> {
    severity: Option<Severity>,
    /// A service running this task definition on `FARGATE_SPOT`.
    spot: Option<EcsService<'m, 'a>>,
    /// A critical service running this task definition, with its reason.
    critical: Option<(EcsService<'m, 'a>, String)>,
    /// Why this looks like a one-off or scheduled task (info).
    one_off: Option<String>,
    /// EC2 only: the agent's `ECS_CONTAINER_STOP_TIMEOUT` (seconds) and where it was found.
    agent_default: Option<(i64, String)>,
}

fn same(a: &TfResource<'_>, b: &TfResource<'_>) -> bool {
    a.file == b.file && a.anchor == b.anchor
}

/// A Terraform scheduled-task target that runs `td`: `aws_cloudwatch_event_target.ecs_target`
/// or `aws_scheduler_schedule.target.ecs_parameters`.
fn scheduled_by(model: &Model<'_>, td: &TaskDef<'_>) -> Option<String> {
    let own = td.terraform_index().and_then(|i| model.tf.get(i));
    for (rtype, path) in [
        (
            "aws_cloudwatch_event_target",
            &["ecs_target", "task_definition_arn"][..],
        ),
        (
            "aws_scheduler_schedule",
            &["target", "ecs_parameters", "task_definition_arn"][..],
        ),
    ] {
        for t in model.tf_of_type(rtype) {
            let by_ref = own.is_some_and(|own| {
                t.resource_refs_at(path).iter().any(|rf| {
                    rf.address.starts_with("aws_ecs_task_definition.")
                        && model
                            .resolve_tf(t, &rf.address)
                            .is_some_and(|x| same(x, own))
                })
            });
            let by_family = td.family().is_some_and(|fam| {
                follow(t.values, path).iter().any(|n| {
                    n.as_str()
                        .filter(|s| !n.is_unresolved() && !s.is_empty())
                        .is_some_and(|s| task_family_of(s) == fam)
                })
            });
            if by_ref || by_family {
                return Some(format!("it is scheduled by `{}`", t.address));
            }
        }
    }
    None
}

/// For a Terraform task definition that no service uses: the services of the same Terraform
/// module (same directory for `.tf.json`, same plan and module path for plans) all run other
/// task definitions.
fn unused_in_module(model: &Model<'_>, td: &TaskDef<'_>) -> Option<String> {
    let own = model.tf.get(td.terraform_index()?)?;
    let peers: Vec<EcsService<'_, '_>> = model
        .ecs_services_in_module_of(own)
        .map(|resource| EcsService { resource })
        .collect();
    if peers.is_empty() || !peers.iter().all(|s| s.task_definitions(model).resolved) {
        return None;
    }
    let names: Vec<String> = peers
        .iter()
        .take(3)
        .map(|s| format!("`{}`", s.display_name()))
        .collect();
    Some(format!(
        "no ECS service of this Terraform module runs it (the module's services: {}{})",
        names.join(", "),
        if peers.len() > 3 { ", …" } else { "" }
    ))
}

/// The task definition can only run on EC2: its compatibilities exclude Fargate, or every
/// service running it sets `launch_type = "EC2"`.
fn ec2_only(td: &TaskDef<'_>, services: &[EcsService<'_, '_>], model: &Model<'_>) -> bool {
    let compat = td.compatibilities();
    if !compat.is_empty() {
        return compat.contains(&"EC2") && !compat.contains(&"FARGATE");
    }
    !services.is_empty()
        && services.iter().all(|s| {
            matches!(s.effective_strategy(model), EffectiveStrategy::LaunchType(n) if n.as_str() == Some("EC2"))
        })
}

/// A Go duration as the ECS agent reads it (`30s`, `2m`, `1m30s`), in whole seconds.
fn parse_go_duration(s: &str) -> Option<i64> {
    if s == "0" {
        return Some(0);
    }
    let mut total = 0f64;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let mult = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += num * mult;
        rest = &rest[unit_len..];
    }
    Some(total.floor() as i64)
}

/// Standard base64 (padding and whitespace tolerated); `None` when it is not base64.
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut seen = 0usize;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        seen += 1;
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (seen >= 4).then_some(out)
}

/// `ECS_CONTAINER_STOP_TIMEOUT=<duration>` in user data (plain text, or base64).
pub fn agent_stop_timeout_in(user_data: &str) -> Option<i64> {
    const KEY: &str = "ECS_CONTAINER_STOP_TIMEOUT=";
    let find = |text: &str| -> Option<i64> {
        let at = text.find(KEY)? + KEY.len();
        let v: String = text[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == 'µ')
            .collect();
        parse_go_duration(&v)
    };
    find(user_data).or_else(|| {
        let bytes = decode_base64(user_data.trim())?;
        find(&String::from_utf8_lossy(&bytes))
    })
}

/// The smallest agent `ECS_CONTAINER_STOP_TIMEOUT` configured in the inputs' launch templates,
/// launch configurations and instances, with the resource it comes from.
fn agent_default(model: &Model<'_>) -> Option<(i64, String)> {
    let mut best: Option<(i64, String)> = None;
    for rtype in [
        "aws_launch_template",
        "aws_launch_configuration",
        "aws_instance",
    ] {
        for r in model.tf_of_type(rtype) {
            for key in ["user_data", "user_data_base64"] {
                let Some(v) = r.attr(key).and_then(Node::as_str) else {
                    continue;
                };
                if let Some(secs) = agent_stop_timeout_in(v) {
                    if best.as_ref().is_none_or(|(b, _)| secs < *b) {
                        best = Some((secs, r.address.to_string()));
                    }
                }
            }
        }
    }
    best
}

impl<'m, 'a> Escalation<'m, 'a> {
    fn of(model: &'m Model<'a>, cfg: &lint_engine::Config, td: &TaskDef<'a>) -> Self {
        let services = services_of_task_def(model, td);
        let mut spot = None;
        let mut critical = None;
        for s in &services {
            if spot.is_none() && s.effective_strategy(model).uses_fargate_spot() {
                spot = Some(*s);
            }
            if critical.is_none() {
                let c = ecs_service_criticality(model, cfg, s);
                if c.critical {
                    critical = Some((*s, c.reason));
                }
            }
        }
        let one_off = if services.is_empty() {
            scheduled_by(model, td).or_else(|| unused_in_module(model, td))
        } else {
            None
        };
        let agent_default = if ec2_only(td, &services, model) {
            agent_default(model)
        } else {
            None
        };
        let severity = if spot.is_some() || critical.is_some() {
            Some(Severity::Error)
        } else if one_off.is_some() {
            Some(Severity::Info)
        } else {
            None
        };
        Escalation {
            severity,
            spot,
            critical,
            one_off,
            agent_default,
        }
    }

    fn apply(&self, mut f: Finding) -> Finding {
        if let Some(sev) = self.severity {
            f = f.with_severity(sev);
        }
        if let Some(s) = &self.spot {
            f = f
                .with_related(Label::new(
                    s.resource.file,
                    s.anchor(),
                    format!("service `{}` runs on `FARGATE_SPOT`", s.display_name()),
                ))
                .with_note(format!(
                    "service `{}` places tasks on Fargate Spot, which stops them with {SPOT_NOTICE_SECONDS} s notice (see ECS002)",
                    s.display_name()
                ));
        }
        if let Some((s, reason)) = &self.critical {
            let same_as_spot = self
                .spot
                .as_ref()
                .is_some_and(|x| std::ptr::eq(x.resource, s.resource));
            if !same_as_spot {
                f = f.with_related(Label::new(
                    s.resource.file,
                    s.anchor(),
                    format!("critical service `{}`", s.display_name()),
                ));
            }
            f = f.with_note(format!("service `{}` is {reason}", s.display_name()));
        }
        if let (Some(why), None) = (
            &self.one_off,
            self.severity.filter(|s| *s == Severity::Error),
        ) {
            f = f.with_note(format!(
                "reported as info: {why}, so this looks like a one-off or scheduled task, which deployments and scale-in do not stop"
            ));
        }
        f
    }
}

impl Rule for MissingStopTimeout {
    // Every finding of the hooks is located in the checked resource's own files.
    fn local_hooks(&self) -> bool {
        true
    }

    fn check_task_def(&self, td: &TaskDef<'_>, cx: &mut RuleContext<'_, '_>) {
        if td.containers().is_empty() {
            return;
        }
        let min = cx.config.ecs.min_stop_timeout_seconds;
        let esc = Escalation::of(cx.model, cx.config, td);
        let on_spot = esc.spot.is_some();
        let (default, default_note) = match &esc.agent_default {
            Some((secs, from)) => (
                *secs,
                Some(format!(
                    "the task runs on EC2 only, where the agent's `ECS_CONTAINER_STOP_TIMEOUT` applies ({secs} s, from the user data of `{from}`)"
                )),
            ),
            None => (DEFAULT_STOP_TIMEOUT, None),
        };
        let spot_help = "set `stopTimeout` to 120 (the Fargate Spot notice) and handle SIGTERM in the main process";
        for c in td.containers() {
            if !c.is_essential() {
                continue;
            }
            if c.get("firelensConfiguration").is_some() && !cx.config.ecs.include_log_routers {
                continue;
            }
            let name = c.display_name();
            let logical = format!("{}/containerDefinitions[{name}]", td.logical);
            match c.get("stopTimeout") {
                None
                | Some(Node {
                    value: Value::Null, ..
                }) => {
                    // The ECS registry module fills in its own default.
                    let (default, default_note) = match c.module_stop_timeout() {
                        Some(ModuleDefault::Unknown) => continue,
                        Some(ModuleDefault::Value(secs)) if secs >= min => continue,
                        Some(ModuleDefault::Value(secs)) => (
                            secs,
                            Some(format!(
                                "the ECS module gives a container without `stopTimeout` {secs} s"
                            )),
                        ),
                        None => (default, default_note.clone()),
                    };
                    if esc.agent_default.is_some() && default >= min {
                        continue;
                    }
                    let mut msg = format!(
                        "container `{name}` has no `stopTimeout`: SIGTERM then SIGKILL after {default} s"
                    );
                    if on_spot {
                        msg.push_str(&format!(
                            ", though Fargate Spot gives {SPOT_NOTICE_SECONDS} s notice"
                        ));
                    }
                    let mut f = cx
                        .finding(c.file, c.anchor(), msg)
                        .with_missing(format!("containerDefinitions[{}].stopTimeout", c.index))
                        .with_help(if on_spot { spot_help } else { "set `stopTimeout` to the time the app needs to drain (at most 120 on Fargate) and handle SIGTERM in the main process" })
                        .with_logical(logical);
                    if let Some(n) = &default_note {
                        f = f.with_note(n.clone());
                    }
                    let f = esc.apply(f);
                    cx.emit(f);
                }
                Some(v) if v.is_unresolved() => {}
                Some(v) => {
                    if let Some(secs) = v.as_i64() {
                        if secs < min {
                            let mut msg = format!(
                                "container `{name}` has `stopTimeout` {secs} s, below the {min} s minimum"
                            );
                            if on_spot {
                                msg.push_str(&format!(
                                    " and the {SPOT_NOTICE_SECONDS} s Fargate Spot notice"
                                ));
                            }
                            let f = cx
                                .finding(c.file, v.span, msg)
                                .with_help(if on_spot { spot_help } else { "raise `stopTimeout` to the app's real drain time (at most 120 on Fargate)" })
                                .with_logical(logical);
                            let f = esc.apply(f);
                            cx.emit(f);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_user_data() {
        assert_eq!(parse_go_duration("2m"), Some(120));
        assert_eq!(parse_go_duration("1m30s"), Some(90));
        assert_eq!(parse_go_duration("45s"), Some(45));
        assert_eq!(parse_go_duration("45"), None);
        assert_eq!(
            agent_stop_timeout_in(
                "#!/bin/bash\necho ECS_CONTAINER_STOP_TIMEOUT=2m >> /etc/ecs/ecs.config"
            ),
            Some(120)
        );
        // base64 of "echo ECS_CONTAINER_STOP_TIMEOUT=20s >> /etc/ecs/ecs.config\n"
        assert_eq!(
            agent_stop_timeout_in(
                "ZWNobyBFQ1NfQ09OVEFJTkVSX1NUT1BfVElNRU9VVD0yMHMgPj4gL2V0Yy9lY3MvZWNzLmNvbmZpZwo="
            ),
            Some(20)
        );
        assert_eq!(agent_stop_timeout_in("#!/bin/bash\necho hi"), None);
    }
}
