//! ENI and IPv4 limits of EC2 instance types (catalog §9.3): a data table.

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
