//! The network model: IPv4 CIDR arithmetic, the subnets of the inputs, what uses each subnet,
//! the VPC CNI settings and the per-subnet peak IP demand. NET001/NET002 read it; NET003/NET004
//! can reuse it.
//!
//! Subnets come from `aws_subnet` resources (`.tf`/`.tf.json`, plans and state, child modules of
//! plans included) and from the list inputs of `terraform-aws-modules/vpc` module calls
//! (`private_subnets = ["10.0.1.0/24", …]`). A CIDR written as an expression is evaluated with
//! the shared `TfEval` fact (`cidrsubnet(var.vpc_cidr, 10, 12)`, a whole list such as
//! `[for k, v in local.azs : cidrsubnet(local.vpc_cidr, 4, k)]`); the subnet keeps the
//! provenance of the value, and unknown values give no subnet. `terraform-aws-modules/eks`
//! module calls consume subnets like the resources they create (see `eks_module.rs`). A plan expands that module into
//! `module.<name>.aws_subnet.<kind>[i]` resources; those carry the module slot, so a reference to
//! `module.vpc.private_subnets[0]` finds them and nothing is counted twice.

mod cidr;
mod cni;
mod demand;
mod eks_groups;
mod eks_module;
mod instance_data;
pub mod instance_gen;
mod instances;
mod nodes;
mod refs;
mod routing;
mod subnets;
#[cfg(test)]
mod tests;

pub use cidr::Cidr;
pub use cni::{CniSettings, SettingSource};
pub use demand::{
    Basis, Consumer, Demand, DemandPart, DemandSource, DemandUnknown, NodeIps, SourceKind,
    UnknownReason, WarmMode,
};
pub use eks_groups::{eks_module_node_groups, EksModuleNodeGroup};
pub use eks_module::is_eks_module_source;
pub use instances::{instance_limits, is_xen, InstanceLimits, DEFAULT_NODE_GROUP_INSTANCE_TYPE};
pub use routing::{registry_path, DefaultRoute, RegistryPath, Routing, RoutingIndex};
pub use subnets::{ecs_service_uses_awsvpc, ModuleSlot, Role, Subnet, SubnetUse, UnresolvedSubnet};

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

use regex::Regex;

use lint_engine::doc::Node;
use lint_engine::model::follow;
use lint_engine::model::{Model, TfOrigin, TfResource};
use lint_engine::source::{FileId, Span};
use lint_engine::tfeval::scope::expression_text;
use lint_engine::tfeval::{Multiplicity, TfEval, TfEvalIndex, Unknown};

use eks_groups::ModuleGroup;

/// The resource types whose instances add to a subnet's demand.
const CONSUMER_TYPES: &[&str] = &["aws_eks_node_group", "aws_ecs_service", "aws_vpc_endpoint"];

/// A consumer of subnets whose number of instances cannot be evaluated.
#[derive(Debug, Clone)]
pub struct UnresolvedCount {
    pub file: FileId,
    /// The `count`/`for_each` expression.
    pub span: Span,
    /// `aws_eks_node_group.workers`.
    pub name: String,
    /// `count` or `for_each`.
    pub attr: &'static str,
    /// The expression as written.
    pub expr: String,
    pub unknown: Unknown,
}

/// The default production heuristic of the catalog (§0.4 `production.name-regex`).
pub use lint_engine::config::DEFAULT_PRODUCTION_REGEX;

/// The subnets of the inputs, their uses and the CNI settings.
pub struct Network<'a> {
    pub subnets: Vec<Subnet<'a>>,
    /// `uses[i]` are the uses of `subnets[i]`.
    pub uses: Vec<Vec<SubnetUse>>,
    pub cni: CniSettings,
    /// Names of EKS clusters with `ip_family = "ipv6"`, by resource index.
    pub ipv6_clusters: Vec<usize>,
    /// Subnets whose CIDR cannot be evaluated and that a consumer uses (LINT000 reports them);
    /// they are not in `subnets`.
    pub unresolved: Vec<UnresolvedSubnet>,
    /// Consumers of subnets whose `count`/`for_each` cannot be evaluated (LINT000 reports
    /// them); their demand is not counted.
    pub unresolved_counts: Vec<UnresolvedCount>,
    /// Known instance counts (and where written) of consumers with `count`/`for_each`, by
    /// index into `Model::tf`.
    pub(crate) instances: HashMap<usize, (u64, Span)>,
    /// Consumers (indexes into `Model::tf`) whose instance count is unknown.
    pub(crate) uncounted: HashSet<usize>,
    /// The node groups of `terraform-aws-modules/eks` module calls.
    pub(crate) module_groups: Vec<ModuleGroup>,
    production: Option<Regex>,
    /// `subnets` by the configuration address of their resource, by vpc-module slot
    /// (module, kind) and by literal subnet ID: reference lookups cost the candidates, not
    /// every subnet of the inputs.
    /// (configuration address, directory) and (configuration address, file) of the resource.
    /// The keys are hashes ([`place_key`]): a plan can hold hundreds of thousands of subnets,
    /// and owned keys doubled the index. Lookups check each candidate's address and place.
    /// Each is built by the first lookup that needs it ([`Network::by_address`]): a reference
    /// from a plan looks in its file, one from `.tf.json` in its directory, so a run of plans
    /// alone never builds the second, and inputs without references to subnets neither.
    by_address_dir: OnceLock<PlaceMap>,
    by_address_file: OnceLock<PlaceMap>,
    /// (module, kind, directory) and (module, kind, file) of the vpc-module slot.
    by_slot_dir: PlaceMap,
    by_slot_file: PlaceMap,
    by_id: std::collections::HashMap<&'a str, Vec<usize>, foldhash::fast::RandomState>,
}

/// The vpc module's list inputs that create subnets (`<kind>_subnets`).
const VPC_MODULE_KINDS: &[&str] = &[
    "private",
    "public",
    "intra",
    "database",
    "elasticache",
    "redshift",
    "outpost",
];

/// True for a `source` of the `terraform-aws-modules/vpc` module (registry or git).
pub fn is_vpc_module_source(source: &str) -> bool {
    let s = source.to_ascii_lowercase();
    s.contains("terraform-aws-modules/vpc/") || s.contains("terraform-aws-vpc")
}

impl<'a> Network<'a> {
    /// Build the network model. With `eval`, CIDRs written as Terraform expressions
    /// (`cidrsubnet(var.vpc_cidr, 10, 12)`, `[for …]` lists) are evaluated; unknown values are
    /// skipped.
    pub fn build(model: &Model<'a>, eval: Option<&TfEvalIndex<'a>>) -> Network<'a> {
        let round = if rayon::current_num_threads() >= 2 {
            subnets::PARALLEL_SUBNETS
        } else {
            usize::MAX
        };
        Self::build_in_rounds(model, eval, round)
    }

    /// [`Network::build`], reading `aws_subnet` resources on two threads in rounds of `round`
    /// when there are at least that many (`usize::MAX`: on this thread only).
    fn build_in_rounds(
        model: &Model<'a>,
        eval: Option<&TfEvalIndex<'a>>,
        round: usize,
    ) -> Network<'a> {
        let mut net = Network {
            subnets: Vec::new(),
            uses: Vec::new(),
            cni: CniSettings::from_model(model),
            ipv6_clusters: Vec::new(),
            unresolved: Vec::new(),
            unresolved_counts: Vec::new(),
            instances: HashMap::new(),
            uncounted: HashSet::new(),
            module_groups: Vec::new(),
            production: lint_engine::config::compiled_regex(DEFAULT_PRODUCTION_REGEX).ok(),
            by_address_dir: OnceLock::new(),
            by_address_file: OnceLock::new(),
            by_slot_dir: PlaceMap::default(),
            by_slot_file: PlaceMap::default(),
            by_id: Default::default(),
        };
        let pending = net.collect_subnets(model, eval, round);
        net.index();
        net.uses = vec![Vec::new(); net.subnets.len()];
        for &i in model.tf_indexes_of_type("aws_eks_cluster") {
            let r = &model.tf[i];
            if follow(r.values, &["kubernetes_network_config", "ip_family"])
                .iter()
                .any(|n| n.as_str() == Some("ipv6"))
            {
                net.ipv6_clusters.push(i);
            }
        }
        net.collect_uses(model, eval);
        net.take_unresolved(pending);
        if let Some(ev) = eval {
            net.collect_instances(model, ev);
        }
        net
    }

    /// The number of instances of the consumers that have `count`/`for_each`: a known number
    /// multiplies their demand; an unknown one leaves them out of the sum, and LINT000 says so
    /// when they use a subnet of the inputs.
    fn collect_instances(&mut self, model: &Model<'a>, ev: &TfEvalIndex<'a>) {
        for ti in model.tf_indexes_of_types(CONSUMER_TYPES) {
            let r = &model.tf[ti];
            if r.origin != TfOrigin::Config {
                continue;
            }
            let Some((attr, node)) = r
                .attr("count")
                .map(|n| ("count", n))
                .or_else(|| r.attr("for_each").map(|n| ("for_each", n)))
            else {
                continue;
            };
            match ev.multiplicity(r) {
                Multiplicity::Known(k) => {
                    self.instances.insert(ti, (k, node.span));
                }
                Multiplicity::Unknown(unknown) => {
                    self.uncounted.insert(ti);
                    let used = self.uses.iter().flatten().any(|u| u.tf == Some(ti));
                    if used {
                        self.unresolved_counts.push(UnresolvedCount {
                            file: r.file,
                            span: node.span,
                            name: r.address.to_string(),
                            attr,
                            expr: node
                                .as_str()
                                .map(|t| expression_text(t).trim().to_string())
                                .unwrap_or_default(),
                            unknown,
                        });
                    }
                }
            }
        }
    }

    /// The lookup indexes of `subnets` (rebuilt from scratch; the address maps on their next
    /// use).
    fn index(&mut self) {
        let net = self;
        net.by_address_dir = OnceLock::new();
        net.by_address_file = OnceLock::new();
        net.by_slot_dir.clear();
        net.by_slot_file.clear();
        net.by_id.clear();
        for (i, s) in net.subnets.iter().enumerate() {
            if let Some(slot) = &s.slot {
                let (m, k) = (slot.module.as_str(), slot.kind.as_str());
                net.by_slot_dir
                    .entry(place_key(&(m, k, s.dir.as_str())))
                    .or_default()
                    .push(i);
                net.by_slot_file
                    .entry(place_key(&(m, k, s.file)))
                    .or_default()
                    .push(i);
            }
            if let Some(id) = s.id {
                net.by_id.entry(id).or_default().push(i);
            }
        }
    }

    /// The subnets of resources by (configuration address, file) when `in_file`, else by
    /// (configuration address, directory); built on first use, in subnet order.
    pub(crate) fn by_address(&self, model: &Model<'a>, in_file: bool) -> &PlaceMap {
        let cell = if in_file {
            &self.by_address_file
        } else {
            &self.by_address_dir
        };
        cell.get_or_init(|| {
            // Nearly every subnet of a plan is a resource: sized once, not grown by rehashing.
            let n = self.subnets.iter().filter(|s| s.resource.is_some()).count();
            let mut map = PlaceMap::with_capacity_and_hasher(n, Default::default());
            for (i, s) in self.subnets.iter().enumerate() {
                if let Some(ri) = s.resource {
                    let r = &model.tf[ri];
                    let a = r.config_address.as_str();
                    let key = if in_file {
                        place_key(&(a, r.file))
                    } else {
                        place_key(&(a, r.dir.as_str()))
                    };
                    map.entry(key).or_default().push(i);
                }
            }
            map
        })
    }

    fn node_group_is_ipv6(&self, model: &Model<'a>, r: &TfResource<'a>) -> bool {
        if self.ipv6_clusters.is_empty() {
            return false;
        }
        self.cluster_of(model, r)
            .is_some_and(|c| self.ipv6_clusters.contains(&c))
    }

    /// The `aws_eks_cluster` a node group or Fargate profile belongs to (index into `Model::tf`).
    pub fn cluster_of(&self, model: &Model<'a>, r: &TfResource<'a>) -> Option<usize> {
        for rf in r.refs_at(&["cluster_name"]) {
            if rf.address.starts_with("aws_eks_cluster.") {
                if let Some(c) = model.resolve_tf(r, &rf.address) {
                    return model.tf_index(c);
                }
            }
        }
        let name = r.attr("cluster_name").and_then(Node::as_str)?;
        model
            .tf_of_type("aws_eks_cluster")
            .find(|c| c.attr("name").and_then(Node::as_str) == Some(name))
            .and_then(|c| model.tf_index(c))
    }

    /// True when a subnet is production by the default heuristic: its file path, tags
    /// (`Environment`/`env` = prod/production) or the names of what uses it.
    pub fn is_production(&self, model: &Model<'a>, subnet: usize) -> bool {
        let Some(s) = self.subnets.get(subnet) else {
            return false;
        };
        let is_prod = |t: &str| self.production.as_ref().is_some_and(|re| re.is_match(t));
        if is_prod(&model.file(s.file).name) {
            return true;
        }
        for (k, v) in &s.tags {
            if matches!(*k, "Environment" | "environment" | "env" | "Env")
                && matches!(v.to_ascii_lowercase().as_str(), "prod" | "production")
            {
                return true;
            }
        }
        self.uses[subnet]
            .iter()
            .flat_map(|u| u.names.iter())
            .any(|n| is_prod(n))
    }

    /// The strongest role of a subnet, `None` when nothing in the inputs uses it.
    pub fn main_role(&self, subnet: usize) -> Option<Role> {
        self.uses.get(subnet)?.iter().map(|u| u.role).max()
    }

    pub fn roles(&self, subnet: usize) -> BTreeSet<Role> {
        self.uses
            .get(subnet)
            .map(|u| u.iter().map(|x| x.role).collect())
            .unwrap_or_default()
    }
}

/// Subnets (indexes) by the hash of a place ([`place_key`]); a lookup checks each candidate.
type PlaceMap = std::collections::HashMap<u64, Vec<usize>, foldhash::fast::RandomState>;

/// The key of a subnet lookup index: a hash of what identifies the place (an address or a
/// vpc-module slot, with a directory or a file). Equal places give equal keys; a lookup checks
/// every candidate, so a collision costs a comparison, never a wrong subnet.
pub(crate) fn place_key(place: &impl std::hash::Hash) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0).hash_one(place)
}

impl lint_engine::shared::Fact for Network<'static> {
    type Value<'m, 'a: 'm> = Network<'a>;
    fn build<'m, 'a: 'm>(cx: &lint_engine::shared::FactContext<'m, 'a>) -> Network<'a> {
        Network::build(cx.model, Some(cx.get::<TfEval>()))
    }
}
