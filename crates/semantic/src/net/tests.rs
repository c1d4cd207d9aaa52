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

/// Reading `aws_subnet` resources in rounds on two threads (large plans) gives the subnets, in
/// the same order, and the same unresolved ones as reading them on one thread.
#[test]
fn subnets_read_in_rounds_match_one_thread() {
    use lint_engine::load::Limits;
    use lint_engine::runner::{load_all, MemoryInput};
    let mut tf = String::from("variable \"base\" {}\n");
    for i in 0..37 {
        let cidr = if i % 7 == 0 {
            String::new()
        } else if i % 5 == 0 {
            format!("  cidr_block = cidrsubnet(var.base, 8, {i})\n")
        } else {
            format!("  cidr_block = \"10.0.{i}.0/24\"\n")
        };
        tf.push_str(&format!("resource \"aws_subnet\" \"s{i}\" {{\n{cidr}}}\n"));
    }
    tf.push_str(
        "resource \"aws_eks_node_group\" \"g\" {\n  subnet_ids = [aws_subnet.s5.id, aws_subnet.s25.id, aws_subnet.s3.id]\n}\n",
    );
    let out = load_all(
        &[],
        vec![MemoryInput {
            path: "net/main.tf".into(),
            bytes: tf.into_bytes(),
        }],
        &Limits::default(),
    );
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let model = Model::build(&out.db);
    let eval = TfEvalIndex::build(&model, &[]);
    let seen = |net: &Network<'_>| {
        let subnets: Vec<String> = net
            .subnets
            .iter()
            .map(|s| format!("{} {} {:?}", s.name, s.cidr, s.resource))
            .collect();
        let unresolved: Vec<String> = net
            .unresolved
            .iter()
            .map(|u| format!("{} {} {}", u.name, u.expr, u.unknown))
            .collect();
        (subnets, unresolved)
    };
    let one = seen(&Network::build_in_rounds(&model, Some(&eval), usize::MAX));
    // 37 resources, 6 without a CIDR, 6 with an unknown one (2 of them used by the node group).
    assert_eq!(one.0.len(), 37 - 6 - 6, "{:?}", one.0);
    assert_eq!(one.0[0], "aws_subnet.s1 10.0.1.0/24 Some(1)");
    assert_eq!(
        one.1,
        [
            "aws_subnet.s5 cidrsubnet(var.base, 8, 5) `var.base`: variable \"base\" has no default and no value in a tfvars file",
            "aws_subnet.s25 cidrsubnet(var.base, 8, 25) `var.base`: variable \"base\" has no default and no value in a tfvars file",
        ]
    );
    for round in [2, 4, 5, 36, 37] {
        assert_eq!(
            seen(&Network::build_in_rounds(&model, Some(&eval), round)),
            one,
            "rounds of {round}"
        );
    }
}
