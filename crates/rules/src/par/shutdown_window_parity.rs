use cutover_semantic::criticality::workload_criticality;
use cutover_semantic::k8s::spot::reachable_spot;
use cutover_semantic::k8s::K8sIndex;
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::{Container, K8sObject, ModuleDefault, Workload};
use lint_engine::{Label, Rule, RuleContext, Severity};

use super::support::{ecs_name, pair_of, skip_stop_timeout};
use crate::k8s::missing_graceful_shutdown::{prestop, PreStop};
use crate::k8s::nodepool_cap::nodepool_cap;
use crate::k8s::support::{int_of, skip_grace};

declare_rule! {
    /// ## What it does
    /// For a Kubernetes workload paired with an ECS service or task definition, compares the
    /// shutdown windows. ECS gives each container its `stopTimeout` (30 s when unset) between
    /// SIGTERM and SIGKILL; Kubernetes gives the whole pod `terminationGracePeriodSeconds`
    /// (30 s when unset), and a `preStop` hook runs inside that budget. Reported when the grace
    /// period is shorter than the longest preStop sleep plus the longest ECS `stopTimeout` of
    /// the paired containers. A value that is not a literal number is not guessed: the pair is
    /// skipped.
    ///
    /// A Karpenter NodePool of the same repository whose `spec.template.spec.terminationGracePeriod`
    /// (Karpenter v1) is shorter caps the window too: Karpenter deletes the pods of a node it
    /// drains once that time is up, whatever their own grace period says. When the pod's grace
    /// period covers the preStop sleep plus the stop timeout but the shortest such cap does not,
    /// the ECS budget cannot be kept on that NodePool: reported on the grace period (the podSpec
    /// `spec:` when unset), naming the NodePool, with its cap and the ECS `stopTimeout` related.
    /// When the grace period itself is already too short, the one finding about it is enough:
    /// a cap below it adds none. A cap that is not a duration is not guessed (LINT000 reports it).
    ///
    /// Warning; **error** when the workload is critical (see `[criticality]`).
    ///
    /// ## Why it matters
    /// A service whose `stopTimeout` was raised to let in-flight work finish (payments, queue
    /// consumers) silently loses that time on EKS: the kubelet kills it after 30 s, mid-request
    /// or mid-message, and the loss only shows up as errors during rollouts and node drains.
    ///
    /// ## Example
    /// ```json
    /// {"family": "payments", "containerDefinitions": [
    ///   {"name": "app", "image": "payments:1", "stopTimeout": 120}]}
    /// ```
    /// ```yaml,expect_finding,with_previous
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: payments}
    /// spec:
    ///   selector: {matchLabels: {app: payments}}
    ///   template:
    ///     metadata: {labels: {app: payments}}
    ///     spec:
    ///       containers: [{name: app, image: "payments:1"}]
    /// ```
    ///
    /// ## How to fix
    /// Give the pod at least the preStop sleep plus the ECS stop timeout:
    /// ```text
    /// spec:
    ///   terminationGracePeriodSeconds: 120
    /// ```
    /// and a Karpenter NodePool `terminationGracePeriod` of at least that much (or keep the pods
    /// off a NodePool with a shorter one).
    ///
    /// When the pods can run on Spot capacity (a node group or NodePool that asks for Spot and
    /// whose taints the pods tolerate) and the grace period written is above 120 s, an **info**
    /// says that the extra time is not there on a Spot interruption: the instance is reclaimed
    /// about two minutes after the notice, whatever the pod asked for.
    pub ShutdownWindowParity {
        id: "PAR001",
        name: "shutdown-window-parity",
        severity: Warning,
        summary: "grace period on Kubernetes shorter than the preStop sleep plus the ECS stop timeout",
        inputs: [TaskDef, K8s, TfJson, TfPlan],
        cross_file: true,
        security: false,
    }
}

/// Default `stopTimeout` of ECS and default `terminationGracePeriodSeconds` of Kubernetes.
const DEFAULT_SECONDS: i64 = 30;

/// Seconds between a Spot interruption notice and the reclaim of the instance.
const SPOT_NOTICE_SECONDS: i64 = 120;

/// A container's effective stop timeout and the node that sets it (`None`: the default).
/// `Err(())` when it is not known statically.
fn stop_timeout<'a>(c: &Container<'a>) -> Result<(i64, Option<&'a Node>), ()> {
    if let Some(n) = c.get("stopTimeout") {
        return int_of(n).map(|v| (v, Some(n))).ok_or(());
    }
    match c.module_stop_timeout() {
        Some(ModuleDefault::Value(v)) => Ok((v, None)),
        Some(ModuleDefault::Unknown) => Err(()),
        None => Ok((DEFAULT_SECONDS, None)),
    }
}

impl Rule for ShutdownWindowParity {
    fn check_workload(&self, w: &Workload<'_>, cx: &mut RuleContext<'_, '_>) {
        let model = cx.model;
        let Some((pair, obj)) = pair_of(cx, w) else {
            return;
        };
        let Some(td) = pair.ecs.task_def(model) else {
            return;
        };
        // Findings are located at the workload, unresolved values there or in the task
        // definition's files: when the run reports on none of them, there is nothing to do.
        if !cx.reports_on(obj.file) && !cx.reports_on_task_def(td) {
            return;
        }
        let all = td.containers();
        let paired: Vec<usize> = pair.containers.iter().map(|c| c.ecs).collect();
        let ecs: Vec<&Container<'_>> = if paired.is_empty() {
            all.iter().filter(|c| c.is_essential()).collect()
        } else {
            paired.iter().filter_map(|&i| all.get(i)).collect()
        };
        // The longest stop timeout among the ECS containers.
        let mut longest: Option<(i64, Option<&Node>, &Container<'_>)> = None;
        for c in ecs {
            let Ok((s, node)) = stop_timeout(c) else {
                skip_stop_timeout(cx, td, c);
                return;
            };
            if longest.is_none_or(|(l, _, _)| s > l) {
                longest = Some((s, node, c));
            }
        }
        let Some((s, s_node, s_container)) = longest else {
            return;
        };
        let mut p = 0;
        for c in &w.containers {
            if let PreStop::Sleep(n, _) = prestop(c) {
                p = p.max(n);
            }
        }
        let grace_node = w.pod_spec.get("terminationGracePeriodSeconds");
        let g = match grace_node {
            Some(n) => match int_of(n) {
                Some(g) => g,
                None => return skip_grace(cx, obj, n),
            },
            None => DEFAULT_SECONDS,
        };
        if let Some(n) = grace_node.filter(|_| g > SPOT_NOTICE_SECONDS) {
            spot_notice(cx, w, obj, n, g);
        }
        let ecs_what = ecs_name(cx, pair);
        let cname = s_container.display_name();
        let related = match s_node {
            Some(n) => Label::new(s_container.file, n.span, format!("ECS stopTimeout {s} s")),
            None => Label::new(
                s_container.file,
                s_container.anchor(),
                format!("ECS stopTimeout {s} s (the default)"),
            ),
        };
        let sleep = if p > 0 {
            format!("its {p} s preStop sleep plus ")
        } else {
            String::new()
        };
        let need = p + s;
        let owner = format!("{} `{}`", obj.kind, obj.name.unwrap_or("?"));
        let at = grace_node.map_or(w.spec_key, |n| n.span);
        let f = if g < need {
            let written = if grace_node.is_some() {
                ""
            } else {
                " (the default)"
            };
            cx.finding(
                obj.file,
                at,
                format!(
                    "termination grace period of {owner} is {g} s{written}, less than {sleep}the {s} s stop timeout container `{cname}` had on {ecs_what}: it is killed before it finishes shutting down"
                ),
            )
            .with_help(format!("set `terminationGracePeriodSeconds: {need}` or more"))
            .with_related(related)
            .with_logical(format!("{}/terminationGracePeriodSeconds", obj.logical()))
        } else {
            // The pod asks for enough time; a Karpenter NodePool can still delete it sooner when
            // it drains a node.
            let ix = cx.shared::<K8sIndex>();
            let Some(cap) = nodepool_cap(cx, ix, w.object) else {
                return;
            };
            if cap.seconds >= need {
                return;
            }
            cx.finding(
                obj.file,
                at,
                format!(
                    "pods of {owner} are deleted {} s into a node drain by Karpenter NodePool `{}` (`terminationGracePeriod`), whatever their {g} s grace period says: less than {sleep}the {s} s stop timeout container `{cname}` had on {ecs_what}",
                    cap.seconds,
                    cap.name()
                ),
            )
            .with_help(format!(
                "raise the NodePool's `terminationGracePeriod` to at least {need}s, or keep these pods off that NodePool"
            ))
            .with_related(Label::new(
                cap.pool.file,
                cap.value.span,
                format!("caps the grace period at {} s", cap.seconds),
            ))
            .with_related(related)
            .with_logical(format!(
                "{}/terminationGracePeriodSeconds/nodepool",
                obj.logical()
            ))
        };
        let crit = workload_criticality(model, cx.config, w);
        let f = if crit.critical {
            f.with_severity(Severity::Error)
                .with_note(format!("the workload is {}", crit.reason))
        } else {
            f
        };
        cx.emit(f);
    }
}

/// The info for a grace period above the two minutes of a Spot interruption notice, when the
/// pods can land on a pool that certainly runs Spot.
fn spot_notice(
    cx: &mut RuleContext<'_, '_>,
    w: &Workload<'_>,
    obj: &K8sObject<'_>,
    grace: &Node,
    g: i64,
) {
    let model = cx.model;
    let ix = cx.shared::<K8sIndex>();
    let Some(pool) = reachable_spot(model, ix, w.object, w.pod_spec)
        .into_iter()
        .find(|p| !p.maybe)
    else {
        return;
    };
    let f = cx
        .finding(
            obj.file,
            grace.span,
            format!(
                "termination grace period of {} `{}` is {g} s, but its pods can run on Spot capacity of {}: an interrupted instance is reclaimed about {SPOT_NOTICE_SECONDS} s after the notice, so a shutdown longer than that is cut short",
                obj.kind,
                obj.name.unwrap_or("?"),
                pool.what
            ),
        )
        .with_severity(Severity::Info)
        .with_help("keep the shutdown under two minutes, or keep the workload off Spot capacity")
        .with_related(Label::new(pool.file, pool.span, "allows Spot"))
        .with_logical(format!("{}/terminationGracePeriodSeconds/spot", obj.logical()));
    cx.emit(f);
}
