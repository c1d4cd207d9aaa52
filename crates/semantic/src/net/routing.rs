//! Private paths from a subnet to a container registry: the subnet's route table (explicit
//! association only), its default route (NAT gateway, transit gateway, NAT instance or ENI,
//! internet gateway) and the VPC endpoints for ECR (`ecr.api`, `ecr.dkr` interface endpoints)
//! and S3 (the gateway endpoint ECR layers are served through).

use std::collections::{HashMap, HashSet};

use lint_engine::doc::Node;
use lint_engine::model::{Model, TfResource};
use lint_engine::shared::{Fact, FactContext};
use lint_engine::source::{FileId, Span};

use super::Subnet;

/// How a route table sends `0.0.0.0/0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultRoute {
    /// `nat_gateway_id`, `transit_gateway_id`, `network_interface_id` or `instance_id`: a
    /// private path to the internet (or to central egress).
    Private(&'static str),
    /// `gateway_id` of an internet gateway: only tasks and nodes with a public address use it.
    InternetGateway,
    /// No default route in the table.
    None,
    /// A route whose target is an expression that could not be followed.
    Unknown,
}

/// What the inputs say about a subnet's route to registries.
#[derive(Debug, Clone)]
pub struct RegistryPath<'m, 'a> {
    /// The route table associated with the subnet; `None` when no association is in the inputs
    /// (the VPC's main table, or routes in another state, apply).
    pub route_table: Option<&'m TfResource<'a>>,
    pub default_route: DefaultRoute,
    /// Interface endpoints for ECR found in the subnet's VPC, for the subnet or its AZ.
    pub ecr_api: bool,
    pub ecr_dkr: bool,
    /// An S3 gateway endpoint attached to the route table.
    pub s3_gateway: bool,
    /// Interface endpoints for Secrets Manager, SSM and CloudWatch Logs serving the subnet.
    pub secretsmanager: bool,
    pub ssm: bool,
    pub logs: bool,
}

impl RegistryPath<'_, '_> {
    /// ECR images can be pulled without leaving the VPC privately-routed paths.
    pub fn reaches_ecr(&self) -> bool {
        matches!(self.default_route, DefaultRoute::Private(_))
            || (self.ecr_api && self.ecr_dkr && self.s3_gateway)
    }
    /// Any registry (the internet) is reachable through a private default route.
    pub fn reaches_internet(&self) -> bool {
        matches!(self.default_route, DefaultRoute::Private(_))
    }
}

fn is_default(cidr: Option<&Node>) -> bool {
    cidr.and_then(Node::as_str) == Some("0.0.0.0/0")
}

fn classify(route: &Node) -> DefaultRoute {
    for (key, what) in [
        ("nat_gateway_id", "NAT gateway"),
        ("transit_gateway_id", "transit gateway"),
        ("network_interface_id", "network interface"),
        ("instance_id", "NAT instance"),
    ] {
        if route
            .get(key)
            .is_some_and(|n| !n.is_null() && n.as_str() != Some(""))
        {
            return DefaultRoute::Private(what);
        }
    }
    match route.get("gateway_id").and_then(Node::as_str) {
        Some(g) if g.contains("aws_internet_gateway.") || g.starts_with("igw-") => {
            DefaultRoute::InternetGateway
        }
        Some(g) if g.contains("aws_nat_gateway.") || g.starts_with("nat-") => {
            DefaultRoute::Private("NAT gateway")
        }
        Some(g) if !g.is_empty() => DefaultRoute::Unknown,
        _ => DefaultRoute::None,
    }
}

/// The best default route of a table (its inline `route` blocks and the `aws_route`s that
/// target it): a private one wins over an internet gateway.
fn default_route(table: &TfResource<'_>, routes: &[&Node]) -> DefaultRoute {
    let mut found: Vec<DefaultRoute> = table
        .attr("route")
        .into_iter()
        .flat_map(|r| r.blocks())
        .filter(|b| is_default(b.get("cidr_block")))
        .map(classify)
        .collect();
    found.extend(routes.iter().map(|r| classify(r)));
    let rank = |d: &DefaultRoute| match d {
        DefaultRoute::Private(_) => 3,
        DefaultRoute::Unknown => 2,
        DefaultRoute::InternetGateway => 1,
        DefaultRoute::None => 0,
    };
    found
        .into_iter()
        .max_by_key(rank)
        .unwrap_or(DefaultRoute::None)
}

/// A Terraform resource's identity within one run.
type Key = (FileId, Span);

fn key(r: &TfResource<'_>) -> Key {
    (r.file, r.anchor)
}

/// The resources `from` references at `path`, resolved.
fn resolved<'m, 'a>(
    model: &'m Model<'a>,
    from: &TfResource<'a>,
    path: &[&str],
) -> Vec<&'m TfResource<'a>> {
    from.resource_refs_at(path)
        .iter()
        .filter_map(|rf| model.resolve_tf(from, &rf.address))
        .collect()
}

/// What the VPC endpoints of one service serve.
#[derive(Default)]
struct Coverage {
    /// The subnets they list, and the availability zones of those subnets.
    subnets: HashSet<Key>,
    azs: HashSet<String>,
    /// The route tables they are attached to (gateway endpoints).
    tables: HashSet<Key>,
}

/// The routing facts of the inputs, gathered in one pass over the route table associations,
/// routes and VPC endpoints, so that a subnet's registry path is a few lookups rather than a scan
/// of every routing resource per subnet.
pub struct Routing;

/// What [`Routing`] holds.
pub struct RoutingIndex<'m, 'a> {
    /// The route table explicitly associated with each subnet resource (the first association of
    /// the inputs wins).
    table_of: HashMap<Key, &'m TfResource<'a>>,
    /// Default routes (`aws_route` with `0.0.0.0/0`) by the route table they target.
    default_routes: HashMap<Key, Vec<&'a Node>>,
    /// By service suffix (`.ecr.api`, `.s3`, …).
    endpoints: HashMap<&'static str, Coverage>,
}

impl Fact for Routing {
    type Value<'m, 'a: 'm> = RoutingIndex<'m, 'a>;

    fn build<'m, 'a: 'm>(cx: &FactContext<'m, 'a>) -> RoutingIndex<'m, 'a> {
        build_index(cx.model)
    }
}

fn build_index<'m, 'a>(model: &'m Model<'a>) -> RoutingIndex<'m, 'a> {
    let mut table_of = HashMap::new();
    for a in model.tf_of_type("aws_route_table_association") {
        let Some(table) = resolved(model, a, &["route_table_id"])
            .into_iter()
            .find(|t| t.rtype == "aws_route_table")
        else {
            continue;
        };
        for s in resolved(model, a, &["subnet_id"]) {
            table_of.entry(key(s)).or_insert(table);
        }
    }
    let mut default_routes: HashMap<Key, Vec<&'a Node>> = HashMap::new();
    for r in model.tf_of_type("aws_route") {
        if !is_default(r.attr("destination_cidr_block")) {
            continue;
        }
        let mut seen = Vec::new();
        for t in resolved(model, r, &["route_table_id"]) {
            if !seen.contains(&key(t)) {
                seen.push(key(t));
                default_routes.entry(key(t)).or_default().push(r.values);
            }
        }
    }
    let mut endpoints: HashMap<&'static str, Coverage> = HashMap::new();
    for e in model.tf_of_type("aws_vpc_endpoint") {
        let Some(suffix) = service_suffix(e) else {
            continue;
        };
        let c = endpoints.entry(suffix).or_default();
        for s in resolved(model, e, &["subnet_ids"]) {
            c.subnets.insert(key(s));
            if let Some(az) = s.attr("availability_zone").and_then(Node::as_str) {
                c.azs.insert(az.to_string());
            }
        }
        for t in resolved(model, e, &["route_table_ids"]) {
            c.tables.insert(key(t));
        }
    }
    RoutingIndex {
        table_of,
        default_routes,
        endpoints,
    }
}

fn service_suffix(e: &TfResource<'_>) -> Option<&'static str> {
    let name = e.attr("service_name").and_then(Node::as_str)?;
    [
        ".ecr.api",
        ".ecr.dkr",
        ".s3",
        ".secretsmanager",
        ".ssm",
        ".logs",
    ]
    .into_iter()
    .find(|s| name.ends_with(s))
}

/// The registry path of an `aws_subnet` resource of the inputs; `None` for subnets that are
/// not resources (module outputs, plan values without a resource).
pub fn registry_path<'m, 'a>(
    model: &'m Model<'a>,
    index: &RoutingIndex<'m, 'a>,
    subnet: &Subnet<'a>,
) -> Option<RegistryPath<'m, 'a>> {
    let sr = model.tf.get(subnet.resource?)?;
    let table = index.table_of.get(&key(sr)).copied();
    let default_route = table.map_or(DefaultRoute::Unknown, |t| {
        default_route(
            t,
            index.default_routes.get(&key(t)).map_or(&[], Vec::as_slice),
        )
    });
    // An interface endpoint serves the subnet when it lists the subnet, or a subnet in the same
    // availability zone.
    let covers = |suffix: &str| {
        index.endpoints.get(suffix).is_some_and(|c| {
            c.subnets.contains(&key(sr))
                || subnet.az.as_deref().is_some_and(|az| c.azs.contains(az))
        })
    };
    let s3_gateway = table.is_some_and(|t| {
        index
            .endpoints
            .get(".s3")
            .is_some_and(|c| c.tables.contains(&key(t)))
    });
    let (ecr_api, ecr_dkr) = (covers(".ecr.api"), covers(".ecr.dkr"));
    let (secretsmanager, ssm, logs) = (covers(".secretsmanager"), covers(".ssm"), covers(".logs"));
    Some(RegistryPath {
        route_table: table,
        default_route,
        ecr_api,
        ecr_dkr,
        s3_gateway,
        secretsmanager,
        ssm,
        logs,
    })
}
