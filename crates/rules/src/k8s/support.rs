//! Small helpers the cross-file K8S rules share: describing a load-balancer reference, finding a
//! workload's index, reading whole-second values.

use cutover_semantic::k8s::{K8sIndex, LbRef, TargetMode, Via};
use lint_engine::doc::Node;
use lint_engine::model::{K8sObject, Model, Workload};
use lint_engine::RuleContext;

/// `Ingress `web``, `TargetGroupBinding `web``, `Service `web`` for messages.
pub fn describe(model: &Model<'_>, r: &LbRef) -> String {
    let what = match r.via {
        Via::Ingress => "Ingress",
        Via::TargetGroupBinding => "TargetGroupBinding",
        Via::LoadBalancerService => "LoadBalancer Service",
    };
    let name = model.k8s.get(r.object).and_then(|o| o.name).unwrap_or("?");
    format!("{what} `{name}`")
}

/// The workload's index in `model.workloads` and its object.
pub fn workload_of<'m, 'a>(
    model: &'m Model<'a>,
    ix: &K8sIndex,
    w: &Workload<'a>,
) -> Option<(usize, &'m K8sObject<'a>)> {
    Some((ix.workload_of(w.object)?, model.k8s.get(w.object)?))
}

/// Load balancers that register the workload's pod IPs directly (`(service, lb)` pairs).
pub fn ip_targets(ix: &K8sIndex, workload: usize) -> Vec<(usize, &LbRef)> {
    ix.lb_targets(workload)
        .into_iter()
        .filter(|(_, r)| r.mode == TargetMode::Ip)
        .collect()
}

/// A whole number written as a number or a numeric string.
pub fn int_of(n: &Node) -> Option<i64> {
    n.as_i64()
        .or_else(|| n.as_str().and_then(|s| s.trim().parse().ok()))
}

/// How a written value shows in a LINT000 message: its scalar text, else its shape.
pub fn shown(n: &Node) -> String {
    match n.as_str() {
        Some(s) => format!("`{s}`"),
        None if n.is_null() => "an empty value".to_string(),
        None if n.as_seq().is_some() => "a list".to_string(),
        None => "a mapping".to_string(),
    }
}

/// Record for LINT000 that this rule skipped the pod of `obj` because its
/// `terminationGracePeriodSeconds` (`n`) is not a whole number.
pub fn skip_grace(cx: &mut RuleContext<'_, '_>, obj: &K8sObject<'_>, n: &Node) {
    let what = format!(
        "the termination grace period of {} `{}`",
        obj.kind,
        obj.name.unwrap_or("?")
    );
    let why = format!("{} is not a whole number of seconds", shown(n));
    let logical = format!("{}/terminationGracePeriodSeconds", obj.logical());
    cx.unresolved(obj.file, n.span, what, why).logical = Some(logical);
}

/// When object `i` writes a `metadata.namespace` that is not a string, record for LINT000 that
/// its joins (Services, PDBs, HPAs, load balancers) were skipped.
pub fn record_unknown_namespace(cx: &mut RuleContext<'_, '_>, ix: &K8sIndex, i: usize) {
    if !ix.namespace_unknown(i) {
        return;
    }
    let Some(o) = cx.model.k8s.get(i) else { return };
    let Some(n) = o.node.path(&["metadata", "namespace"]) else {
        return;
    };
    let what = format!("the namespace of {} `{}`", o.kind, o.name.unwrap_or("?"));
    let why = format!("{} is not a namespace name", shown(n));
    let logical = format!("{}/metadata/namespace", o.logical());
    cx.unresolved(o.file, n.span, what, why).logical = Some(logical);
}

/// The replicas the disruption rules judge a workload by (HPA `minReplicas` when scaled, else
/// `spec.replicas`); when that value is not a number, record it for LINT000 and return `None`.
pub fn min_replicas_or_record(
    cx: &mut RuleContext<'_, '_>,
    ix: &K8sIndex,
    wi: usize,
) -> Option<(i64, Option<usize>)> {
    let model = cx.model;
    if let Some(r) = ix.min_replicas(model, wi) {
        return Some(r);
    }
    let w = model.workloads.get(wi)?;
    let (holder, path, attr) = match ix.hpas_of(wi).first() {
        Some(&h) => (model.k8s.get(h)?, ["spec", "minReplicas"], "`minReplicas`"),
        None => (model.k8s.get(w.object)?, ["spec", "replicas"], "`replicas`"),
    };
    let n = holder.node.path(&path)?;
    let what = format!("{attr} of {} `{}`", holder.kind, holder.name.unwrap_or("?"));
    let why = format!("{} is not a whole number", shown(n));
    let logical = format!("{}/{}", holder.logical(), path.join("/"));
    cx.unresolved(holder.file, n.span, what, why).logical = Some(logical);
    None
}

/// Whole seconds of a Go duration as Karpenter writes them (`90s`, `5m`, `1h30m`, `1.5h`);
/// `None` for anything else.
pub fn go_duration_secs(s: &str) -> Option<i64> {
    let mut total = 0f64;
    let mut num = String::new();
    let mut any = false;
    let mut chars = s.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let unit = match (c, chars.peek()) {
            ('m', Some('s')) => {
                chars.next();
                0.001
            }
            ('h', _) => 3600.0,
            ('m', _) => 60.0,
            ('s', _) => 1.0,
            _ => return None,
        };
        total += num.parse::<f64>().ok()? * unit;
        num.clear();
        any = true;
    }
    (any && num.is_empty()).then_some(total.floor() as i64)
}

#[cfg(test)]
mod tests {
    use super::go_duration_secs;

    #[test]
    fn go_durations() {
        assert_eq!(go_duration_secs("90s"), Some(90));
        assert_eq!(go_duration_secs("5m"), Some(300));
        assert_eq!(go_duration_secs("1h30m"), Some(5400));
        assert_eq!(go_duration_secs("1.5h"), Some(5400));
        assert_eq!(go_duration_secs("1500ms"), Some(1));
        assert_eq!(go_duration_secs("30"), None);
        assert_eq!(go_duration_secs("Never"), None);
        assert_eq!(go_duration_secs(""), None);
    }
}
