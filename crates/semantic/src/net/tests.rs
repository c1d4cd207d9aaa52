//! Unit tests of the network model.

use super::*;

use super::refs::SubnetRef;
use super::subnets::module_slot_of;

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
