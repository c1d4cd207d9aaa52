//! ECS clusters, services and task definitions declared through the inputs of the
//! `terraform-aws-modules/ecs` registry module, in HCL and `.tf.json`.
//!
//! The module's resources are not in the inputs, only the call, so the model gets one resource
//! per thing the call declares, whose values are the call's own input nodes (findings point at
//! the caller's keys):
//!
//! - the root module (`terraform-aws-modules/ecs/aws`) and its `//modules/cluster` submodule: an
//!   `aws_ecs_cluster` whose values are the call (`default_capacity_provider_strategy`, a map of
//!   `{base, weight, name}` keyed by provider since v6, or the v5 `fargate_capacity_providers`
//!   map with a `default_capacity_provider_strategy` per provider);
//! - every entry of the root module's `services` map, and the `//modules/service` submodule
//!   call itself: an `aws_ecs_service` (its `capacity_provider_strategy` is a map of
//!   `{capacity_provider, base, weight}`; `desired_count`, `launch_type` as on the resource)
//!   and, when it has `container_definitions` (a map keyed by container name; camelCase fields
//!   since v6, snake_case before), an `aws_ecs_task_definition` (`cpu`, `memory`,
//!   `requires_compatibilities` as on the resource). The module gives a container that sets
//!   no `stopTimeout` 120 s (or the service's `container_definition_defaults`), in every
//!   version: [`super::Container::module_stop_timeout`].
//!
//! A service of the root module runs on the call's cluster; a service submodule runs on the
//! cluster its `cluster_arn` names (a literal ARN, an `aws_ecs_cluster` resource, or the output
//! of a cluster module call of the same directory).

use crate::doc::Node;
use crate::source::{SourceFile, Span};

use super::ecs_service::{cluster_link, ClusterLink};
use super::{Model, TfMode, TfOrigin, TfResource};

/// Which part of the ECS module a call uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcsModulePart {
    /// `terraform-aws-modules/ecs/aws`: a cluster and a `services` map.
    Root,
    /// `//modules/cluster`.
    Cluster,
    /// `//modules/service`: the call is one service.
    Service,
}

/// How a resource of the model was declared through a module call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleInput<'a> {
    /// The module call's name (`module.NAME`).
    pub call: &'a str,
    pub part: EcsModulePart,
}

/// The part of the ECS module a `source` names: the registry address or the GitHub repository,
/// with an optional `//modules/…` subdirectory and `?ref=`.
pub fn ecs_module_part(source: &str) -> Option<EcsModulePart> {
    let s = source.split('?').next().unwrap_or(source);
    let s = s.trim_start_matches("git::").trim_start_matches("https://");
    let (repo, sub) = match s.split_once("//") {
        Some((r, sub)) => (r, Some(sub.trim_end_matches('/'))),
        None => (s, None),
    };
    let repo = repo.trim_end_matches('/').trim_end_matches(".git");
    let known = repo == "terraform-aws-modules/ecs/aws"
        || repo.ends_with("/terraform-aws-modules/ecs/aws")
        || repo == "github.com/terraform-aws-modules/terraform-aws-ecs";
    if !known {
        return None;
    }
    match sub {
        None | Some("") => Some(EcsModulePart::Root),
        Some("modules/cluster") => Some(EcsModulePart::Cluster),
        Some("modules/service") => Some(EcsModulePart::Service),
        Some(_) => None,
    }
}

/// Add the resources a module call declares (see the module docs).
pub(super) fn collect<'a>(
    f: &'a SourceFile,
    call: &'a str,
    anchor: Span,
    source: Option<&str>,
    body: &'a Node,
    dir: &str,
    m: &mut Model<'a>,
) {
    let Some(part) = source.and_then(ecs_module_part) else {
        return;
    };
    let via = ModuleInput { call, part };
    let push = |m: &mut Model<'a>,
                rtype: &'a str,
                name: &'a str,
                module: String,
                values: &'a Node,
                anchor: Span| {
        let local = format!("{rtype}.this[0]");
        m.tf.push(TfResource {
            file: f.id,
            origin: TfOrigin::Config,
            mode: TfMode::Managed,
            rtype,
            name,
            address: format!("{module}.{local}").into(),
            config_address: format!("{module}.{rtype}.this").into(),
            module: module.into(),
            dir: dir.to_string().into(),
            values,
            anchor,
            expressions: None,
            via_module: Some(via),
        });
    };
    let service =
        |m: &mut Model<'a>, name: &'a str, module: String, values: &'a Node, anchor: Span| {
            push(m, "aws_ecs_service", name, module.clone(), values, anchor);
            if let Some(cd) = values.member("container_definitions") {
                push(
                    m,
                    "aws_ecs_task_definition",
                    name,
                    module,
                    values,
                    cd.key_span,
                );
            }
        };
    match part {
        EcsModulePart::Root => {
            push(
                m,
                "aws_ecs_cluster",
                call,
                format!("module.{call}.module.cluster"),
                body,
                anchor,
            );
            for block in body.get("services").into_iter().flat_map(Node::blocks) {
                for svc in block.as_map().unwrap_or(&[]) {
                    if svc.value.as_map().is_some() {
                        let module = format!("module.{call}.module.service[\"{}\"]", svc.key);
                        service(m, &svc.key, module, &svc.value, svc.key_span);
                    }
                }
            }
        }
        EcsModulePart::Cluster => {
            push(
                m,
                "aws_ecs_cluster",
                call,
                format!("module.{call}"),
                body,
                anchor,
            );
        }
        EcsModulePart::Service => service(m, call, format!("module.{call}"), body, anchor),
    }
}

/// The container definitions of a module-declared task definition: the values of the
/// `container_definitions` map, each named by its key.
pub(super) fn containers_of_map<'a>(
    map: &'a Node,
    service: &'a Node,
    file: crate::source::FileId,
) -> Vec<super::Container<'a>> {
    let defaults = service.get("container_definition_defaults");
    map.as_map()
        .unwrap_or(&[])
        .iter()
        .filter(|m| m.value.as_map().is_some())
        .enumerate()
        .map(|(index, m)| super::Container {
            file,
            node: &m.value,
            index,
            name: Some(
                m.value
                    .get("name")
                    .and_then(Node::literal_str)
                    .unwrap_or(&m.key),
            ),
            name_member: None,
            key_span: Some(m.key_span),
            snake_case: true,
            module: Some(defaults),
        })
        .collect()
}

/// The cluster a module-declared service runs on (see the module docs).
pub fn service_cluster<'m, 'a>(
    model: &'m Model<'a>,
    r: &TfResource<'a>,
    via: ModuleInput<'a>,
) -> ClusterLink<'m, 'a> {
    // The cluster declared by the call named `call` in the service's directory.
    let of_call = |call: &str| {
        model
            .tf_of_type("aws_ecs_cluster")
            .find(|c| c.dir == r.dir && c.via_module.is_some_and(|v| v.call == call))
    };
    let link = |c: Option<&'m TfResource<'a>>| ClusterLink {
        resource: c,
        name: c.and_then(module_cluster_name).map(str::to_string),
        unresolved: c.is_none(),
    };
    match via.part {
        EcsModulePart::Root => link(of_call(via.call)),
        EcsModulePart::Cluster | EcsModulePart::Service => {
            for rf in r.refs_at(&["cluster_arn"]) {
                if let Some(call) = rf.address.strip_prefix("module.") {
                    return link(of_call(call));
                }
            }
            cluster_link(model, r, "cluster_arn")
        }
    }
}

/// The literal name of a module-declared cluster (`cluster_name` of the root module, `name`
/// of the cluster submodule).
fn module_cluster_name<'a>(c: &TfResource<'a>) -> Option<&'a str> {
    c.attr("cluster_name")
        .or_else(|| c.attr("name"))
        .and_then(Node::literal_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources() {
        use EcsModulePart::*;
        assert_eq!(ecs_module_part("terraform-aws-modules/ecs/aws"), Some(Root));
        assert_eq!(
            ecs_module_part("terraform-aws-modules/ecs/aws//modules/service"),
            Some(Service)
        );
        assert_eq!(
            ecs_module_part("app.terraform.io/terraform-aws-modules/ecs/aws//modules/cluster"),
            Some(Cluster)
        );
        assert_eq!(
            ecs_module_part(
                "git::https://github.com/terraform-aws-modules/terraform-aws-ecs.git//modules/service?ref=v5.12.0"
            ),
            Some(Service)
        );
        assert_eq!(
            ecs_module_part("terraform-aws-modules/ecs/aws//modules/container-definition"),
            None
        );
        assert_eq!(ecs_module_part("terraform-aws-modules/eks/aws"), None);
    }
}
