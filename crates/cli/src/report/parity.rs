//! The parity table of a pair: per matched container, the same aspect on both sides (image,
//! shutdown window, CPU, memory, secrets) with where each value is written. The table shows values; the
//! judgement is the parity rule's: a row's verdict is the finding of its rule on the service
//! (see [`super::Readiness::build`]), else `ok`.

use cutover_semantic::pairing::Pair;
use lint_engine::doc::Node;
use lint_engine::model::{Container, K8sContainer, Model, Workload};
use lint_engine::source::FileId;

use super::collect::{ParityRow, Place};

fn value(file: FileId, n: Option<&Node>) -> Option<(String, Place)> {
    let n = n?;
    let text = n.scalar_text()?.into_owned();
    Some((text, Place { file, span: n.span }))
}

/// A value, or the default the platform applies when it is not written (shown with the place
/// the key belongs in).
fn or_default(
    v: Option<(String, Place)>,
    default: &str,
    file: FileId,
    at: &Node,
) -> Option<(String, Place)> {
    v.or_else(|| {
        Some((
            format!("{default} (default)"),
            Place {
                file,
                span: at.span,
            },
        ))
    })
}

fn row(
    aspect: String,
    rule: &'static str,
    ecs: Option<(String, Place)>,
    k8s: Option<(String, Place)>,
) -> ParityRow {
    ParityRow {
        aspect,
        rule,
        topic: None,
        container: None,
        ecs,
        k8s,
        verdict: String::new(),
    }
}

fn container_rows(
    c: &Container<'_>,
    kc: &K8sContainer<'_>,
    w: &Workload<'_>,
    kfile: FileId,
    task: (Option<&Node>, Option<&Node>, FileId),
    several: bool,
) -> Vec<ParityRow> {
    let name = |aspect: &str| match (several, kc.name) {
        (true, Some(n)) => format!("{aspect} ({n})"),
        _ => aspect.to_string(),
    };
    let req = |k: &str| kc.get("resources").and_then(|r| r.path(&["requests", k]));
    let (task_cpu, task_mem, tfile) = task;
    let ecs_or_task =
        |own: Option<&Node>, t: Option<&Node>| value(c.file, own).or_else(|| value(tfile, t));
    vec![
        row(
            name("image"),
            "PAR008",
            value(c.file, c.get("image")),
            value(kfile, kc.get("image")),
        ),
        row(
            name("shutdown window (s)"),
            "PAR001",
            or_default(value(c.file, c.get("stopTimeout")), "30", c.file, c.node),
            or_default(
                value(kfile, w.pod_spec.get("terminationGracePeriodSeconds")),
                "30",
                kfile,
                w.pod_spec,
            ),
        ),
        ParityRow {
            topic: Some(".cpu"),
            ..row(
                name("CPU"),
                "PAR002",
                ecs_or_task(c.get("cpu"), task_cpu),
                value(kfile, req("cpu")),
            )
        },
        ParityRow {
            topic: Some(".memory"),
            ..row(
                name("memory"),
                "PAR002",
                ecs_or_task(
                    c.get("memory").or_else(|| c.get("memoryReservation")),
                    task_mem,
                ),
                value(kfile, req("memory")),
            )
        },
    ]
    .into_iter()
    .chain(secrets_row(c, kc, kfile, &name))
    .map(|r| ParityRow {
        // With several containers, each row is judged only by findings about its own container
        // (or about the whole pod).
        container: several.then(|| kc.logical_key()),
        ..r
    })
    .collect()
}

/// The secrets row, when the ECS container reads secrets: the ECS variable names against the
/// Secrets the Kubernetes container reads them from (`secretKeyRef`, `envFrom`). PAR004 judges it.
fn secrets_row(
    c: &Container<'_>,
    kc: &K8sContainer<'_>,
    kfile: FileId,
    name: &dyn Fn(&str) -> String,
) -> Option<ParityRow> {
    let secrets = c.get("secrets")?;
    let names: Vec<&str> = secrets
        .as_seq()?
        .iter()
        .filter_map(|s| s.get("name").and_then(Node::as_str))
        .collect();
    if names.is_empty() {
        return None;
    }
    let mut from: Vec<&str> = kc
        .get("env")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|e| e.path(&["valueFrom", "secretKeyRef", "name"]))
        .chain(
            kc.get("envFrom")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|e| e.path(&["secretRef", "name"])),
        )
        .filter_map(Node::as_str)
        .collect();
    from.sort_unstable();
    from.dedup();
    let k8s = (!from.is_empty()).then(|| {
        let at = kc
            .get("env")
            .or_else(|| kc.get("envFrom"))
            .unwrap_or(kc.node);
        (
            format!("from Secret {}", from.join(", ")),
            Place {
                file: kfile,
                span: at.span,
            },
        )
    });
    Some(row(
        name("secrets"),
        "PAR004",
        Some((
            names.join(", "),
            Place {
                file: c.file,
                span: secrets.span,
            },
        )),
        k8s,
    ))
}

/// The rows of a pair.
pub fn rows(model: &Model<'_>, pair: &Pair) -> Vec<ParityRow> {
    let (Some(w), Some(obj)) = (pair.workload(model), pair.object(model)) else {
        return Vec::new();
    };
    let td = pair.ecs.task_def(model);
    let task = (
        td.and_then(|t| t.field("cpu")),
        td.and_then(|t| t.field("memory")),
        td.map_or(obj.file, |t| t.file),
    );
    let matched = pair.container_pairs(model);
    let several = matched.len() > 1;
    matched
        .into_iter()
        .flat_map(|(c, kc, _)| container_rows(c, kc, w, obj.file, task, several))
        .collect()
}
