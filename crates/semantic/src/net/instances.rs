//! ENI and IPv4 limits of EC2 instance types (catalog §9.3).
//!
//! The ENI and IP numbers come from the generated table in `instance_data.rs` (amazon-eks-ami's
//! `instance-info.jsonl`, every instance type it lists). The vCPU count, which that file does
//! not carry, is known for the common types below; rules that need it for another type report
//! it as unknown instead of guessing.

use super::instance_data::INSTANCE_ENIS;

/// ENI and IP limits of an EC2 instance type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceLimits {
    /// vCPUs of the standard size, when cutover knows them.
    pub vcpu: Option<u32>,
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

/// vCPUs of the standard sizes of common instance types (EC2 instance type documentation), sorted
/// by type.
const INSTANCE_VCPUS: &[(&str, u32)] = &[
    ("c5.18xlarge", 72),
    ("c5.2xlarge", 8),
    ("c5.4xlarge", 16),
    ("c5.9xlarge", 36),
    ("c5.large", 2),
    ("c5.xlarge", 4),
    ("c6g.large", 2),
    ("c6g.xlarge", 4),
    ("c6i.2xlarge", 8),
    ("c6i.4xlarge", 16),
    ("c6i.large", 2),
    ("c6i.xlarge", 4),
    ("c7g.large", 2),
    ("c7g.xlarge", 4),
    ("c7i.large", 2),
    ("c7i.xlarge", 4),
    ("m5.2xlarge", 8),
    ("m5.4xlarge", 16),
    ("m5.8xlarge", 32),
    ("m5.large", 2),
    ("m5.xlarge", 4),
    ("m6g.large", 2),
    ("m6g.xlarge", 4),
    ("m6i.2xlarge", 8),
    ("m6i.4xlarge", 16),
    ("m6i.8xlarge", 32),
    ("m6i.large", 2),
    ("m6i.xlarge", 4),
    ("m7g.2xlarge", 8),
    ("m7g.large", 2),
    ("m7g.xlarge", 4),
    ("m7i.2xlarge", 8),
    ("m7i.large", 2),
    ("m7i.xlarge", 4),
    ("r5.2xlarge", 8),
    ("r5.large", 2),
    ("r5.xlarge", 4),
    ("r6i.2xlarge", 8),
    ("r6i.large", 2),
    ("r6i.xlarge", 4),
    ("t3.2xlarge", 8),
    ("t3.large", 2),
    ("t3.medium", 2),
    ("t3.small", 2),
    ("t3.xlarge", 4),
    ("t4g.large", 2),
    ("t4g.medium", 2),
];

/// Limits of an instance type, `None` when the data does not list it.
pub fn instance_limits(instance_type: &str) -> Option<InstanceLimits> {
    let t = instance_type.trim();
    let i = INSTANCE_ENIS.binary_search_by(|(n, ..)| (*n).cmp(t)).ok()?;
    let (_, enis, ipv4_per_eni) = INSTANCE_ENIS[i];
    let vcpu = INSTANCE_VCPUS
        .binary_search_by(|(n, _)| (*n).cmp(t))
        .ok()
        .map(|k| INSTANCE_VCPUS[k].1);
    Some(InstanceLimits {
        vcpu,
        enis,
        ipv4_per_eni,
    })
}

/// Instance families on the Xen hypervisor rather than the Nitro System (EC2 User Guide,
/// "Instances built on the AWS Nitro System", which lists the Nitro ones; these are the current
/// and previous-generation families it leaves out). Prefix delegation needs Nitro instances.
const XEN_FAMILIES: &[&str] = &[
    "c1", "c3", "c4", "d2", "f1", "g2", "g3", "g3s", "h1", "i2", "i3", "m1", "m2", "m3", "m4",
    "p2", "p3", "r3", "r4", "t1", "t2", "x1", "x1e",
];

/// Whether an instance type runs on the Xen hypervisor (not Nitro). `i3.metal` is Nitro.
pub fn is_xen(instance_type: &str) -> bool {
    let Some((family, size)) = instance_type.trim().split_once('.') else {
        return false;
    };
    XEN_FAMILIES.contains(&family) && size != "metal"
}

/// The AWS provider's default for `aws_eks_node_group.instance_types`.
pub const DEFAULT_NODE_GROUP_INSTANCE_TYPE: &str = "t3.medium";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_every_vcpu_type_has_limits() {
        assert!(INSTANCE_ENIS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(INSTANCE_VCPUS.windows(2).all(|w| w[0].0 < w[1].0));
        for (t, _) in INSTANCE_VCPUS {
            assert!(instance_limits(t).is_some_and(|l| l.vcpu.is_some()), "{t}");
        }
        assert!(is_xen("m4.large") && is_xen("t2.medium") && is_xen("i3.xlarge"));
        assert!(!is_xen("m5.large") && !is_xen("i3.metal") && !is_xen("t3.small") && !is_xen("x"));
        assert!(XEN_FAMILIES.windows(2).all(|w| w[0] < w[1]));
        // A type only the generated table knows: limits without a vCPU count.
        assert_eq!(
            instance_limits("a1.medium"),
            Some(InstanceLimits {
                vcpu: None,
                enis: 2,
                ipv4_per_eni: 4
            })
        );
    }
}
