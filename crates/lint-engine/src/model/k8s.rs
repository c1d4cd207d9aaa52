//! Kubernetes objects and the pod templates of workloads.

use crate::classify::is_k8s_object;
use crate::doc::{Member, Node};
use crate::source::{FileId, SourceFile, Span};

#[derive(Debug, Clone)]
pub struct K8sObject<'a> {
    pub file: FileId,
    /// Document index in the file (YAML stream position).
    pub doc: usize,
    pub node: &'a Node,
    pub api_version: &'a str,
    pub kind: &'a str,
    pub name: Option<&'a str>,
    /// `metadata.namespace` as written (absent for cluster-scoped or defaulted objects).
    pub namespace: Option<&'a str>,
}

impl<'a> K8sObject<'a> {
    pub fn metadata(&self) -> Option<&'a Node> {
        self.node.get("metadata")
    }
    pub fn label(&self, key: &str) -> Option<&'a str> {
        self.node
            .path(&["metadata", "labels", key])
            .and_then(Node::as_str)
    }
    pub fn annotation(&self, key: &str) -> Option<&'a Node> {
        self.node.path(&["metadata", "annotations", key])
    }
    /// Namespace with the Kubernetes default applied.
    pub fn namespace_or_default(&self) -> &'a str {
        self.namespace.unwrap_or("default")
    }
    /// `Kind/name` (with namespace when set), for messages and fingerprints.
    pub fn logical(&self) -> String {
        match (self.namespace, self.name) {
            (Some(ns), Some(n)) => format!("{}/{ns}/{n}", self.kind),
            (None, Some(n)) => format!("{}/{n}", self.kind),
            _ => format!("{}#{}", self.kind, self.doc),
        }
    }
    /// The span that identifies the object: `metadata.name`'s member, else `kind`.
    pub fn anchor(&self) -> Span {
        self.node
            .get("metadata")
            .and_then(|m| m.member("name"))
            .map(Member::span)
            .or_else(|| self.node.member("kind").map(Member::span))
            .unwrap_or(self.node.span)
    }
}

pub(super) fn collect<'a>(f: &'a SourceFile, out: &mut Vec<K8sObject<'a>>) {
    for (doc, d) in f.docs.iter().enumerate() {
        push_object(f.id, doc, d, out, 0);
    }
}

fn push_object<'a>(file: FileId, doc: usize, n: &'a Node, out: &mut Vec<K8sObject<'a>>, depth: u8) {
    if !is_k8s_object(n) {
        return;
    }
    let kind = n.get("kind").and_then(Node::as_str).unwrap_or_default();
    // `kind: List` (and `*List`) wrap other objects in `items`.
    if (kind == "List" || kind.ends_with("List")) && depth < 4 {
        if let Some(items) = n.get("items").and_then(Node::as_seq) {
            for it in items {
                push_object(file, doc, it, out, depth + 1);
            }
            return;
        }
    }
    out.push(K8sObject {
        file,
        doc,
        node: n,
        api_version: n
            .get("apiVersion")
            .and_then(Node::as_str)
            .unwrap_or_default(),
        kind,
        name: n.path(&["metadata", "name"]).and_then(Node::as_str),
        namespace: n.path(&["metadata", "namespace"]).and_then(Node::as_str),
    });
}

#[derive(Debug, Clone)]
pub struct K8sContainer<'a> {
    pub node: &'a Node,
    pub index: usize,
    pub init: bool,
    pub name: Option<&'a str>,
    pub name_member: Option<&'a Member>,
}

impl<'a> K8sContainer<'a> {
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.node.get(key)
    }
    /// The `- name: …` item that identifies the container.
    pub fn anchor(&self) -> Span {
        self.name_member.map(Member::span).unwrap_or(self.node.span)
    }
    pub fn display_name(&self) -> String {
        self.name
            .map(str::to_string)
            .unwrap_or_else(|| format!("#{}", self.index))
    }
    /// The container's stable identity within the pod spec, for logical paths and so
    /// fingerprints: `containers[web]` by name (Kubernetes requires names, unique within a pod),
    /// `containers[#2]` by position only when it has none. Inserting or reordering containers
    /// keeps it, as ECS container definitions are identified by name.
    pub fn logical_key(&self) -> String {
        let list = if self.init {
            "initContainers"
        } else {
            "containers"
        };
        match self.name {
            Some(n) => format!("{list}[{n}]"),
            None => format!("{list}[#{}]", self.index),
        }
    }
    /// JSON-pointer-like path within the pod spec: `containers[2]` (where to add a missing
    /// field; [`Self::logical_key`] identifies the container).
    pub fn path(&self) -> String {
        let list = if self.init {
            "initContainers"
        } else {
            "containers"
        };
        format!("{list}[{}]", self.index)
    }
}

/// A workload's pod template.
#[derive(Debug, Clone)]
pub struct Workload<'a> {
    /// Index into `Model::k8s`.
    pub object: usize,
    pub kind: &'a str,
    /// The podSpec node.
    pub pod_spec: &'a Node,
    /// The `spec:` key that holds the podSpec (the identifying span for pod-level findings).
    pub spec_key: Span,
    /// `metadata.labels` of the pod template (the object's own labels for a bare Pod).
    pub pod_labels: Option<&'a Node>,
    pub containers: Vec<K8sContainer<'a>>,
    pub init_containers: Vec<K8sContainer<'a>>,
    /// Path from the object to the podSpec, e.g. `spec.template.spec`.
    pub spec_path: &'static str,
}

fn containers(list: Option<&Node>, init: bool) -> Vec<K8sContainer<'_>> {
    list.and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter(|(_, n)| n.as_map().is_some())
        .map(|(index, node)| {
            let name_member = node.member("name");
            K8sContainer {
                node,
                index,
                init,
                name: name_member.and_then(|m| m.value.as_str()),
                name_member,
            }
        })
        .collect()
}

/// The pod template of a workload kind, if `o` is one.
pub(super) fn workload<'a>(object: usize, o: &K8sObject<'a>) -> Option<Workload<'a>> {
    let n = o.node;
    let (holder, spec_path): (&Node, &'static str) = match o.kind {
        "Pod" => (n, "spec"),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "Rollout"
        | "ReplicationController" => (n.path(&["spec", "template"])?, "spec.template.spec"),
        "CronJob" => (
            n.path(&["spec", "jobTemplate", "spec", "template"])?,
            "spec.jobTemplate.spec.template.spec",
        ),
        _ => return None,
    };
    // Argo Rollouts may reference a Deployment's template instead (`workloadRef`): no podSpec.
    let spec_member = holder.member("spec")?;
    let pod_spec = &spec_member.value;
    pod_spec.as_map()?;
    Some(Workload {
        object,
        kind: o.kind,
        pod_spec,
        spec_key: spec_member.key_span,
        pod_labels: holder.path(&["metadata", "labels"]),
        containers: containers(pod_spec.get("containers"), false),
        init_containers: containers(pod_spec.get("initContainers"), true),
        spec_path,
    })
}
