//! VPC CNI settings (catalog §9.10): warm pool targets, prefix delegation, custom networking,
//! and the addresses a node takes for them.

use lint_engine::doc::Node;
use lint_engine::model::Model;
use lint_engine::source::{FileId, Span};

use super::*;

/// The VPC CNI variable that turns on prefix delegation.
pub const PREFIX_DELEGATION: &str = "ENABLE_PREFIX_DELEGATION";

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
    /// Where prefix delegation is turned on: the add-on's `configuration_values`, or the
    /// `ENABLE_PREFIX_DELEGATION` item of the `aws-node` env.
    pub prefix_delegation_at: Option<SettingSource>,
    /// A `vpc-cni` add-on whose `configuration_values` cannot be read statically
    /// (`${jsonencode(…)}`, a variable): the defaults above may be wrong.
    pub unresolved: Option<SettingSource>,
}

impl CniSettings {
    pub(crate) fn apply(&mut self, key: &str, val: &str) {
        let v = val.trim();
        let num = v.parse::<u64>().ok();
        let on = v.eq_ignore_ascii_case("true");
        match key {
            PREFIX_DELEGATION => self.prefix_delegation = on,
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

    /// Pods a node can run that use VPC addresses; `None` in prefix mode when the ceiling
    /// depends on a vCPU count the instance table does not have.
    pub fn pod_capacity(&self, it: InstanceLimits) -> Option<u64> {
        if self.prefix_delegation {
            // The max-pods calculator ceiling: 110 up to 30 vCPU, 250 above.
            let raw = it.enis * it.ipv4_per_eni.saturating_sub(1) * 16;
            if raw <= 110 {
                return Some(raw);
            }
            let ceiling = if it.vcpu? <= 30 { 110 } else { 250 };
            Some(raw.min(ceiling))
        } else {
            Some(it.pod_ips())
        }
    }

    /// The kubelet's max pods for the instance type as EKS sets it: `eni-max-pods`
    /// (ENIs × (IPv4/ENI − 1) + 2) in secondary-IP mode; with prefix delegation the max-pods
    /// calculator's value, ENIs × (IPv4/ENI − 1) × 16 + 2 capped at 110 (30 vCPUs or fewer)
    /// or 250. `None` when that cap depends on a vCPU count the instance table does not have.
    pub fn kubelet_max_pods(&self, it: InstanceLimits) -> Option<u64> {
        if !self.prefix_delegation {
            return Some(it.max_pods());
        }
        let raw = it
            .enis
            .saturating_mul(it.ipv4_per_eni.saturating_sub(1))
            .saturating_mul(16)
            .saturating_add(2);
        if raw <= 110 {
            return Some(raw);
        }
        let ceiling = if it.vcpu? <= 30 { 110 } else { 250 };
        Some(raw.min(ceiling))
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
                    seen.push(m.key.to_string());
                    if m.key == PREFIX_DELEGATION {
                        s.prefix_delegation_at = s.prefix_delegation.then(|| SettingSource {
                            file: r.file,
                            span: cv.span,
                            what: format!("`{}`", r.address),
                        });
                    }
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
                        if k == PREFIX_DELEGATION {
                            s.prefix_delegation_at = s.prefix_delegation.then(|| SettingSource {
                                file: o.file,
                                span: e.span,
                                what: format!("`{}`", o.logical()),
                            });
                        }
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
