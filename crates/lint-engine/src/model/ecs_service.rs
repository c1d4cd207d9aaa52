//! ECS services from Terraform (`aws_ecs_service`): the task definition they run, their cluster
//! and their effective capacity-provider strategy.
//!
//! Nothing is precomputed: the functions here walk the [`Model`] on demand, so rules of every
//! domain (ECS, IAM, NET, PAR) can reuse them without the model growing a field per question.
//!
//! Effective strategy (catalog ECS002, step 1):
//! 1. the service's own `capacity_provider_strategy`, when it has at least one item;
//! 2. else, when `launch_type` is set, no strategy at all (and so no Spot);
//! 3. else the default strategy of the cluster: `aws_ecs_cluster_capacity_providers` whose
//!    `cluster_name` resolves to the service's cluster, or the legacy
//!    `aws_ecs_cluster.default_capacity_provider_strategy`.
//!
//! A cluster's `capacity_providers` list only associates providers with the cluster: it is never
//! read as a strategy.

use crate::doc::{Member, Node, Value};
use crate::model::{Model, TaskDef, TfMode, TfResource};
use crate::source::Span;

/// A value that may be absent, known, or not known statically (an interpolation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known<T> {
    Absent,
    Value(T),
    Unresolved,
}

impl<T: Copy> Known<T> {
    /// The value, with `default` for an absent one; `None` when unresolved.
    pub fn or_default(self, default: T) -> Option<T> {
        match self {
            Known::Absent => Some(default),
            Known::Value(v) => Some(v),
            Known::Unresolved => None,
        }
    }
}

/// An integer attribute: absent (or null), a number / numeric string, or unresolved.
pub fn known_i64(n: Option<&Node>) -> Known<i64> {
    match n {
        None => Known::Absent,
        Some(n) if n.is_null() => Known::Absent,
        Some(n) => match n.as_i64() {
            Some(v) => Known::Value(v),
            None => Known::Unresolved,
        },
    }
}

/// One item of a capacity-provider strategy.
#[derive(Debug, Clone)]
pub struct StrategyItem<'a> {
    /// The item block.
    pub node: &'a Node,
    /// The `capacity_provider` value.
    pub provider: Option<&'a Node>,
    /// The map entry the item is, when a strategy is a map keyed by provider (the ECS registry
    /// module's `default_capacity_provider_strategy`): the key names the provider unless the
    /// item has `name`.
    pub key: Option<&'a Member>,
    pub base: Known<i64>,
    pub weight: Known<i64>,
}

impl<'a> StrategyItem<'a> {
    fn from_block(node: &'a Node) -> Self {
        StrategyItem {
            node,
            provider: node.get("capacity_provider").filter(|n| !n.is_null()),
            key: None,
            base: known_i64(node.get("base")),
            weight: known_i64(node.get("weight")),
        }
    }
    /// An entry of a strategy map keyed by provider (`FARGATE_SPOT = { weight = 1 }`).
    fn from_keyed(m: &'a Member) -> Self {
        let provider = m
            .value
            .get("capacity_provider")
            .or_else(|| m.value.get("name"))
            .filter(|n| !n.is_null());
        StrategyItem {
            key: provider.is_none().then_some(m),
            ..StrategyItem::from_block(&m.value)
        }
        .with_provider(provider)
    }
    fn with_provider(mut self, provider: Option<&'a Node>) -> Self {
        self.provider = provider;
        self
    }
    /// The provider name when it is a literal.
    pub fn provider_name(&self) -> Option<&'a str> {
        match (self.provider, self.key) {
            (Some(p), _) => p.as_str().filter(|s| !crate::doc::is_unresolved_text(s)),
            (None, Some(k)) => Some(k.key.as_str()),
            (None, None) => None,
        }
    }
    /// Where the provider is written: its value, or the map key that names it.
    pub fn provider_span(&self) -> Option<Span> {
        self.provider
            .map(|p| p.span)
            .or(self.key.map(|k| k.key_span))
    }
    /// The provider name is an interpolation (`${var.provider}`).
    pub fn provider_unresolved(&self) -> bool {
        self.provider.is_some_and(Node::is_unresolved)
    }
    pub fn is_fargate_spot(&self) -> bool {
        self.provider_name() == Some("FARGATE_SPOT")
    }
    pub fn is_fargate(&self) -> bool {
        self.provider_name() == Some("FARGATE")
    }
}

/// The items of a strategy value: repeated blocks (`aws_ecs_service`), or a map of items (the
/// ECS registry module) whose entries are objects, keyed by anything for a service strategy
/// (the item names its `capacity_provider`) or by provider for a cluster default.
pub fn strategy_items(n: &Node) -> Vec<StrategyItem<'_>> {
    if let Some(members) = n.as_map() {
        if !members.is_empty() && members.iter().all(|m| m.value.as_map().is_some()) {
            return members.iter().map(StrategyItem::from_keyed).collect();
        }
    }
    n.blocks().map(StrategyItem::from_block).collect()
}

/// Where an effective strategy comes from.
#[derive(Debug, Clone, Copy)]
pub enum StrategySource<'m, 'a> {
    /// The service's own `capacity_provider_strategy`.
    Service,
    /// The default strategy of the service's cluster, from this resource
    /// (`aws_ecs_cluster_capacity_providers`, or a legacy `aws_ecs_cluster`).
    ClusterDefault(&'m TfResource<'a>),
}

/// The capacity-provider strategy that really places a service's tasks.
#[derive(Debug, Clone)]
pub enum EffectiveStrategy<'m, 'a> {
    Strategy {
        source: StrategySource<'m, 'a>,
        items: Vec<StrategyItem<'a>>,
    },
    /// `launch_type` is set: no capacity provider is used.
    LaunchType(&'a Node),
    /// Neither the service nor its cluster (which is in the inputs) sets a strategy.
    None,
    /// Cannot be told from the inputs; the string says why.
    Unknown(String),
}

impl<'m, 'a> EffectiveStrategy<'m, 'a> {
    pub fn items(&self) -> &[StrategyItem<'a>] {
        match self {
            EffectiveStrategy::Strategy { items, .. } => items,
            _ => &[],
        }
    }
    /// True when an item is `FARGATE_SPOT` with a known `weight > 0` or `base > 0`.
    pub fn uses_fargate_spot(&self) -> bool {
        self.items().iter().any(|i| {
            i.is_fargate_spot()
                && (matches!(i.weight, Known::Value(w) if w > 0)
                    || matches!(i.base, Known::Value(b) if b > 0))
        })
    }
}

/// The cluster a service (or a capacity-provider association) points at.
#[derive(Debug, Clone, Default)]
pub struct ClusterLink<'m, 'a> {
    /// The `aws_ecs_cluster` resource, when it is in the inputs.
    pub resource: Option<&'m TfResource<'a>>,
    /// The cluster name, when known (from the resource, a literal name or an ARN).
    pub name: Option<String>,
    /// The reference could not be followed (a variable, a module output, a remote state).
    pub unresolved: bool,
}

impl<'m, 'a> ClusterLink<'m, 'a> {
    fn same_cluster(&self, other: &ClusterLink<'m, 'a>) -> bool {
        match (self.resource, other.resource) {
            (Some(a), Some(b)) => std::ptr::eq(a, b),
            _ => matches!((&self.name, &other.name), (Some(a), Some(b)) if a == b),
        }
    }
}

/// A cluster name from a literal name or a cluster ARN (`arn:aws:ecs:…:cluster/name`).
pub fn cluster_name_of(s: &str) -> &str {
    match s.strip_prefix("arn:") {
        Some(_) => s.rsplit_once(":cluster/").map(|(_, n)| n).unwrap_or(s),
        None => s,
    }
}

/// The family of a task-definition reference: an ARN (`…:task-definition/family:3`),
/// `family:3` or `family`.
pub fn task_family_of(s: &str) -> &str {
    let s = s
        .rsplit_once(":task-definition/")
        .map(|(_, r)| r)
        .unwrap_or(s);
    match s.rsplit_once(':') {
        Some((fam, rev)) if rev.chars().all(|c| c.is_ascii_digit()) => fam,
        _ => s,
    }
}

fn same_resource(a: &TfResource<'_>, b: &TfResource<'_>) -> bool {
    a.file == b.file && a.anchor == b.anchor
}

/// An `aws_ecs_cluster` of the inputs named `name`, preferring `near`'s file, then its directory.
fn cluster_by_name<'m, 'a>(
    model: &'m Model<'a>,
    near: &TfResource<'a>,
    name: &str,
) -> Option<&'m TfResource<'a>> {
    model.ecs_cluster_named(near, name)
}

/// Follow the cluster attribute `attr` of `r` (`cluster` of a service, `cluster_name` of an
/// `aws_ecs_cluster_capacity_providers`).
pub fn cluster_link<'m, 'a>(
    model: &'m Model<'a>,
    r: &TfResource<'a>,
    attr: &str,
) -> ClusterLink<'m, 'a> {
    let value = r.attr(attr).filter(|n| !n.is_null());
    for rf in r.refs_at(&[attr]) {
        if rf.address.starts_with("aws_ecs_cluster.") {
            if let Some(c) = model.resolve_tf(r, &rf.address) {
                return ClusterLink {
                    resource: Some(c),
                    name: c
                        .attr("name")
                        .and_then(Node::literal_str)
                        .map(str::to_string),
                    unresolved: false,
                };
            }
        } else if rf.address.starts_with("data.aws_ecs_cluster.") {
            if let Some(name) = model
                .resolve_tf(r, &rf.address)
                .and_then(|d| d.attr("cluster_name").and_then(Node::literal_str))
            {
                return ClusterLink {
                    resource: cluster_by_name(model, r, name),
                    name: Some(name.to_string()),
                    unresolved: false,
                };
            }
        }
    }
    match value {
        // The service's `cluster` defaults to the cluster named `default`.
        None if attr == "cluster" && r.refs_at(&[attr]).is_empty() => ClusterLink {
            resource: cluster_by_name(model, r, "default"),
            name: Some("default".into()),
            unresolved: false,
        },
        Some(n)
            if n.literal_str()
                .is_some_and(|s| !cluster_name_of(s).is_empty()) =>
        {
            let name = cluster_name_of(n.literal_str().unwrap_or_default());
            ClusterLink {
                resource: cluster_by_name(model, r, name),
                name: Some(name.to_string()),
                unresolved: false,
            }
        }
        _ => ClusterLink {
            unresolved: true,
            ..ClusterLink::default()
        },
    }
}

/// The task definitions a service runs, as far as the inputs tell.
#[derive(Debug, Clone, Default)]
pub struct TaskDefLink<'m, 'a> {
    pub task_defs: Vec<&'m TaskDef<'a>>,
    /// False when `task_definition` is an interpolation that could not be followed: then the
    /// service may run a task definition of the inputs that is not listed.
    pub resolved: bool,
}

/// A view of one `aws_ecs_service`.
#[derive(Debug, Clone, Copy)]
pub struct EcsService<'m, 'a> {
    pub resource: &'m TfResource<'a>,
}

/// Every managed `aws_ecs_service` of the inputs.
pub fn ecs_services<'m, 'a>(model: &'m Model<'a>) -> impl Iterator<Item = EcsService<'m, 'a>> {
    model
        .tf_of_type("aws_ecs_service")
        .map(|resource| EcsService { resource })
}

/// The services whose `task_definition` resolves to `td` (Terraform reference, ARN or family).
///
/// The join is computed once per model (every service's task definitions, inverted), so asking
/// for each task definition costs the number of its services.
pub fn services_of_task_def<'m, 'a>(
    model: &'m Model<'a>,
    td: &TaskDef<'a>,
) -> Vec<EcsService<'m, 'a>> {
    let by_td = model.services_by_td(|| {
        let mut by_td = vec![Vec::new(); model.task_defs.len()];
        for &i in model.tf_indexes_of_type("aws_ecs_service") {
            let s = EcsService {
                resource: &model.tf[i],
            };
            for t in s.task_definitions(model).task_defs {
                if let Some(k) = model.task_def_index(t) {
                    if !by_td[k].contains(&i) {
                        by_td[k].push(i);
                    }
                }
            }
        }
        by_td
    });
    model
        .task_def_index(td)
        .and_then(|k| by_td.get(k))
        .into_iter()
        .flatten()
        .map(|&i| EcsService {
            resource: &model.tf[i],
        })
        .collect()
}

impl<'m, 'a> EcsService<'m, 'a> {
    pub fn attr(&self, key: &str) -> Option<&'a Node> {
        self.resource.attr(key)
    }
    /// The literal service name.
    pub fn name(&self) -> Option<&'a str> {
        let r = self.resource;
        self.attr("name")
            .and_then(Node::literal_str)
            .or_else(|| r.via_module.map(|_| r.name))
    }
    /// The `name` member (the span that identifies the service in messages and related labels).
    pub fn name_member(&self) -> Option<&'a Member> {
        self.resource.values.member("name")
    }
    /// The `name` member's span, or the resource's anchor.
    pub fn anchor(&self) -> Span {
        self.name_member()
            .map(Member::span)
            .unwrap_or(self.resource.anchor)
    }
    /// The service name, or its Terraform address when the name is not literal.
    pub fn display_name(&self) -> String {
        self.name()
            .map(str::to_string)
            .unwrap_or_else(|| self.resource.address.to_string())
    }

    /// The `aws_lb_target_group` / `aws_alb_target_group` resources a `load_balancer` block of
    /// this service points at (`single_block`: the service has only this block, so a plan's
    /// configuration references, which do not tell blocks apart, belong to it).
    pub fn target_groups(
        &self,
        model: &'m Model<'a>,
        block: &Node,
        single_block: bool,
    ) -> Vec<&'m TfResource<'a>> {
        const TARGET_GROUP_TYPES: &[&str] = &["aws_lb_target_group.", "aws_alb_target_group."];
        let svc = self.resource;
        let mut refs = block
            .get("target_group_arn")
            .and_then(Node::as_str)
            .map(crate::tfref::parse_refs)
            .unwrap_or_default();
        // Plans hold the references in the configuration expressions, not in the values.
        if refs.is_empty() && single_block {
            refs = svc.resource_refs_at(&["load_balancer", "target_group_arn"]);
        }
        refs.iter()
            .filter(|rf| TARGET_GROUP_TYPES.iter().any(|t| rf.address.starts_with(t)))
            .filter_map(|rf| model.resolve_tf(svc, &rf.address))
            .collect()
    }

    /// `desired_count`, else the `min_capacity` of the `aws_appautoscaling_target` that scales
    /// this service. `None` when neither is known.
    pub fn desired_count(&self, model: &Model<'a>) -> Option<(i64, &'static str)> {
        if let Known::Value(d) = known_i64(self.attr("desired_count")) {
            return Some((d, "desired_count"));
        }
        let t = self.autoscaling_target(model)?;
        match known_i64(t.attr("min_capacity")) {
            Known::Value(m) => Some((m, "autoscaling min_capacity")),
            _ => None,
        }
    }

    /// The `aws_appautoscaling_target` (ECS namespace) that scales this service, by reference
    /// to the service or by its literal `service/<cluster>/<name>` resource id.
    pub fn autoscaling_target<'t>(&self, model: &'t Model<'a>) -> Option<&'t TfResource<'a>> {
        let name = self.name();
        model.tf_of_type("aws_appautoscaling_target").find(|t| {
            if t.attr("service_namespace")
                .and_then(Node::literal_str)
                .is_some_and(|s| s != "ecs")
            {
                return false;
            }
            let by_ref = t.resource_refs_at(&["resource_id"]).iter().any(|rf| {
                rf.address.starts_with("aws_ecs_service.")
                    && model
                        .resolve_tf(t, &rf.address)
                        .is_some_and(|s| same_resource(s, self.resource))
            });
            let by_name = t
                .attr("resource_id")
                .and_then(Node::literal_str)
                .zip(name)
                .is_some_and(|(id, n)| {
                    id.starts_with("service/") && id.ends_with(&format!("/{n}"))
                });
            by_ref || by_name
        })
    }

    /// `deployment_minimum_healthy_percent` (default 100); `None` when unresolved.
    pub fn minimum_healthy_percent(&self) -> Option<i64> {
        known_i64(self.attr("deployment_minimum_healthy_percent")).or_default(100)
    }

    /// Why the service receives traffic: `load balancer`, `service discovery` or
    /// `Service Connect`; `None` when it has none of those blocks.
    pub fn serves_traffic(&self) -> Option<&'static str> {
        let v = self.resource.values;
        let dynamic = |k: &str| v.path(&["dynamic", k]).is_some();
        if v.get("load_balancer")
            .is_some_and(|n| n.blocks().next().is_some())
            || dynamic("load_balancer")
        {
            return Some("load balancer");
        }
        if v.get("service_registries")
            .is_some_and(|n| n.blocks().next().is_some())
            || dynamic("service_registries")
        {
            return Some("service discovery");
        }
        let sc = v
            .get("service_connect_configuration")
            .into_iter()
            .flat_map(Node::blocks)
            .any(|b| b.get("enabled").and_then(Node::as_bool) != Some(false));
        if sc || dynamic("service_connect_configuration") {
            return Some("Service Connect");
        }
        None
    }

    /// `tags` and `tags_all` pairs with literal values.
    pub fn tags(&self) -> Vec<(&'a str, &'a str)> {
        tags_of(self.resource)
    }

    pub fn cluster(&self, model: &'m Model<'a>) -> ClusterLink<'m, 'a> {
        match self.resource.via_module {
            Some(via) => super::ecs_module::service_cluster(model, self.resource, via),
            None => cluster_link(model, self.resource, "cluster"),
        }
    }

    /// The task definitions this service runs.
    pub fn task_definitions(&self, model: &'m Model<'a>) -> TaskDefLink<'m, 'a> {
        let mut out = TaskDefLink::default();
        let r = self.resource;
        if r.via_module.is_some() {
            // A module service runs the task definition its own `container_definitions` declare.
            if let Some(cd) = r.values.member("container_definitions") {
                for td in model.task_defs_of_resource(r.file, cd.key_span) {
                    out.task_defs.push(td);
                }
            }
            out.resolved = !out.task_defs.is_empty();
            return out;
        }
        let refs = r.refs_at(&["task_definition"]);
        for rf in &refs {
            if rf.address.starts_with("aws_ecs_task_definition.") {
                if let Some(t) = model.resolve_tf(r, &rf.address) {
                    push_td_of_resource(model, t, &mut out.task_defs);
                    out.resolved = true;
                }
            } else if rf.address.starts_with("data.aws_ecs_task_definition.") {
                // `data.aws_ecs_task_definition.x.task_definition` names a family (or refers to a
                // managed task definition's family).
                let Some(d) = model.resolve_tf(r, &rf.address) else {
                    continue;
                };
                for inner in d.resource_refs_at(&["task_definition"]) {
                    if let Some(t) = inner
                        .address
                        .starts_with("aws_ecs_task_definition.")
                        .then(|| model.resolve_tf(d, &inner.address))
                        .flatten()
                    {
                        push_td_of_resource(model, t, &mut out.task_defs);
                        out.resolved = true;
                    }
                }
                if let Some(fam) = d.attr("task_definition").and_then(Node::literal_str) {
                    push_family(model, r, task_family_of(fam), &mut out.task_defs);
                    out.resolved = true;
                }
            }
        }
        if refs.is_empty() {
            if let Some(s) = r.attr("task_definition").and_then(Node::literal_str) {
                push_family(model, r, task_family_of(s), &mut out.task_defs);
                out.resolved = true;
            }
        }
        out
    }

    /// The effective capacity-provider strategy (see the module docs).
    pub fn effective_strategy(&self, model: &'m Model<'a>) -> EffectiveStrategy<'m, 'a> {
        let v = self.resource.values;
        if v.path(&["dynamic", "capacity_provider_strategy"]).is_some() {
            return EffectiveStrategy::Unknown(
                "`capacity_provider_strategy` is a dynamic block".into(),
            );
        }
        if let Some(s) = v.get("capacity_provider_strategy") {
            if s.is_unresolved() {
                return EffectiveStrategy::Unknown(
                    "`capacity_provider_strategy` is an unresolved expression".into(),
                );
            }
            let items = strategy_items(s);
            if !items.is_empty() {
                return EffectiveStrategy::Strategy {
                    source: StrategySource::Service,
                    items,
                };
            }
        }
        if let Some(lt) = v.get("launch_type").filter(|n| !n.is_null()) {
            if lt.is_unresolved() {
                return EffectiveStrategy::Unknown(
                    "`launch_type` is an unresolved expression".into(),
                );
            }
            if lt.as_str().is_some_and(|s| !s.is_empty()) {
                return EffectiveStrategy::LaunchType(lt);
            }
        }
        let cluster = self.cluster(model);
        if cluster.resource.is_none() && cluster.name.is_none() {
            return EffectiveStrategy::Unknown(
                "the service's cluster is not known statically".into(),
            );
        }
        // `aws_ecs_cluster_capacity_providers` of this cluster: same file, then same directory,
        // then anywhere.
        let assoc: Vec<&'m TfResource<'a>> = model
            .tf_of_type("aws_ecs_cluster_capacity_providers")
            .filter(|cp| cluster_link(model, cp, "cluster_name").same_cluster(&cluster))
            .collect();
        let near = assoc
            .iter()
            .find(|cp| cp.file == self.resource.file)
            .or_else(|| assoc.iter().find(|cp| cp.dir == self.resource.dir))
            .or_else(|| assoc.first())
            .copied();
        if let Some(cp) = near {
            if cp
                .values
                .path(&["dynamic", "default_capacity_provider_strategy"])
                .is_some()
                || cp
                    .attr("default_capacity_provider_strategy")
                    .is_some_and(Node::is_unresolved)
            {
                return EffectiveStrategy::Unknown(format!(
                    "the default strategy of `{}` is dynamic",
                    cp.address
                ));
            }
            if let Some(s) = cluster_default(cp) {
                return s;
            }
        }
        if let Some(c) = cluster.resource {
            // Provider versions before 5.0 also accepted the strategy on the cluster itself.
            return cluster_default(c).unwrap_or(EffectiveStrategy::None);
        }
        if near.is_some() {
            return EffectiveStrategy::None;
        }
        EffectiveStrategy::Unknown(format!(
            "cluster `{}` is not in the inputs",
            cluster.name.unwrap_or_default()
        ))
    }
}

/// The `default_capacity_provider_strategy` of a cluster (or of its capacity-providers
/// resource), when it has one.
fn cluster_default<'m, 'a>(r: &'m TfResource<'a>) -> Option<EffectiveStrategy<'m, 'a>> {
    let mut items: Vec<_> = r
        .attr("default_capacity_provider_strategy")
        .map(strategy_items)
        .unwrap_or_default();
    if items.is_empty() && r.via_module.is_some() {
        // The ECS module before v6: `fargate_capacity_providers = { FARGATE_SPOT = {
        // default_capacity_provider_strategy = { weight = 1 } } }`.
        for m in r
            .attr("fargate_capacity_providers")
            .and_then(Node::as_map)
            .unwrap_or(&[])
        {
            if let Some(d) = m.value.get("default_capacity_provider_strategy") {
                items.push(StrategyItem {
                    key: Some(m),
                    ..StrategyItem::from_block(d)
                });
            }
        }
    }
    (!items.is_empty()).then_some(EffectiveStrategy::Strategy {
        source: StrategySource::ClusterDefault(r),
        items,
    })
}

fn push_td_of_resource<'m, 'a>(
    model: &'m Model<'a>,
    t: &TfResource<'a>,
    out: &mut Vec<&'m TaskDef<'a>>,
) {
    if t.mode != TfMode::Managed {
        return;
    }
    for td in model.task_defs_of_resource(t.file, t.anchor) {
        if !out.iter().any(|o| std::ptr::eq(o.node, td.node)) {
            out.push(td);
        }
    }
}

/// Task definitions of a family: in the same file or directory as `near` when there are any,
/// else everywhere.
fn push_family<'m, 'a>(
    model: &'m Model<'a>,
    near: &TfResource<'a>,
    family: &str,
    out: &mut Vec<&'m TaskDef<'a>>,
) {
    if family.is_empty() {
        return;
    }
    let all: Vec<&'m TaskDef<'a>> = model.task_defs_of_family(family).collect();
    let dir_of = |t: &TaskDef<'a>| {
        model
            .file(t.file)
            .path
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let near_ones: Vec<_> = all
        .iter()
        .filter(|t| t.file == near.file || dir_of(t) == near.dir)
        .copied()
        .collect();
    let pick = if near_ones.is_empty() { all } else { near_ones };
    for t in pick {
        if !out.iter().any(|o| std::ptr::eq(o.node, t.node)) {
            out.push(t);
        }
    }
}

/// Literal `tags` / `tags_all` pairs of a resource (maps in `.tf.json` and plans).
pub fn tags_of<'a>(r: &TfResource<'a>) -> Vec<(&'a str, &'a str)> {
    let mut out = Vec::new();
    for key in ["tags", "tags_all"] {
        if let Some(Value::Map(members)) = r.attr(key).map(|n| &n.value) {
            for m in members {
                if let Some(v) = m.value.literal_str() {
                    if !out.contains(&(m.key.as_str(), v)) {
                        out.push((m.key.as_str(), v));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_arns() {
        assert_eq!(
            cluster_name_of("arn:aws:ecs:eu-west-1:123456789012:cluster/prod"),
            "prod"
        );
        assert_eq!(cluster_name_of("prod"), "prod");
        assert_eq!(
            task_family_of("arn:aws:ecs:eu-west-1:123456789012:task-definition/api:12"),
            "api"
        );
        assert_eq!(task_family_of("api:3"), "api");
        assert_eq!(task_family_of("api"), "api");
    }
}
