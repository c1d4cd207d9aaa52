//! Private paths from a subnet to a container registry: the subnet's route table (explicit
//! association only), its default route (NAT gateway, transit gateway, NAT instance or ENI,
//! internet gateway) and the VPC endpoints for ECR (`ecr.api`, `ecr.dkr` interface endpoints)
//! and S3 (the gateway endpoint ECR layers are served through).

use lint_engine::doc::Node;
use lint_engine::model::{Model, TfResource};

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

fn refers_to(
    model: &Model<'_>,
    from: &TfResource<'_>,
    path: &[&str],
    target: &TfResource<'_>,
) -> bool {
    from.resource_refs_at(path).iter().any(|rf| {
        model
            .resolve_tf(from, &rf.address)
            .is_some_and(|x| x.file == target.file && x.anchor == target.anchor)
    })
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

/// The best default route of a table: a private one wins over an internet gateway.
fn default_route(model: &Model<'_>, table: &TfResource<'_>) -> DefaultRoute {
    let mut routes: Vec<DefaultRoute> = table
        .attr("route")
        .into_iter()
        .flat_map(|r| r.blocks())
        .filter(|b| is_default(b.get("cidr_block")))
        .map(classify)
        .collect();
    for r in model.tf_of_type("aws_route") {
        if is_default(r.attr("destination_cidr_block"))
            && refers_to(model, r, &["route_table_id"], table)
        {
            routes.push(classify(r.values));
        }
    }
    let rank = |d: &DefaultRoute| match d {
        DefaultRoute::Private(_) => 3,
        DefaultRoute::Unknown => 2,
        DefaultRoute::InternetGateway => 1,
        DefaultRoute::None => 0,
    };
    routes
        .into_iter()
        .max_by_key(rank)
        .unwrap_or(DefaultRoute::None)
}

/// The route table explicitly associated with the subnet resource.
fn route_table_of<'m, 'a>(
    model: &'m Model<'a>,
    subnet: &TfResource<'a>,
) -> Option<&'m TfResource<'a>> {
    for a in model.tf_of_type("aws_route_table_association") {
        if !refers_to(model, a, &["subnet_id"], subnet) {
            continue;
        }
        for rf in a.resource_refs_at(&["route_table_id"]) {
            if let Some(t) = model.resolve_tf(a, &rf.address) {
                if t.rtype == "aws_route_table" {
                    return Some(t);
                }
            }
        }
    }
    None
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

/// Whether an interface endpoint serves the subnet: it lists the subnet, or a subnet in the same
/// availability zone.
fn endpoint_covers(
    model: &Model<'_>,
    e: &TfResource<'_>,
    subnet: &TfResource<'_>,
    az: Option<&str>,
) -> bool {
    if refers_to(model, e, &["subnet_ids"], subnet) {
        return true;
    }
    let Some(az) = az else { return false };
    e.resource_refs_at(&["subnet_ids"]).iter().any(|rf| {
        model
            .resolve_tf(e, &rf.address)
            .is_some_and(|s| s.attr("availability_zone").and_then(Node::as_str) == Some(az))
    })
}

/// The registry path of an `aws_subnet` resource of the inputs; `None` for subnets that are
/// not resources (module outputs, plan values without a resource).
pub fn registry_path<'m, 'a>(
    model: &'m Model<'a>,
    subnet: &Subnet<'a>,
) -> Option<RegistryPath<'m, 'a>> {
    let sr = model.tf.get(subnet.resource?)?;
    let table = route_table_of(model, sr);
    let default_route = table.map_or(DefaultRoute::Unknown, |t| default_route(model, t));
    let (mut ecr_api, mut ecr_dkr, mut s3_gateway) = (false, false, false);
    let (mut secretsmanager, mut ssm, mut logs) = (false, false, false);
    for e in model.tf_of_type("aws_vpc_endpoint") {
        match service_suffix(e) {
            Some(".ecr.api") => ecr_api |= endpoint_covers(model, e, sr, subnet.az.as_deref()),
            Some(".ecr.dkr") => ecr_dkr |= endpoint_covers(model, e, sr, subnet.az.as_deref()),
            Some(".secretsmanager") => {
                secretsmanager |= endpoint_covers(model, e, sr, subnet.az.as_deref())
            }
            Some(".ssm") => ssm |= endpoint_covers(model, e, sr, subnet.az.as_deref()),
            Some(".logs") => logs |= endpoint_covers(model, e, sr, subnet.az.as_deref()),
            Some(".s3") => {
                s3_gateway |= table.is_some_and(|t| refers_to(model, e, &["route_table_ids"], t))
            }
            _ => {}
        }
    }
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
