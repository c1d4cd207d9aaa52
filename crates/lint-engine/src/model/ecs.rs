//! ECS task definitions and their containers, from raw task-definition files, `.tf.json`
//! resources and plans.

use crate::classify::{is_container_definitions, task_definition_root};
use crate::doc::{Embedded, Member, Node};
use crate::source::{FileId, SourceFile, Span};

use super::TfResource;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskDefOrigin {
    /// A task-definition JSON file (register or describe shape); fields are camelCase.
    File,
    /// An `aws_ecs_task_definition` resource (index into `Model::tf`); fields are snake_case.
    Terraform(usize),
}

#[derive(Debug, Clone)]
pub enum Containers<'a> {
    Parsed(Vec<Container<'a>>),
    /// `container_definitions` is an interpolation (`${jsonencode(...)}`) or otherwise unknown.
    Unresolved(&'a Node),
    /// `container_definitions = file(…)` (or `templatefile(…)`) whose file cannot be read as
    /// container definitions: `reason` says why (the path is not static, the file is not among
    /// the inputs, it is not an array of container definitions).
    Unreadable {
        node: &'a Node,
        reason: String,
    },
    /// The string looked like JSON but does not parse.
    Invalid {
        node: &'a Node,
        message: String,
        span: Span,
    },
    /// No container definitions at all.
    Missing,
}

#[derive(Debug, Clone)]
pub struct Container<'a> {
    /// The file the container definition is written in: the task definition's own file, or the
    /// file that `container_definitions = file(…)` reads.
    pub file: FileId,
    pub node: &'a Node,
    pub index: usize,
    pub name: Option<&'a str>,
    /// The `"name": "…"` member: the identifying span of a container.
    pub name_member: Option<&'a Member>,
    /// The key of a container written as an entry of a map keyed by container name (the ECS
    /// registry module's `container_definitions`): the identifying span then.
    pub key_span: Option<Span>,
    /// Fields may be snake_case (`stop_timeout`), as the ECS registry module before v6 wrote
    /// them; [`Container::get`] then also looks the snake_case name up.
    pub snake_case: bool,
    /// A container declared through the ECS registry module: the service's
    /// `container_definition_defaults` (`None` when it sets none).
    pub module: Option<Option<&'a Node>>,
}

/// The ECS registry module's `stopTimeout` for a container that sets none, in every version.
pub const MODULE_STOP_TIMEOUT: i64 = 120;

/// A value that the ECS registry module fills in for a container that does not set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleDefault {
    /// The value, from the call's `container_definition_defaults` or the module's own default.
    Value(i64),
    /// `container_definition_defaults` sets it, but not to a literal.
    Unknown,
}

impl<'a> Container<'a> {
    /// A field by its ECS API (camelCase) name.
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.node.get(key).or_else(|| {
            self.snake_case
                .then(|| self.node.get_snake_case(key))
                .flatten()
        })
    }
    /// The span that identifies this container when a key is missing: its `"name"` member, or the
    /// whole object when it has no name.
    pub fn anchor(&self) -> Span {
        self.key_span
            .or(self.name_member.map(Member::span))
            .unwrap_or(self.node.span)
    }
    /// For a container declared through the ECS registry module that sets no `stopTimeout`:
    /// what the module sets instead (`None` for any other container).
    pub fn module_stop_timeout(&self) -> Option<ModuleDefault> {
        let defaults = self.module?;
        if defaults.is_some_and(|d| d.as_map().is_none() && !d.is_null()) {
            // `container_definition_defaults = var.defaults`: not known statically.
            return Some(ModuleDefault::Unknown);
        }
        let set = defaults.and_then(|d| d.get("stopTimeout").or_else(|| d.get("stop_timeout")));
        Some(match set {
            None => ModuleDefault::Value(MODULE_STOP_TIMEOUT),
            Some(n) => n
                .as_i64()
                .map_or(ModuleDefault::Unknown, ModuleDefault::Value),
        })
    }
    /// `essential` absent means essential.
    pub fn is_essential(&self) -> bool {
        self.get("essential")
            .and_then(Node::as_bool)
            .unwrap_or(true)
    }
    pub fn display_name(&self) -> String {
        self.name
            .map(str::to_string)
            .unwrap_or_else(|| format!("#{}", self.index))
    }
}

#[derive(Debug, Clone)]
pub struct TaskDef<'a> {
    pub file: FileId,
    pub origin: TaskDefOrigin,
    /// The task definition object (file) or the resource's values (Terraform).
    pub node: &'a Node,
    pub containers: Containers<'a>,
    /// A stable name for fingerprints and messages: the Terraform address or `family`.
    pub logical: String,
    /// The identifying span of the task definition: `family` (file) or the resource name.
    pub anchor: Span,
}

impl<'a> TaskDef<'a> {
    /// Task-level field by its ECS API (camelCase) name; mapped to snake_case for Terraform.
    pub fn field(&self, camel: &str) -> Option<&'a Node> {
        match self.origin {
            TaskDefOrigin::File => self.node.get(camel),
            TaskDefOrigin::Terraform(_) => self.node.get_snake_case(camel),
        }
    }
    pub fn family(&self) -> Option<&'a str> {
        self.field("family").and_then(Node::as_str)
    }
    /// The files the task definition is written in: its own, then those its container
    /// definitions are read from (`file(…)`, `templatefile(…)`), with repeats.
    pub fn files(&self) -> impl Iterator<Item = FileId> + '_ {
        std::iter::once(self.file).chain(self.containers().iter().map(|c| c.file))
    }
    pub fn containers(&self) -> &[Container<'a>] {
        match &self.containers {
            Containers::Parsed(v) => v,
            _ => &[],
        }
    }
    /// `requiresCompatibilities` contains `FARGATE`.
    pub fn requires_fargate(&self) -> bool {
        self.compatibilities().contains(&"FARGATE")
    }
    /// The strings of `requiresCompatibilities` (`EC2`, `FARGATE`, …); empty when it is absent
    /// or not a list.
    pub fn compatibilities(&self) -> Vec<&'a str> {
        self.field("requiresCompatibilities")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::as_str)
            .collect()
    }
    pub fn terraform_index(&self) -> Option<usize> {
        match self.origin {
            TaskDefOrigin::Terraform(i) => Some(i),
            TaskDefOrigin::File => None,
        }
    }
}

pub(super) fn containers_of(list: &Node, file: FileId) -> Vec<Container<'_>> {
    list.as_seq()
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter(|(_, n)| n.as_map().is_some())
        .map(|(index, node)| {
            let name_member = node.member("name");
            Container {
                file,
                node,
                index,
                name: name_member.and_then(|m| m.value.as_str()),
                name_member,
                key_span: None,
                snake_case: false,
                module: None,
            }
        })
        .collect()
}

pub(super) fn collect_file<'a>(f: &'a SourceFile, out: &mut Vec<TaskDef<'a>>) {
    for d in &f.docs {
        if is_container_definitions(d) {
            // A bare container-definitions array: a task definition with no task-level fields.
            let containers = containers_of(d, f.id);
            let anchor = containers.first().map_or(d.span, Container::anchor);
            out.push(TaskDef {
                file: f.id,
                origin: TaskDefOrigin::File,
                node: d,
                containers: Containers::Parsed(containers),
                logical: format!("container-definitions:{}", f.name),
                anchor,
            });
            continue;
        }
        let Some(td) = task_definition_root(d) else {
            continue;
        };
        let family = td.member("family");
        let containers = td
            .get("containerDefinitions")
            .map(|l| Containers::Parsed(containers_of(l, f.id)))
            .unwrap_or(Containers::Missing);
        out.push(TaskDef {
            file: f.id,
            origin: TaskDefOrigin::File,
            node: td,
            containers,
            logical: family
                .and_then(|m| m.value.as_str())
                .map(|s| format!("taskdef:{s}"))
                .unwrap_or_else(|| "taskdef".into()),
            anchor: family.map(Member::span).unwrap_or(td.span),
        });
    }
}

/// The task definition of an `aws_ecs_task_definition` resource. `read` finds the loaded file
/// that a `container_definitions = file(…)` names (see [`super::files`]).
pub(super) fn from_tf<'a>(
    index: usize,
    r: &TfResource<'a>,
    read: &dyn Fn(&TfResource<'a>, &'a Node) -> Option<Containers<'a>>,
) -> TaskDef<'a> {
    let cd = r.values.get("container_definitions");
    let containers = match cd {
        None => Containers::Missing,
        Some(n) => match n.embedded() {
            Some(Embedded::Doc(doc)) => Containers::Parsed(containers_of(doc, r.file)),
            Some(Embedded::Invalid { message, span }) => Containers::Invalid {
                node: n,
                message: message.clone(),
                span: *span,
            },
            None if n.as_seq().is_some() => Containers::Parsed(containers_of(n, r.file)),
            None if r.via_module.is_some() && n.as_map().is_some() => {
                Containers::Parsed(super::ecs_module::containers_of_map(n, r.values, r.file))
            }
            None => read(r, n).unwrap_or(Containers::Unresolved(n)),
        },
    };
    TaskDef {
        file: r.file,
        origin: TaskDefOrigin::Terraform(index),
        node: r.values,
        containers,
        logical: r.address.to_string(),
        anchor: r.anchor,
    }
}
