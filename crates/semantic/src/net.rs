//! The network model: IPv4 CIDR arithmetic, the subnets of the inputs, what uses each subnet,
//! the VPC CNI settings and the per-subnet peak IP demand. NET001/NET002 read it; NET003/NET004
//! can reuse it.
//!
//! Subnets come from `aws_subnet` resources (`.tf.json`, plans and state, child modules of plans
//! included) and from the list inputs of `terraform-aws-modules/vpc` module calls in `.tf.json`
//! (`private_subnets = ["10.0.1.0/24", …]`). A plan expands that module into
//! `module.<name>.aws_subnet.<kind>[i]` resources; those carry the module slot, so a reference to
//! `module.vpc.private_subnets[0]` finds them and nothing is counted twice.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use regex::Regex;

use lint_engine::config::Config;
use lint_engine::doc::{Node, Value};
use lint_engine::finding::Label;
use lint_engine::model::{follow, plan_references};
use lint_engine::model::{K8sObject, Model, TfMode, TfOrigin, TfResource};
use lint_engine::source::{FileId, Span};
use lint_engine::tfref::{parse_refs, TfRef};

// ---------------------------------------------------------------------------------------------
// CIDR arithmetic
// ---------------------------------------------------------------------------------------------

/// An IPv4 CIDR block as written (`10.0.1.0/24`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub addr: u32,
    pub prefix: u8,
}

impl Cidr {
    /// Parse `a.b.c.d/n`; `None` for anything else (IPv6, interpolations, junk).
    pub fn parse(s: &str) -> Option<Cidr> {
        let (a, p) = s.trim().split_once('/')?;
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let prefix: u8 = p.parse().ok()?;
        if prefix > 32 {
            return None;
        }
        let mut octets = [0u8; 4];
        let mut parts = a.split('.');
        for o in &mut octets {
            let t = parts.next()?;
            if t.is_empty() || t.len() > 3 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            *o = t.parse().ok()?;
        }
        if parts.next().is_some() {
            return None;
        }
        Some(Cidr {
            addr: u32::from_be_bytes(octets),
            prefix,
        })
    }

    /// All addresses in the block: 2^(32−n).
    pub fn addresses(self) -> u64 {
        1u64 << (32 - u32::from(self.prefix))
    }

    /// Addresses AWS lets you use in a subnet: 2^(32−n) − 5 (the first four and the last are
    /// reserved; CreateSubnet API).
    pub fn usable(self) -> u64 {
        self.addresses().saturating_sub(5)
    }

    /// Fully free aligned /28 blocks before any allocation: 2^(28−n) − 2 for n ≤ 27 (the first
    /// and last /28 hold reserved addresses), else 0. Catalog §9.2 (derived).
    pub fn free_prefix_blocks(self) -> u64 {
        if self.prefix <= 27 {
            (1u64 << (28 - u32::from(self.prefix))).saturating_sub(2)
        } else {
            0
        }
    }

    /// The network address (host bits cleared).
    pub fn network(self) -> u32 {
        self.addr & self.mask()
    }

    pub fn mask(self) -> u32 {
        if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(self.prefix))
        }
    }

    /// True when `other` lies inside this block.
    pub fn contains(self, other: Cidr) -> bool {
        other.prefix >= self.prefix && other.network() & self.mask() == self.network()
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.addr.to_be_bytes();
        write!(f, "{a}.{b}.{c}.{d}/{}", self.prefix)
    }
}

// ---------------------------------------------------------------------------------------------
// Instance types (catalog §9.3)
// ---------------------------------------------------------------------------------------------

/// ENI and IP limits of an EC2 instance type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceLimits {
    pub vcpu: u32,
    /// Maximum network interfaces.
    pub enis: u64,
    /// IPv4 addresses per interface (primary included).
    pub ipv4_per_eni: u64,
}

impl InstanceLimits {
    /// `eni-max-pods.txt`: ENIs × (IPv4/ENI − 1) + 2.
    pub fn max_pods(self) -> u64 {
        self.enis * (self.ipv4_per_eni.saturating_sub(1)) + 2
    }
    /// Secondary IPs usable by pods (the formula without the +2 host-network pods).
    pub fn pod_ips(self) -> u64 {
        self.enis * (self.ipv4_per_eni.saturating_sub(1))
    }
}

/// ENI/IP limits for common instance families.
///
/// Source: `pkg/vpc/vpc_ip_resource_limit.go` in <https://github.com/aws/amazon-vpc-cni-k8s>
/// (commit b521883, generated from the EC2 API), cross-checked with `eni-max-pods.txt` in
/// <https://github.com/awslabs/amazon-eks-ami> (`nodeadm/internal/kubelet/eni-max-pods.txt`),
/// as tabulated in the rule catalog §9.3. Types not listed are unknown: rules report them
/// instead of guessing.
const INSTANCE_TABLE: &[(&str, u32, u64, u64)] = &[
    ("t3.small", 2, 3, 4),
    ("t3.medium", 2, 3, 6),
    ("t3.large", 2, 3, 12),
    ("t3.xlarge", 4, 4, 15),
    ("t3.2xlarge", 8, 4, 15),
    ("t4g.medium", 2, 3, 6),
    ("t4g.large", 2, 3, 12),
    ("m5.large", 2, 3, 10),
    ("m6i.large", 2, 3, 10),
    ("m7i.large", 2, 3, 10),
    ("m6g.large", 2, 3, 10),
    ("m7g.large", 2, 3, 10),
    ("m5.xlarge", 4, 4, 15),
    ("m6i.xlarge", 4, 4, 15),
    ("m7i.xlarge", 4, 4, 15),
    ("m6g.xlarge", 4, 4, 15),
    ("m7g.xlarge", 4, 4, 15),
    ("m5.2xlarge", 8, 4, 15),
    ("m6i.2xlarge", 8, 4, 15),
    ("m7i.2xlarge", 8, 4, 15),
    ("m7g.2xlarge", 8, 4, 15),
    ("m5.4xlarge", 16, 8, 30),
    ("m6i.4xlarge", 16, 8, 30),
    ("m5.8xlarge", 32, 8, 30),
    ("m6i.8xlarge", 32, 8, 30),
    ("c5.large", 2, 3, 10),
    ("c6i.large", 2, 3, 10),
    ("c6g.large", 2, 3, 10),
    ("c7g.large", 2, 3, 10),
    ("c7i.large", 2, 3, 10),
    ("c5.xlarge", 4, 4, 15),
    ("c6i.xlarge", 4, 4, 15),
    ("c6g.xlarge", 4, 4, 15),
    ("c7g.xlarge", 4, 4, 15),
    ("c7i.xlarge", 4, 4, 15),
    ("c5.2xlarge", 8, 4, 15),
    ("c6i.2xlarge", 8, 4, 15),
    ("c5.4xlarge", 16, 8, 30),
    ("c6i.4xlarge", 16, 8, 30),
    ("c5.9xlarge", 36, 8, 30),
    ("c5.18xlarge", 72, 15, 50),
    ("r5.large", 2, 3, 10),
    ("r6i.large", 2, 3, 10),
    ("r5.xlarge", 4, 4, 15),
    ("r6i.xlarge", 4, 4, 15),
    ("r5.2xlarge", 8, 4, 15),
    ("r6i.2xlarge", 8, 4, 15),
];

/// Limits of an instance type from the table, `None` when unknown.
pub fn instance_limits(instance_type: &str) -> Option<InstanceLimits> {
    let t = instance_type.trim();
    INSTANCE_TABLE
        .iter()
        .find(|(n, ..)| *n == t)
        .map(|&(_, vcpu, enis, ipv4_per_eni)| InstanceLimits {
            vcpu,
            enis,
            ipv4_per_eni,
        })
}

/// The AWS provider's default for `aws_eks_node_group.instance_types`.
pub const DEFAULT_NODE_GROUP_INSTANCE_TYPE: &str = "t3.medium";

// ---------------------------------------------------------------------------------------------
// VPC CNI settings (catalog §9.10)
// ---------------------------------------------------------------------------------------------

/// Where a setting came from.
#[derive(Debug, Clone)]
pub struct SettingSource {
    pub file: FileId,
    pub span: Span,
    /// `aws_eks_addon.vpc_cni` or `DaemonSet/kube-system/aws-node`.
    pub what: String,
}

/// The VPC CNI knobs the network rules read. Unset values mean the CNI default.
#[derive(Debug, Clone, Default)]
pub struct CniSettings {
    pub prefix_delegation: bool,
    pub warm_eni_target: Option<u64>,
    pub warm_ip_target: Option<u64>,
    pub minimum_ip_target: Option<u64>,
    pub warm_prefix_target: Option<u64>,
    pub custom_networking: bool,
    pub source: Option<SettingSource>,
    /// A `vpc-cni` add-on whose `configuration_values` cannot be read statically
    /// (`${jsonencode(…)}`, a variable): the defaults above may be wrong.
    pub unresolved: Option<SettingSource>,
}

impl CniSettings {
    fn apply(&mut self, key: &str, val: &str) {
        let v = val.trim();
        let num = v.parse::<u64>().ok();
        let on = v.eq_ignore_ascii_case("true");
        match key {
            "ENABLE_PREFIX_DELEGATION" => self.prefix_delegation = on,
            "WARM_ENI_TARGET" => self.warm_eni_target = num,
            "WARM_IP_TARGET" => self.warm_ip_target = num.filter(|n| *n > 0),
            "MINIMUM_IP_TARGET" => self.minimum_ip_target = num.filter(|n| *n > 0),
            "WARM_PREFIX_TARGET" => self.warm_prefix_target = num,
            "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG" => self.custom_networking = on,
            _ => {}
        }
    }

    /// Subnet IPv4 addresses one node takes with `pods` pods using VPC IPs.
    ///
    /// * Secondary-IP mode, `WARM_IP_TARGET`/`MINIMUM_IP_TARGET` set: the attached ENIs'
    ///   primary addresses plus max(pods + WARM_IP_TARGET, MINIMUM_IP_TARGET) secondary ones.
    /// * Secondary-IP mode otherwise: min(ENIs, ceil(pods/(IPv4−1)) + WARM_ENI_TARGET) whole
    ///   ENIs (catalog NET002 table).
    /// * Prefix mode: attached ENIs + 16 × (ceil(pods/16) + WARM_PREFIX_TARGET), the warm
    ///   prefix target defaulting to 1 as in the VPC CNI manifest.
    pub fn node_ips(&self, it: InstanceLimits, pods: u64) -> u64 {
        let per = it.ipv4_per_eni.saturating_sub(1).max(1);
        if self.prefix_delegation {
            let extra = match self.warm_ip_target.or(self.minimum_ip_target) {
                Some(_) => {
                    let want = pods
                        .saturating_add(self.warm_ip_target.unwrap_or(0))
                        .max(self.minimum_ip_target.unwrap_or(0));
                    want.div_ceil(16).saturating_sub(pods.div_ceil(16))
                }
                None => self.warm_prefix_target.unwrap_or(1),
            };
            let prefixes = pods.div_ceil(16).saturating_add(extra).min(it.enis * per);
            let enis = prefixes.div_ceil(per).clamp(1, it.enis);
            enis + 16 * prefixes
        } else if self.warm_ip_target.is_some() || self.minimum_ip_target.is_some() {
            let want = pods
                .saturating_add(self.warm_ip_target.unwrap_or(0))
                .max(self.minimum_ip_target.unwrap_or(0))
                .min(it.enis * per);
            let enis = want.div_ceil(per).clamp(1, it.enis);
            enis + want
        } else {
            let warm = self.warm_eni_target.unwrap_or(1);
            let enis = pods.div_ceil(per).saturating_add(warm).clamp(1, it.enis);
            enis * it.ipv4_per_eni
        }
    }

    /// Pods a node can run that use VPC addresses.
    pub fn pod_capacity(&self, it: InstanceLimits) -> u64 {
        if self.prefix_delegation {
            // The max-pods calculator ceiling: 110 up to 30 vCPU, 250 above.
            let ceiling = if it.vcpu <= 30 { 110 } else { 250 };
            (it.enis * it.ipv4_per_eni.saturating_sub(1) * 16).min(ceiling)
        } else {
            it.pod_ips()
        }
    }

    /// Read the settings: the `vpc-cni` add-on's `configuration_values.env` first, then the
    /// `aws-node` DaemonSet's container env for what the add-on does not set. ENIConfig objects
    /// in the inputs also mean custom networking.
    pub fn from_model(model: &Model<'_>) -> CniSettings {
        let mut s = CniSettings::default();
        let mut seen: Vec<String> = Vec::new();
        for r in model.tf_of_type("aws_eks_addon") {
            if r.attr("addon_name").and_then(Node::as_str) != Some("vpc-cni") {
                continue;
            }
            let Some(cv) = r.attr("configuration_values") else {
                continue;
            };
            let Some(doc) = cv.embedded_doc() else {
                if cv.as_str().is_some_and(|t| !t.trim().is_empty()) {
                    s.unresolved = Some(SettingSource {
                        file: r.file,
                        span: cv.span,
                        what: format!("`{}`", r.address),
                    });
                }
                continue;
            };
            let Some(env) = doc.get("env") else {
                continue;
            };
            for m in env.as_map().unwrap_or(&[]) {
                if let Some(v) = m.value.scalar_text() {
                    s.apply(&m.key, &v);
                    seen.push(m.key.clone());
                }
            }
            s.source = Some(SettingSource {
                file: r.file,
                span: cv.span,
                what: format!("`{}`", r.address),
            });
        }
        for o in model.k8s_of_kind("DaemonSet") {
            if o.name != Some("aws-node") {
                continue;
            }
            let containers = o
                .node
                .path(&["spec", "template", "spec", "containers"])
                .and_then(Node::as_seq)
                .unwrap_or(&[]);
            for c in containers {
                if c.get("name").and_then(Node::as_str) != Some("aws-node") {
                    continue;
                }
                for e in c.get("env").and_then(Node::as_seq).unwrap_or(&[]) {
                    let (Some(k), Some(v)) = (
                        e.get("name").and_then(Node::as_str),
                        e.get("value").and_then(Node::scalar_text),
                    ) else {
                        continue;
                    };
                    if !seen.iter().any(|x| x == k) {
                        s.apply(k, &v);
                    }
                }
                if s.source.is_none() {
                    s.source = Some(SettingSource {
                        file: o.file,
                        span: o.anchor(),
                        what: format!("`{}`", o.logical()),
                    });
                }
            }
        }
        if model.k8s_of_kind("ENIConfig").next().is_some() {
            s.custom_networking = true;
        }
        s
    }
}

// ---------------------------------------------------------------------------------------------
// Subnets and their roles
// ---------------------------------------------------------------------------------------------

/// A subnet of a `terraform-aws-modules/vpc` module: `module.<module>.<kind>_subnets[index]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleSlot {
    pub module: String,
    /// `private`, `public`, `intra`, `database`, …
    pub kind: String,
    pub index: usize,
}

/// One IPv4 subnet of the inputs.
#[derive(Debug, Clone)]
pub struct Subnet<'a> {
    pub file: FileId,
    /// `aws_subnet.pods_a`, `module.vpc.aws_subnet.private[0]` or `module.vpc.private_subnets[0]`.
    pub name: String,
    pub cidr: Cidr,
    pub cidr_node: &'a Node,
    pub az: Option<String>,
    /// The subnet ID (plans and state only).
    pub id: Option<&'a str>,
    pub tags: Vec<(String, String)>,
    /// Index into `Model::tf` for `aws_subnet` resources.
    pub resource: Option<usize>,
    pub slot: Option<ModuleSlot>,
    /// Directory of the file (a Terraform module for `.tf.json`).
    pub dir: String,
    /// Module path of the resource in a plan (`module.network`), empty at the root.
    pub module: String,
}

impl Subnet<'_> {
    pub fn cidr_span(&self) -> Span {
        self.cidr_node.span
    }
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// What a subnet is used for. Ordered by how much address space the use needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Load balancers (`aws_lb.subnets`, `kubernetes.io/role/elb` tags): not modelled.
    LoadBalancer,
    /// Interface VPC endpoints: one address per endpoint.
    Endpoint,
    /// EKS control-plane ENIs (`aws_eks_cluster.vpc_config.subnet_ids`).
    Cluster,
    /// Node primary addresses only: pods get theirs elsewhere (custom networking) or are IPv6.
    NodesOnly,
    /// ECS awsvpc tasks, one address each.
    EcsTasks,
    /// EKS pods: node groups (secondary-IP mode), Fargate profiles, ENIConfig subnets,
    /// Karpenter-discovered subnets.
    Pods,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::LoadBalancer => "load balancers",
            Role::Endpoint => "VPC endpoints",
            Role::Cluster => "EKS cluster",
            Role::NodesOnly => "EKS nodes",
            Role::EcsTasks => "ECS tasks",
            Role::Pods => "EKS pods",
        }
    }
}

/// One use of a subnet.
#[derive(Debug, Clone)]
pub struct SubnetUse {
    pub role: Role,
    /// Where the use is written (the consumer's reference, or the tag).
    pub file: FileId,
    pub span: Span,
    /// `node group `aws_eks_node_group.main`` and the like, for labels.
    pub what: String,
    /// Names that decide whether the use is production (cluster, service, node group names).
    pub names: Vec<String>,
    /// The consumer, when it is a Terraform resource (index into `Model::tf`).
    pub tf: Option<usize>,
    /// The consumer, when it is a Kubernetes object (index into `Model::k8s`).
    pub k8s: Option<usize>,
}

/// The default production heuristic of the catalog (§0.4 `production.name_regex`).
pub const DEFAULT_PRODUCTION_REGEX: &str = r"(^|[-_./])(prod|prd|production)([-_./]|$)";

/// The subnets of the inputs, their uses and the CNI settings.
pub struct Network<'a> {
    pub subnets: Vec<Subnet<'a>>,
    /// `uses[i]` are the uses of `subnets[i]`.
    pub uses: Vec<Vec<SubnetUse>>,
    pub cni: CniSettings,
    /// Names of EKS clusters with `ip_family = "ipv6"`, by resource index.
    pub ipv6_clusters: Vec<usize>,
    production: Option<Regex>,
    /// `subnets` by the configuration address of their resource, by vpc-module slot
    /// (module, kind) and by literal subnet ID: reference lookups cost the candidates, not
    /// every subnet of the inputs.
    /// (configuration address, directory) and (configuration address, file) of the resource.
    by_address_dir: HashMap<(String, String), Vec<usize>>,
    by_address_file: HashMap<(String, FileId), Vec<usize>>,
    /// (module, kind, directory) and (module, kind, file) of the vpc-module slot.
    by_slot_dir: HashMap<(String, String, String), Vec<usize>>,
    by_slot_file: HashMap<(String, String, FileId), Vec<usize>>,
    by_id: HashMap<&'a str, Vec<usize>>,
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
    pub fn build(model: &Model<'a>) -> Network<'a> {
        let mut net = Network {
            subnets: Vec::new(),
            uses: Vec::new(),
            cni: CniSettings::from_model(model),
            ipv6_clusters: Vec::new(),
            production: Regex::new(DEFAULT_PRODUCTION_REGEX).ok(),
            by_address_dir: HashMap::new(),
            by_address_file: HashMap::new(),
            by_slot_dir: HashMap::new(),
            by_slot_file: HashMap::new(),
            by_id: HashMap::new(),
        };
        net.collect_subnets(model);
        for (i, s) in net.subnets.iter().enumerate() {
            if let Some(ri) = s.resource {
                let r = &model.tf[ri];
                net.by_address_dir
                    .entry((r.config_address.clone(), r.dir.clone()))
                    .or_default()
                    .push(i);
                net.by_address_file
                    .entry((r.config_address.clone(), r.file))
                    .or_default()
                    .push(i);
            }
            if let Some(slot) = &s.slot {
                net.by_slot_dir
                    .entry((slot.module.clone(), slot.kind.clone(), s.dir.clone()))
                    .or_default()
                    .push(i);
                net.by_slot_file
                    .entry((slot.module.clone(), slot.kind.clone(), s.file))
                    .or_default()
                    .push(i);
            }
            if let Some(id) = s.id {
                net.by_id.entry(id).or_default().push(i);
            }
        }
        net.uses = vec![Vec::new(); net.subnets.len()];
        for (i, r) in model.tf.iter().enumerate() {
            if r.rtype == "aws_eks_cluster"
                && r.mode == TfMode::Managed
                && follow(r.values, &["kubernetes_network_config", "ip_family"])
                    .iter()
                    .any(|n| n.as_str() == Some("ipv6"))
            {
                net.ipv6_clusters.push(i);
            }
        }
        net.collect_uses(model);
        net
    }

    fn collect_subnets(&mut self, model: &Model<'a>) {
        for (i, r) in model.tf.iter().enumerate() {
            if r.rtype != "aws_subnet" || r.mode != TfMode::Managed {
                continue;
            }
            let Some(cn) = r.attr("cidr_block") else {
                continue;
            };
            let Some(cidr) = cn.as_str().and_then(Cidr::parse) else {
                continue;
            };
            self.subnets.push(Subnet {
                file: r.file,
                name: r.address.clone(),
                cidr,
                cidr_node: cn,
                az: r
                    .attr("availability_zone")
                    .and_then(Node::as_str)
                    .filter(|s| !s.contains("${"))
                    .map(str::to_string),
                id: r
                    .attr("id")
                    .and_then(Node::as_str)
                    .filter(|s| s.starts_with("subnet-")),
                tags: tags_of(r.attr("tags")),
                resource: Some(i),
                slot: module_slot_of(&r.address),
                dir: r.dir.clone(),
                module: r.module.clone(),
            });
        }
        // vpc module inputs in `.tf.json` (plans expand the module into aws_subnet resources).
        for mc in &model.tf_modules {
            if mc.origin != TfOrigin::Config || !mc.source.is_some_and(is_vpc_module_source) {
                continue;
            }
            let azs: Vec<&str> = mc
                .input("azs")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(Node::as_str)
                .collect();
            let common = tags_of(mc.input("tags"));
            for kind in VPC_MODULE_KINDS {
                let Some(list) = mc.input(&format!("{kind}_subnets")).and_then(Node::as_seq) else {
                    continue;
                };
                let mut tags = common.clone();
                for (k, v) in tags_of(mc.input(&format!("{kind}_subnet_tags"))) {
                    tags.retain(|(x, _)| *x != k);
                    tags.push((k, v));
                }
                for (index, item) in list.iter().enumerate() {
                    let Some(cidr) = item.as_str().and_then(Cidr::parse) else {
                        continue;
                    };
                    let az = (!azs.is_empty())
                        .then(|| azs[index % azs.len()])
                        .filter(|s| !s.contains("${"))
                        .map(str::to_string);
                    self.subnets.push(Subnet {
                        file: mc.file,
                        name: format!("module.{}.{kind}_subnets[{index}]", mc.name),
                        cidr,
                        cidr_node: item,
                        az,
                        id: None,
                        tags: tags.clone(),
                        resource: None,
                        slot: Some(ModuleSlot {
                            module: mc.name.to_string(),
                            kind: kind.to_string(),
                            index,
                        }),
                        dir: mc.dir.clone(),
                        module: String::new(),
                    });
                }
            }
        }
    }

    fn add_use(&mut self, subnet: usize, u: SubnetUse) {
        if let Some(list) = self.uses.get_mut(subnet) {
            if !list
                .iter()
                .any(|x| x.role == u.role && x.tf == u.tf && x.tf.is_some())
            {
                list.push(u);
            }
        }
    }

    fn collect_uses(&mut self, model: &Model<'a>) {
        // Tags.
        for i in 0..self.subnets.len() {
            let s = &self.subnets[i];
            let mut found = Vec::new();
            for (k, v) in &s.tags {
                let role = match k.as_str() {
                    "kubernetes.io/role/elb" | "kubernetes.io/role/internal-elb" => {
                        Role::LoadBalancer
                    }
                    "karpenter.sh/discovery" => Role::Pods,
                    _ => continue,
                };
                if v == "0" {
                    continue;
                }
                found.push(SubnetUse {
                    role,
                    file: s.file,
                    span: s.cidr_span(),
                    what: format!("tag `{k}`"),
                    names: vec![v.clone()],
                    tf: None,
                    k8s: None,
                });
            }
            for u in found {
                self.add_use(i, u);
            }
        }
        // Terraform consumers.
        for (ti, r) in model.tf.iter().enumerate() {
            if r.mode != TfMode::Managed {
                continue;
            }
            let (role, path, what): (Role, &[&str], &str) = match r.rtype {
                "aws_eks_node_group" => {
                    let role = if self.cni.custom_networking || self.node_group_is_ipv6(model, r) {
                        Role::NodesOnly
                    } else {
                        Role::Pods
                    };
                    (role, &["subnet_ids"], "node group")
                }
                "aws_eks_fargate_profile" => {
                    let role = if self.node_group_is_ipv6(model, r) {
                        Role::NodesOnly
                    } else {
                        Role::Pods
                    };
                    (role, &["subnet_ids"], "Fargate profile")
                }
                "aws_eks_cluster" => (Role::Cluster, &["vpc_config", "subnet_ids"], "EKS cluster"),
                "aws_ecs_service" => {
                    if !ecs_service_uses_awsvpc(model, r) {
                        continue;
                    }
                    (
                        Role::EcsTasks,
                        &["network_configuration", "subnets"],
                        "ECS service",
                    )
                }
                "aws_vpc_endpoint" => {
                    let t = r
                        .attr("vpc_endpoint_type")
                        .and_then(Node::as_str)
                        .unwrap_or("Gateway");
                    if !t.eq_ignore_ascii_case("Interface") {
                        continue;
                    }
                    (Role::Endpoint, &["subnet_ids"], "VPC endpoint")
                }
                "aws_lb" | "aws_alb" | "aws_elb" => {
                    (Role::LoadBalancer, &["subnets"], "load balancer")
                }
                _ => continue,
            };
            let names = consumer_names(model, r);
            for (si, span) in self.referenced_subnets(model, r, path) {
                self.add_use(
                    si,
                    SubnetUse {
                        role,
                        file: r.file,
                        span,
                        what: format!("{what} `{}`", r.address),
                        names: names.clone(),
                        tf: Some(ti),
                        k8s: None,
                    },
                );
            }
            if r.rtype == "aws_lb" || r.rtype == "aws_alb" {
                for m in follow(r.values, &["subnet_mapping", "subnet_id"]) {
                    for si in self.subnets_from_strings(model, r, m) {
                        self.add_use(
                            si,
                            SubnetUse {
                                role: Role::LoadBalancer,
                                file: r.file,
                                span: m.span,
                                what: format!("load balancer `{}`", r.address),
                                names: Vec::new(),
                                tf: Some(ti),
                                k8s: None,
                            },
                        );
                    }
                }
            }
        }
        // Kubernetes: ENIConfig (custom networking) and Karpenter EC2NodeClass selectors.
        for (ki, o) in model.k8s.iter().enumerate() {
            match o.kind {
                "ENIConfig" => {
                    let Some(sn) = o.node.path(&["spec", "subnet"]) else {
                        continue;
                    };
                    let Some(id) = sn.as_str() else { continue };
                    for si in self.subnets_by_id(id, None) {
                        self.add_use(
                            si,
                            SubnetUse {
                                role: Role::Pods,
                                file: o.file,
                                span: sn.span,
                                what: format!("`{}`", o.logical()),
                                names: o.name.map(str::to_string).into_iter().collect(),
                                tf: None,
                                k8s: Some(ki),
                            },
                        );
                    }
                }
                "EC2NodeClass" => self.node_class_uses(ki, o),
                _ => {}
            }
        }
    }

    fn node_class_uses(&mut self, ki: usize, o: &K8sObject<'a>) {
        let terms = o
            .node
            .path(&["spec", "subnetSelectorTerms"])
            .and_then(Node::as_seq)
            .unwrap_or(&[]);
        for t in terms {
            let mut hits: Vec<usize> = Vec::new();
            if let Some(id) = t.get("id").and_then(Node::as_str) {
                hits.extend(self.subnets_by_id(id, None));
            } else if let Some(tags) = t.get("tags").and_then(Node::as_map) {
                if tags.is_empty() {
                    continue;
                }
                for (i, s) in self.subnets.iter().enumerate() {
                    let all = tags
                        .iter()
                        .all(|m| match (s.tag(&m.key), m.value.as_str()) {
                            (Some(_), Some("*")) => true,
                            (Some(v), Some(want)) => v == want,
                            _ => false,
                        });
                    if all {
                        hits.push(i);
                    }
                }
            }
            for si in hits {
                self.add_use(
                    si,
                    SubnetUse {
                        role: Role::Pods,
                        file: o.file,
                        span: t.span,
                        what: format!("`{}`", o.logical()),
                        names: o.name.map(str::to_string).into_iter().collect(),
                        tf: None,
                        k8s: Some(ki),
                    },
                );
            }
        }
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

    /// Subnets with this ID (plans and state): the same file first, then anywhere.
    fn subnets_by_id(&self, id: &str, file: Option<FileId>) -> Vec<usize> {
        let all: Vec<usize> = self.by_id.get(id).cloned().unwrap_or_default();
        if let Some(f) = file {
            let same: Vec<usize> = all
                .iter()
                .copied()
                .filter(|&i| self.subnets[i].file == f)
                .collect();
            if !same.is_empty() {
                return same;
            }
        }
        all
    }

    /// The subnets a consumer's attribute names, with the span of each reference.
    pub fn referenced_subnets(
        &self,
        model: &Model<'a>,
        r: &TfResource<'a>,
        path: &[&str],
    ) -> Vec<(usize, Span)> {
        let mut out: Vec<(usize, Span)> = Vec::new();
        let push = |si: usize, span: Span, out: &mut Vec<(usize, Span)>| {
            if !out.iter().any(|(s, _)| *s == si) {
                out.push((si, span));
            }
        };
        let nodes = follow(r.values, path);
        for n in &nodes {
            let mut strings = Vec::new();
            collect_strings(n, &mut strings);
            for s in strings {
                for si in self.subnets_from_strings(model, r, s) {
                    push(si, s.span, &mut out);
                }
            }
        }
        if out.is_empty() {
            if let Some(ex) = r.expressions {
                let span = nodes.first().map(|n| n.span).unwrap_or(r.anchor);
                let refs: Vec<TfRef> = follow(ex, path)
                    .into_iter()
                    .flat_map(plan_references)
                    .collect();
                for si in self.subnets_from_refs(model, r, &refs) {
                    push(si, span, &mut out);
                }
            }
        }
        out
    }

    /// Subnets named by one string value: a literal `subnet-…` ID, or interpolations.
    fn subnets_from_strings(&self, model: &Model<'a>, r: &TfResource<'a>, s: &Node) -> Vec<usize> {
        let Some(text) = s.as_str() else {
            return Vec::new();
        };
        if text.contains("${") {
            self.subnets_from_refs(model, r, &parse_refs(text))
        } else if text.starts_with("subnet-") {
            self.subnets_by_id(text, Some(r.file))
        } else {
            Vec::new()
        }
    }

    /// Subnets named by reference expressions (`aws_subnet.a.id`, `aws_subnet.a[0]`,
    /// `module.vpc.private_subnets[1]`, `module.vpc.private_subnets`). When a plan lists both an
    /// indexed reference and its unindexed parent, the indexed one wins.
    fn subnets_from_refs(
        &self,
        model: &Model<'a>,
        r: &TfResource<'a>,
        refs: &[TfRef],
    ) -> Vec<usize> {
        let mut out = Vec::new();
        let parsed: Vec<SubnetRef> = refs.iter().filter_map(SubnetRef::of).collect();
        for rf in &parsed {
            if rf.index.is_none()
                && parsed
                    .iter()
                    .any(|o| o.index.is_some() && o.base == rf.base)
            {
                continue;
            }
            if let Some(name) = rf.base.strip_prefix("aws_subnet.") {
                let addr = format!("aws_subnet.{name}");
                let full = lint_engine::model::qualify(&r.module, &addr);
                let cands = match r.origin {
                    TfOrigin::Plan => self.by_address_file.get(&(full, r.file)),
                    TfOrigin::Config => self.by_address_dir.get(&(full, r.dir.clone())),
                };
                for &i in cands.into_iter().flatten() {
                    let s = &self.subnets[i];
                    let Some(ri) = s.resource else { continue };
                    let sr = &model.tf[ri];
                    let same_place = match r.origin {
                        TfOrigin::Plan => sr.file == r.file,
                        TfOrigin::Config => sr.dir == r.dir,
                    };
                    if !same_place {
                        continue;
                    }
                    let idx_ok = match rf.index {
                        Some(n) => sr.address.ends_with(&format!("[{n}]")),
                        None => true,
                    };
                    if idx_ok && !out.contains(&i) {
                        out.push(i);
                    }
                }
            } else if let Some(rest) = rf.base.strip_prefix("module.") {
                let Some((module, output)) = rest.split_once('.') else {
                    continue;
                };
                let Some(kind) = output.strip_suffix("_subnets") else {
                    continue;
                };
                let (module, kind) = (module.to_string(), kind.to_string());
                let cands = match r.origin {
                    TfOrigin::Plan => self.by_slot_file.get(&(module, kind, r.file)),
                    TfOrigin::Config => self.by_slot_dir.get(&(module, kind, r.dir.clone())),
                };
                for &i in cands.into_iter().flatten() {
                    let s = &self.subnets[i];
                    let Some(slot) = &s.slot else { continue };
                    let same_place = match r.origin {
                        TfOrigin::Plan => s.file == r.file,
                        TfOrigin::Config => s.dir == r.dir,
                    };
                    if !same_place {
                        continue;
                    }
                    if rf.index.is_none_or(|n| n == slot.index) && !out.contains(&i) {
                        out.push(i);
                    }
                }
            }
        }
        out
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
            if matches!(k.as_str(), "Environment" | "environment" | "env" | "Env")
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

/// Cluster, service and node group names of a consumer (for the production heuristic).
fn consumer_names(model: &Model<'_>, r: &TfResource<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for key in [
        "name",
        "cluster_name",
        "node_group_name",
        "fargate_profile_name",
    ] {
        if let Some(v) = r.attr(key).and_then(Node::as_str) {
            if !v.contains("${") {
                out.push(v.to_string());
            }
        }
    }
    for key in ["cluster", "cluster_name"] {
        for rf in r.resource_refs_at(&[key]) {
            if let Some(c) = model.resolve_tf(r, &rf.address) {
                if let Some(n) = c.attr("name").and_then(Node::as_str) {
                    out.push(n.to_string());
                }
            }
        }
    }
    out.push(r.name.to_string());
    out
}

/// False when the service's task definition uses `bridge`/`host`/`none` (no per-task IP). A
/// service with `network_configuration` is awsvpc (the block is only valid there).
pub fn ecs_service_uses_awsvpc(model: &Model<'_>, svc: &TfResource<'_>) -> bool {
    for rf in svc.resource_refs_at(&["task_definition"]) {
        if let Some(td) = model.resolve_tf(svc, &rf.address) {
            if let Some(mode) = td.attr("network_mode").and_then(Node::as_str) {
                if !mode.contains("${") {
                    return mode == "awsvpc";
                }
            }
        }
    }
    true
}

/// Tags from a `tags` map (string values only; interpolations kept as written).
fn tags_of(n: Option<&Node>) -> Vec<(String, String)> {
    n.and_then(Node::as_map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|m| {
            m.value
                .scalar_text()
                .map(|v| (m.key.clone(), v.into_owned()))
        })
        .collect()
}

/// `module.vpc.aws_subnet.private[2]` → slot (vpc, private, 2). Only one module level.
fn module_slot_of(address: &str) -> Option<ModuleSlot> {
    let rest = address.strip_prefix("module.")?;
    let (module, rest) = rest.split_once('.')?;
    let rest = rest.strip_prefix("aws_subnet.")?;
    let (kind, idx) = rest.split_once('[')?;
    let index: usize = idx.strip_suffix(']')?.parse().ok()?;
    if module.contains('[') || !VPC_MODULE_KINDS.contains(&kind) {
        return None;
    }
    Some(ModuleSlot {
        module: module.to_string(),
        kind: kind.to_string(),
        index,
    })
}

fn collect_strings<'n>(n: &'n Node, out: &mut Vec<&'n Node>) {
    match &n.value {
        Value::Str(_) => out.push(n),
        Value::Seq(v) => v.iter().for_each(|c| collect_strings(c, out)),
        _ => {}
    }
}

/// A reference that may name subnets: `aws_subnet.a` or `module.vpc.private_subnets`, with the
/// index written after the subnet name or the module output.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SubnetRef {
    base: String,
    index: Option<usize>,
}

impl SubnetRef {
    fn of(rf: &TfRef) -> Option<SubnetRef> {
        if rf.address.starts_with("aws_subnet.") {
            return Some(SubnetRef {
                base: rf.address.clone(),
                index: rf.index_after(1),
            });
        }
        // module.NAME.OUTPUT[idx]; a module with an instance key (count/for_each) is not
        // supported.
        let output = rf.attr.split('.').next().filter(|o| !o.is_empty())?;
        if !rf.address.starts_with("module.") || rf.has_subscript_after(1) {
            return None;
        }
        Some(SubnetRef {
            base: format!("{}.{output}", rf.address),
            index: rf.index_after(2),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Peak IP demand (NET002)
// ---------------------------------------------------------------------------------------------

/// One consumer's share of a subnet's peak demand.
#[derive(Debug, Clone)]
pub struct DemandPart {
    /// `ECS service `aws_ecs_service.api``.
    pub what: String,
    pub ips: u64,
    /// How the number was reached: `ceil(floor(20 × 200%) / 2 subnets) = 20 tasks`.
    pub detail: String,
    /// Labels on the values the number comes from.
    pub labels: Vec<Label>,
}

/// A value the demand could not be computed for (info).
#[derive(Debug, Clone)]
pub struct DemandUnknown {
    pub file: FileId,
    pub span: Span,
    pub message: String,
    /// Deduplication key.
    pub key: String,
}

/// Peak demand of every subnet with at least one counted consumer.
#[derive(Debug, Default)]
pub struct Demand {
    /// `(subnet index, parts)`.
    pub subnets: Vec<(usize, Vec<DemandPart>)>,
    pub unknown: Vec<DemandUnknown>,
}

impl Demand {
    pub fn total(parts: &[DemandPart]) -> u64 {
        parts.iter().fold(0u64, |a, p| a.saturating_add(p.ips))
    }
}

impl<'a> Network<'a> {
    /// Sum every consumer of every subnet at peak (catalog NET002 table).
    pub fn demand(&self, model: &Model<'a>, _config: &Config) -> Demand {
        let mut per: HashMap<usize, Vec<DemandPart>> = HashMap::new();
        let mut unknown: Vec<DemandUnknown> = Vec::new();
        let pods_hint = workload_pods(model);
        let total_nodes: u64 = model
            .tf_of_type("aws_eks_node_group")
            .filter_map(|r| max_size(r).map(|(n, _)| n))
            .fold(0u64, u64::saturating_add);
        for r in model.tf.iter().filter(|r| r.mode == TfMode::Managed) {
            match r.rtype {
                "aws_ecs_service" => {
                    if !ecs_service_uses_awsvpc(model, r) {
                        continue;
                    }
                    let subs =
                        self.referenced_subnets(model, r, &["network_configuration", "subnets"]);
                    if subs.is_empty() {
                        continue;
                    }
                    let part = match ecs_demand(model, r, subs.len() as u64) {
                        Ok(Some(p)) => p,
                        Ok(None) => continue,
                        Err(u) => {
                            unknown.push(u);
                            continue;
                        }
                    };
                    for (si, _) in &subs {
                        per.entry(*si).or_default().push(part.clone());
                    }
                }
                "aws_eks_node_group" => {
                    let subs = self.referenced_subnets(model, r, &["subnet_ids"]);
                    if subs.is_empty() {
                        continue;
                    }
                    match self.node_group_demand(
                        model,
                        r,
                        subs.len() as u64,
                        pods_hint,
                        total_nodes,
                    ) {
                        Ok(Some((part, pod_part))) => {
                            for (si, _) in &subs {
                                per.entry(*si).or_default().push(part.clone());
                                if let Some(pp) = &pod_part {
                                    for pj in self.eniconfig_subnets_for(model, *si) {
                                        per.entry(pj).or_default().push(pp.clone());
                                    }
                                }
                            }
                        }
                        Ok(None) => {}
                        Err(u) => unknown.extend(u),
                    }
                }
                "aws_vpc_endpoint" => {
                    let t = r
                        .attr("vpc_endpoint_type")
                        .and_then(Node::as_str)
                        .unwrap_or("Gateway");
                    if !t.eq_ignore_ascii_case("Interface") {
                        continue;
                    }
                    for (si, span) in self.referenced_subnets(model, r, &["subnet_ids"]) {
                        per.entry(si).or_default().push(DemandPart {
                            what: format!("VPC endpoint `{}`", r.address),
                            ips: 1,
                            detail: "1 ENI".into(),
                            labels: vec![Label::new(r.file, span, "interface endpoint: 1 address")],
                        });
                    }
                }
                _ => {}
            }
        }
        for np in &model.k8s {
            if np.kind != "NodePool" {
                continue;
            }
            match self.node_pool_demand(model, np, pods_hint, total_nodes) {
                Ok(Some((subs, part))) => {
                    for si in subs {
                        per.entry(si).or_default().push(part.clone());
                    }
                }
                Ok(None) => {}
                Err(u) => unknown.push(u),
            }
        }
        let node_demand = per.values().flatten().any(|p| {
            p.what.starts_with("node group")
                || p.what.starts_with("pods of node group")
                || p.what.starts_with("`NodePool")
        });
        if let (true, Some(u)) = (node_demand, &self.cni.unresolved) {
            unknown.push(DemandUnknown {
                file: u.file,
                span: u.span,
                message: format!(
                    "VPC CNI `configuration_values` of {} is not known statically: node IP demand assumes the CNI defaults",
                    u.what
                ),
                key: format!("{}:{}", u.file.0, u.span.start),
            });
        }
        let mut subnets: Vec<(usize, Vec<DemandPart>)> = per.into_iter().collect();
        subnets.sort_by_key(|(i, _)| *i);
        unknown.sort_by(|a, b| a.key.cmp(&b.key));
        unknown.dedup_by(|a, b| a.key == b.key);
        Demand { subnets, unknown }
    }

    fn node_group_demand(
        &self,
        model: &Model<'a>,
        r: &TfResource<'a>,
        n_subnets: u64,
        pods_hint: Option<u64>,
        total_nodes: u64,
    ) -> Result<Option<(DemandPart, Option<DemandPart>)>, Vec<DemandUnknown>> {
        let Some((max, max_node)) = max_size(r) else {
            return match follow(r.values, &["scaling_config", "max_size"]).first() {
                Some(n) if !n.is_null() => Err(vec![DemandUnknown {
                    file: r.file,
                    span: n.span,
                    message: format!(
                        "`scaling_config.max_size` of node group `{}` is not known statically: cannot compute its IP demand",
                        r.address
                    ),
                    key: format!("{}:{}", r.file.0, n.span.start),
                }]),
                _ => Ok(None),
            };
        };
        let types_node = r.attr("instance_types");
        let mut types: Vec<(String, Option<&Node>)> = Vec::new();
        match types_node.map(|n| &n.value) {
            Some(Value::Seq(items)) if !items.is_empty() => {
                for it in items {
                    match it.as_str() {
                        Some(s) if !s.contains("${") => types.push((s.to_string(), Some(it))),
                        _ => {
                            return Err(vec![DemandUnknown {
                                file: r.file,
                                span: it.span,
                                message: format!(
                                    "instance type of node group `{}` is not known statically: cannot compute IP demand",
                                    r.address
                                ),
                                key: format!("{}:{}", r.file.0, it.span.start),
                            }])
                        }
                    }
                }
            }
            Some(Value::Str(s)) if s.contains("${") => {
                let n = types_node.unwrap_or(r.values);
                return Err(vec![DemandUnknown {
                    file: r.file,
                    span: n.span,
                    message: format!(
                        "instance types of node group `{}` are not known statically: cannot compute IP demand",
                        r.address
                    ),
                    key: format!("{}:{}", r.file.0, n.span.start),
                }]);
            }
            _ => {
                if r.attr("launch_template")
                    .is_some_and(|l| l.blocks().next().is_some())
                {
                    return Err(vec![DemandUnknown {
                        file: r.file,
                        span: r.anchor,
                        message: format!(
                            "node group `{}` takes its instance type from a launch template: cannot compute IP demand",
                            r.address
                        ),
                        key: format!("{}:{}", r.file.0, r.anchor.start),
                    }]);
                }
                types.push((DEFAULT_NODE_GROUP_INSTANCE_TYPE.to_string(), None));
            }
        }
        let mut unknown = Vec::new();
        let mut best: Option<(String, InstanceLimits)> = None;
        for (t, node) in &types {
            match instance_limits(t) {
                Some(l) => {
                    let better = best
                        .as_ref()
                        .is_none_or(|(_, b)| l.enis * l.ipv4_per_eni > b.enis * b.ipv4_per_eni);
                    if better {
                        best = Some((t.clone(), l));
                    }
                }
                None => {
                    let span = node.map(|n| n.span).unwrap_or(r.anchor);
                    unknown.push(DemandUnknown {
                        file: r.file,
                        span,
                        message: format!("unknown instance type `{t}`: cannot compute IP demand"),
                        key: format!("{}:{}", r.file.0, span.start),
                    });
                }
            }
        }
        if !unknown.is_empty() {
            return Err(unknown);
        }
        let Some((tname, limits)) = best else {
            return Ok(None);
        };
        let nodes = max.div_ceil(n_subnets.max(1));
        let ipv6 = self.node_group_is_ipv6(model, r);
        let (per_node, how) = if ipv6 {
            (1, "IPv6 cluster: 1 IPv4 address per node".to_string())
        } else if self.cni.custom_networking {
            (
                1,
                "custom networking: pods use ENIConfig subnets, 1 address per node".to_string(),
            )
        } else {
            let cap = self.cni.pod_capacity(limits);
            let pods = match pods_hint {
                Some(p) if total_nodes > 0 => p.div_ceil(total_nodes).min(cap),
                _ => cap,
            };
            let ips = self.cni.node_ips(limits, pods);
            let mode = if self.cni.prefix_delegation {
                "prefix delegation"
            } else if self.cni.warm_ip_target.is_some() || self.cni.minimum_ip_target.is_some() {
                "WARM_IP_TARGET/MINIMUM_IP_TARGET"
            } else {
                "WARM_ENI_TARGET"
            };
            (
                ips,
                format!("{ips} addresses per `{tname}` node with {pods} pods ({mode})"),
            )
        };
        let mut labels = vec![Label::new(
            r.file,
            max_node.span,
            format!("up to {max} nodes, {nodes} in this subnet"),
        )];
        if let Some(s) = &self.cni.source {
            labels.push(Label::new(s.file, s.span, "VPC CNI settings"));
        }
        // Custom networking: the pods' ENIs (every ENI but the primary) are in the ENIConfig
        // subnet of the node's availability zone.
        let pod_part = (self.cni.custom_networking && !ipv6).then(|| {
            let pod_limits = InstanceLimits {
                enis: limits.enis.saturating_sub(1).max(1),
                ..limits
            };
            let cap = self.cni.pod_capacity(pod_limits);
            let pods = match pods_hint {
                Some(p) if total_nodes > 0 => p.div_ceil(total_nodes).min(cap),
                _ => cap,
            };
            let ips = self.cni.node_ips(pod_limits, pods);
            DemandPart {
                what: format!("pods of node group `{}`", r.address),
                ips: nodes.saturating_mul(ips),
                detail: format!(
                    "{nodes} nodes × {ips} addresses per `{tname}` node with {pods} pods on secondary ENIs (custom networking)"
                ),
                labels: labels.clone(),
            }
        });
        Ok(Some((
            DemandPart {
                what: format!("node group `{}`", r.address),
                ips: nodes.saturating_mul(per_node),
                detail: format!("{nodes} nodes × {how}"),
                labels,
            },
            pod_part,
        )))
    }

    /// The ENIConfig subnets that serve nodes in `node_subnet`: same availability zone as the
    /// subnet, or an ENIConfig named after that zone (the usual `ENI_CONFIG_LABEL_DEF`).
    fn eniconfig_subnets_for(&self, model: &Model<'a>, node_subnet: usize) -> Vec<usize> {
        let Some(az) = self.subnets.get(node_subnet).and_then(|s| s.az.as_deref()) else {
            return Vec::new();
        };
        (0..self.subnets.len())
            .filter(|&j| {
                self.uses[j].iter().any(|u| {
                    u.k8s.is_some_and(|k| {
                        let o = &model.k8s[k];
                        o.kind == "ENIConfig"
                            && (o.name == Some(az) || self.subnets[j].az.as_deref() == Some(az))
                    })
                })
            })
            .collect()
    }
}

impl<'a> Network<'a> {
    /// A Karpenter NodePool's share: `limits.cpu` / the smallest allowed instance's vCPU nodes,
    /// spread over the subnets its `EC2NodeClass` selects.
    fn node_pool_demand(
        &self,
        model: &Model<'a>,
        np: &K8sObject<'a>,
        pods_hint: Option<u64>,
        total_nodes: u64,
    ) -> Result<Option<(Vec<usize>, DemandPart)>, DemandUnknown> {
        let spec = np.node.path(&["spec", "template", "spec"]);
        let Some(class) = spec
            .and_then(|s| s.path(&["nodeClassRef", "name"]))
            .and_then(Node::as_str)
        else {
            return Ok(None);
        };
        let subs: Vec<usize> = (0..self.subnets.len())
            .filter(|&i| {
                self.uses[i].iter().any(|u| {
                    u.k8s.is_some_and(|k| {
                        let o = &model.k8s[k];
                        o.kind == "EC2NodeClass" && o.name == Some(class)
                    })
                })
            })
            .collect();
        if subs.is_empty() {
            return Ok(None);
        }
        let unknown = |span: Span, message: String| DemandUnknown {
            file: np.file,
            span,
            key: format!("{}:{}", np.file.0, span.start),
            message,
        };
        let name = np.logical();
        let Some(cpu_node) = np.node.path(&["spec", "limits", "cpu"]) else {
            return Err(unknown(
                np.anchor(),
                format!("`{name}` has no `limits.cpu`: cannot compute its IP demand"),
            ));
        };
        let Some(cpu) = cpu_node.scalar_text().and_then(|t| parse_cpu(&t)) else {
            return Err(unknown(
                cpu_node.span,
                format!("`{name}` `limits.cpu` is not a number: cannot compute its IP demand"),
            ));
        };
        let mut types: Vec<(&str, Span)> = Vec::new();
        for r in spec
            .and_then(|s| s.get("requirements"))
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            if r.get("key").and_then(Node::as_str) == Some("node.kubernetes.io/instance-type")
                && r.get("operator").and_then(Node::as_str) == Some("In")
            {
                for v in r.get("values").and_then(Node::as_seq).unwrap_or(&[]) {
                    if let Some(t) = v.as_str() {
                        types.push((t, v.span));
                    }
                }
            }
        }
        if types.is_empty() {
            return Err(unknown(
                np.anchor(),
                format!("`{name}` does not list its instance types: cannot compute its IP demand"),
            ));
        }
        let mut smallest: Option<(&str, InstanceLimits)> = None;
        for (t, span) in &types {
            let Some(l) = instance_limits(t) else {
                return Err(unknown(
                    *span,
                    format!("unknown instance type `{t}`: cannot compute IP demand"),
                ));
            };
            if smallest.is_none_or(|(_, s)| l.vcpu < s.vcpu) {
                smallest = Some((t, l));
            }
        }
        let Some((tname, limits)) = smallest else {
            return Ok(None);
        };
        let nodes_total = (cpu / f64::from(limits.vcpu.max(1))).floor() as u64;
        let nodes = nodes_total.div_ceil(subs.len() as u64);
        let cap = self.cni.pod_capacity(limits);
        let pods = match pods_hint {
            Some(p) if total_nodes.saturating_add(nodes_total) > 0 => {
                p.div_ceil(total_nodes.saturating_add(nodes_total)).min(cap)
            }
            _ => cap,
        };
        let per_node = if self.cni.custom_networking {
            1
        } else {
            self.cni.node_ips(limits, pods)
        };
        Ok(Some((
            subs,
            DemandPart {
                what: format!("`{name}`"),
                ips: nodes.saturating_mul(per_node),
                detail: format!(
                    "{nodes} nodes ({nodes_total} `{tname}` nodes for `limits.cpu` {cpu}) × {per_node} addresses with {pods} pods"
                ),
                labels: vec![Label::new(
                    np.file,
                    cpu_node.span,
                    format!("up to {nodes_total} `{tname}` nodes"),
                )],
            },
        )))
    }
}

/// A Kubernetes CPU quantity in cores: `1000`, `1000m`, `1.5`.
fn parse_cpu(t: &str) -> Option<f64> {
    let t = t.trim();
    let v = match t.strip_suffix('m') {
        Some(m) => m.parse::<f64>().ok()? / 1000.0,
        None => t.parse::<f64>().ok()?,
    };
    (v.is_finite() && v >= 0.0).then_some(v)
}

/// `scaling_config.max_size` of a node group, with its node.
fn max_size<'n>(r: &TfResource<'n>) -> Option<(u64, &'n Node)> {
    let n = follow(r.values, &["scaling_config", "max_size"])
        .into_iter()
        .next()?;
    let v = n.as_i64()?;
    (v >= 0).then_some((v as u64, n))
}

/// Pods that use VPC addresses, from the Kubernetes workloads of the inputs (HPA `maxReplicas`
/// where an HPA targets the workload, `replicas` else, default 1; `hostNetwork` pods and
/// DaemonSets excluded). `None` when the inputs hold no such workload: nodes are then assumed
/// full.
fn workload_pods(model: &Model<'_>) -> Option<u64> {
    let mut hpa_max: HashMap<(String, String, String), u64> = HashMap::new();
    for h in model.k8s_of_kind("HorizontalPodAutoscaler") {
        let (Some(kind), Some(name), Some(max)) = (
            h.node
                .path(&["spec", "scaleTargetRef", "kind"])
                .and_then(Node::as_str),
            h.node
                .path(&["spec", "scaleTargetRef", "name"])
                .and_then(Node::as_str),
            h.node.path(&["spec", "maxReplicas"]).and_then(Node::as_i64),
        ) else {
            continue;
        };
        hpa_max.insert(
            (
                h.namespace_or_default().to_string(),
                kind.to_string(),
                name.to_string(),
            ),
            max.max(0) as u64,
        );
    }
    let mut total = 0u64;
    let mut any = false;
    for w in &model.workloads {
        if matches!(w.kind, "DaemonSet" | "Job" | "CronJob") {
            continue;
        }
        if w.pod_spec.get("hostNetwork").and_then(Node::as_bool) == Some(true) {
            continue;
        }
        let o = &model.k8s[w.object];
        let key = (
            o.namespace_or_default().to_string(),
            o.kind.to_string(),
            o.name.unwrap_or_default().to_string(),
        );
        let replicas = hpa_max.get(&key).copied().unwrap_or_else(|| {
            o.node
                .path(&["spec", "replicas"])
                .and_then(Node::as_i64)
                .map(|v| v.max(0) as u64)
                .unwrap_or(1)
        });
        any = true;
        total = total.saturating_add(replicas);
    }
    any.then_some(total)
}

/// Peak tasks of an ECS awsvpc service per subnet.
fn ecs_demand(
    model: &Model<'_>,
    r: &TfResource<'_>,
    n_subnets: u64,
) -> Result<Option<DemandPart>, DemandUnknown> {
    if r.attr("scheduling_strategy").and_then(Node::as_str) == Some("DAEMON") {
        return Ok(None);
    }
    let not_static = |n: &Node, what: &str| DemandUnknown {
        file: r.file,
        span: n.span,
        message: format!(
            "`{what}` of ECS service `{}` is not known statically: cannot compute its IP demand",
            r.address
        ),
        key: format!("{}:{}", r.file.0, n.span.start),
    };
    let desired_node = r.attr("desired_count");
    let desired = match desired_node {
        Some(n) => n.as_i64().map(|v| v.max(0) as u64),
        None => Some(0),
    };
    let ignored = ignores_desired_count(r);
    let target = autoscaling_target(model, r);
    let mut labels = Vec::new();
    let desired_eff = match (desired, &target) {
        (_, Some((max, n))) if ignored => {
            labels.push(Label::new(
                r.file,
                n.span,
                format!("autoscaling up to {max} tasks"),
            ));
            *max
        }
        (Some(d), Some((max, n))) => {
            labels.push(Label::new(
                r.file,
                n.span,
                format!("autoscaling up to {max} tasks"),
            ));
            d.max(*max)
        }
        (Some(d), None) => d,
        (None, _) => {
            return match desired_node {
                Some(n) => Err(not_static(n, "desired_count")),
                None => Ok(None),
            }
        }
    };
    if let Some(n) = desired_node {
        if !ignored || target.is_none() {
            labels.insert(
                0,
                Label::new(
                    r.file,
                    n.span,
                    format!("desired_count {}", desired.unwrap_or(0)),
                ),
            );
        }
    }
    let (pct, pct_node) = match r.attr("deployment_maximum_percent") {
        Some(n) => match n.as_i64() {
            Some(v) => (v.max(0) as u64, Some(n)),
            None if n.is_null() => (200, None),
            None => return Err(not_static(n, "deployment_maximum_percent")),
        },
        None => (200, None),
    };
    match pct_node {
        Some(n) => labels.push(Label::new(
            r.file,
            n.span,
            format!("up to {pct}% of the tasks run during a deployment"),
        )),
        None => {
            labels.push(Label::new(
                r.file,
                r.anchor,
                "no `deployment_maximum_percent`: the default 200% applies",
            ));
        }
    }
    let tasks = desired_eff.saturating_mul(pct) / 100;
    if tasks == 0 {
        return Ok(None);
    }
    let per = tasks.div_ceil(n_subnets.max(1));
    Ok(Some(DemandPart {
        what: format!("ECS service `{}`", r.address),
        ips: per,
        detail: format!(
            "floor({desired_eff} × {pct}%) = {tasks} tasks over {n_subnets} subnet{s}",
            s = if n_subnets == 1 { "" } else { "s" }
        ),
        labels,
    }))
}

fn ignores_desired_count(r: &TfResource<'_>) -> bool {
    follow(r.values, &["lifecycle", "ignore_changes"])
        .iter()
        .any(|n| match &n.value {
            Value::Seq(v) => v.iter().any(|x| {
                x.as_str().is_some_and(|s| {
                    s.trim_start_matches("${").trim_end_matches('}') == "desired_count"
                })
            }),
            Value::Str(s) => s == "all" || s.contains("desired_count"),
            _ => false,
        })
}

/// The `aws_appautoscaling_target` scaling this service (`resource_id =
/// service/<cluster>/<service>`): its `max_capacity` and node.
fn autoscaling_target<'n>(model: &Model<'n>, svc: &TfResource<'n>) -> Option<(u64, &'n Node)> {
    let svc_name = svc.attr("name").and_then(Node::as_str);
    for t in model.tf_of_type("aws_appautoscaling_target") {
        let Some(rid) = t.attr("resource_id") else {
            continue;
        };
        let by_ref = t.refs_at(&["resource_id"]).iter().any(|rf| {
            rf.address.starts_with("aws_ecs_service.")
                && model
                    .resolve_tf(t, &rf.address)
                    .is_some_and(|x| std::ptr::eq(x, svc))
        });
        let by_name = match (rid.as_str(), svc_name) {
            (Some(s), Some(n)) if !n.contains("${") => {
                s.starts_with("service/") && s.rsplit('/').next() == Some(n)
            }
            _ => false,
        };
        if by_ref || by_name {
            if let Some(mc) = t.attr("max_capacity") {
                if let Some(v) = mc.as_i64() {
                    return Some((v.max(0) as u64, mc));
                }
            }
        }
    }
    None
}

impl lint_engine::shared::Fact for Network<'static> {
    type Value<'m, 'a: 'm> = Network<'a>;
    fn build<'m, 'a: 'm>(cx: &lint_engine::shared::FactContext<'m, 'a>) -> Network<'a> {
        Network::build(cx.model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_arithmetic() {
        let c = Cidr::parse("10.0.1.0/24").unwrap();
        assert_eq!(c.usable(), 251);
        assert_eq!(c.free_prefix_blocks(), 14);
        assert_eq!(Cidr::parse("10.0.0.0/16").unwrap().usable(), 65531);
        assert_eq!(Cidr::parse("10.0.0.0/28").unwrap().usable(), 11);
        assert_eq!(Cidr::parse("10.0.0.0/27").unwrap().free_prefix_blocks(), 0);
        assert_eq!(
            Cidr::parse("10.0.0.0/20").unwrap().free_prefix_blocks(),
            254
        );
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("10.0.0/24").is_none());
        assert!(Cidr::parse("2001:db8::/56").is_none());
        assert!(Cidr::parse("${var.cidr}").is_none());
        assert_eq!(c.to_string(), "10.0.1.0/24");
        assert!(Cidr::parse("10.0.0.0/16").unwrap().contains(c));
    }

    #[test]
    fn instance_table() {
        let t = instance_limits("t3.small").unwrap();
        assert_eq!(t.max_pods(), 11);
        assert_eq!(instance_limits("c5.18xlarge").unwrap().max_pods(), 737);
        assert_eq!(instance_limits("m5.4xlarge").unwrap().max_pods(), 234);
        assert!(instance_limits("x9.huge").is_none());
    }

    #[test]
    fn warm_pool_arithmetic() {
        let m5 = instance_limits("m5.large").unwrap();
        let d = CniSettings::default();
        // Full node: all 3 ENIs of 10 addresses.
        assert_eq!(d.node_ips(m5, 27), 30);
        // 5 pods: 1 ENI + 1 warm ENI.
        assert_eq!(d.node_ips(m5, 5), 20);
        let w = CniSettings {
            warm_ip_target: Some(2),
            ..Default::default()
        };
        // 5 pods + 2 warm = 7 secondary on 1 ENI.
        assert_eq!(w.node_ips(m5, 5), 8);
        let p = CniSettings {
            prefix_delegation: true,
            ..Default::default()
        };
        // 20 pods: 2 prefixes + 1 warm = 3 prefixes on 1 ENI.
        assert_eq!(p.node_ips(m5, 20), 1 + 48);
    }

    #[test]
    fn refs() {
        let of = |e: &str| {
            lint_engine::tfref::refs_in_expression(e)
                .iter()
                .filter_map(SubnetRef::of)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            of("module.vpc.private_subnets[1]"),
            vec![SubnetRef {
                base: "module.vpc.private_subnets".into(),
                index: Some(1)
            }]
        );
        assert_eq!(
            of("aws_subnet.a.id"),
            vec![SubnetRef {
                base: "aws_subnet.a".into(),
                index: None
            }]
        );
        assert_eq!(
            of("concat(module.vpc.private_subnets, [aws_subnet.x[0].id])"),
            vec![
                SubnetRef {
                    base: "module.vpc.private_subnets".into(),
                    index: None
                },
                SubnetRef {
                    base: "aws_subnet.x".into(),
                    index: Some(0)
                }
            ]
        );
        assert!(of("module.vpc[0].private_subnets[1]").is_empty());
        assert!(of("module.vpc").is_empty());
        assert_eq!(
            module_slot_of("module.vpc.aws_subnet.private[2]"),
            Some(ModuleSlot {
                module: "vpc".into(),
                kind: "private".into(),
                index: 2
            })
        );
    }
}
