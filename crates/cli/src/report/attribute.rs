//! Which service a finding is on.
//!
//! The rule: a finding belongs to every service whose *scope* holds its primary location (the
//! label's span lies within one of the scope's places, in the same file). When no scope holds
//! the primary location, the related locations are tried, in order, and the first one some
//! scope holds decides. A finding no scope holds is repository-wide.
//!
//! A service's scope is
//! - ECS: the `aws_ecs_service` resource, the task definitions it runs (with their container
//!   definitions, wherever they are written) and the target groups its `load_balancer` blocks
//!   name; a task definition no service runs is a service of its own;
//! - Kubernetes: the workload object and the objects joined to it in its namespace and
//!   repository: the Services selecting its pods, the Ingresses, TargetGroupBindings or NLB
//!   Services routing to those, its PodDisruptionBudgets and HorizontalPodAutoscalers, and its
//!   ServiceAccount;
//! - a pair: both.
//!
//! A task definition run by two services, or a ServiceAccount shared by two workloads, puts its
//! findings on each of them.

use lint_engine::{Finding, Label};

use super::collect::{Place, Unit};

fn holds(scope: &[Place], l: &Label) -> bool {
    scope
        .iter()
        .any(|p| p.file == l.file && p.span.start <= l.span.start && l.span.end <= p.span.end)
}

/// For each unit, the indices of its findings; and the findings of no unit.
pub fn attribute(units: &[Unit], findings: &[Finding]) -> (Vec<Vec<usize>>, Vec<usize>) {
    let mut per_unit: Vec<Vec<usize>> = vec![Vec::new(); units.len()];
    let mut nowhere = Vec::new();
    // Units by file, so that each label is compared with the places of its own file only.
    let mut by_file: std::collections::HashMap<lint_engine::FileId, Vec<usize>> =
        std::collections::HashMap::new();
    for (u, unit) in units.iter().enumerate() {
        for p in &unit.scope {
            let v = by_file.entry(p.file).or_default();
            if v.last() != Some(&u) {
                v.push(u);
            }
        }
    }
    for (i, f) in findings.iter().enumerate() {
        let owners = |l: &Label| -> Vec<usize> {
            by_file
                .get(&l.file)
                .map(|us| {
                    us.iter()
                        .copied()
                        .filter(|&u| holds(&units[u].scope, l))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut found = owners(&f.primary);
        if found.is_empty() {
            found = f
                .related
                .iter()
                .map(owners)
                .find(|o| !o.is_empty())
                .unwrap_or_default();
        }
        if found.is_empty() {
            nowhere.push(i);
        }
        for u in found {
            per_unit[u].push(i);
        }
    }
    (per_unit, nowhere)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lint_engine::{FileId, Severity, Span};

    fn unit(name: &str, places: &[(u32, u32, u32)]) -> Unit {
        Unit {
            key: super::super::collect::Key::Workload(0),
            paired_by: None,
            name: name.into(),
            ecs: None,
            k8s: None,
            scope: places
                .iter()
                .map(|&(f, s, e)| Place {
                    file: FileId(f),
                    span: Span { start: s, end: e },
                })
                .collect(),
            parity: Vec::new(),
        }
    }

    fn label(f: u32, s: u32, e: u32) -> Label {
        Label {
            file: FileId(f),
            span: Span { start: s, end: e },
            message: String::new(),
        }
    }

    fn finding(primary: Label, related: Vec<Label>) -> Finding {
        Finding {
            rule_id: "ECS001".into(),
            rule_name: "x".into(),
            severity: Severity::Warning,
            message: "m".into(),
            primary,
            related,
            help: None,
            notes: Vec::new(),
            missing_path: None,
            logical_path: None,
        }
    }

    #[test]
    fn primary_then_related_then_repository_wide() {
        let units = vec![
            unit("a", &[(0, 10, 50)]),
            unit("b", &[(1, 0, 100), (0, 40, 60)]),
        ];
        let fs = vec![
            finding(label(0, 12, 20), vec![]),
            finding(label(0, 45, 48), vec![]),
            finding(label(2, 0, 1), vec![label(1, 5, 6)]),
            finding(label(2, 0, 1), vec![]),
            finding(label(0, 45, 70), vec![]),
        ];
        let (per, nowhere) = attribute(&units, &fs);
        assert_eq!(per, vec![vec![0, 1], vec![1, 2]]);
        assert_eq!(nowhere, vec![3, 4]);
    }
}
