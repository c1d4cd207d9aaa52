//! NET001/NET002 on Terraform values that come from evaluation and on EKS module calls.

/// (rule, line:col-line:col of the primary span, message, notes) of the NET findings.
fn net_findings(files: &[(&str, &str)]) -> Vec<(String, String, String, Vec<String>)> {
    crate::testing::run_all(files)
        .into_iter()
        .filter(|(_, f)| f.rule_id.starts_with("NET"))
        .map(|(span, f)| (f.rule_id, span, f.message, f.notes))
        .collect()
}

const NODE_GROUP: &str = r#"
resource "aws_eks_node_group" "workers" {
  cluster_name  = "apps"
  node_role_arn = "arn:aws:iam::111122223333:role/node"
  subnet_ids    = [aws_subnet.pods.id]
  scaling_config {
    desired_size = 1
    max_size     = 1
    min_size     = 1
  }
}
"#;

#[test]
fn cidrsubnet_is_judged_by_its_value_and_noted() {
    let net = r#"
variable "vpc_cidr" {
  default = "10.40.0.0/16"
}
resource "aws_subnet" "pods" {
  cidr_block = cidrsubnet(var.vpc_cidr, 10, 12)
}
"#;
    let got = net_findings(&[("net.tf", net), ("eks.tf", NODE_GROUP)]);
    let net001: Vec<_> = got.iter().filter(|f| f.0 == "NET001").collect();
    assert_eq!(net001.len(), 1, "{got:?}");
    assert_eq!(net001[0].1, "6:16-6:48");
    assert!(net001[0].2.contains("is a /26 with 59 usable"), "{got:?}");
    assert!(
        net001[0]
            .3
            .contains(&"evaluated: 10.40.3.0/26 = cidrsubnet(var.vpc_cidr, 10, 12)".to_string()),
        "{got:?}"
    );
}

#[test]
fn unknown_cidr_is_skipped() {
    let net = r#"
variable "vpc_cidr" {}
resource "aws_subnet" "pods" {
  cidr_block = cidrsubnet(var.vpc_cidr, 10, 12)
}
"#;
    assert_eq!(
        net_findings(&[("net.tf", net), ("eks.tf", NODE_GROUP)]),
        vec![]
    );
}

#[test]
fn vpc_module_list_expression_gives_one_subnet_per_element() {
    let main = r#"
locals {
  azs = ["eu-west-1a", "eu-west-1b"]
}
module "vpc" {
  source          = "terraform-aws-modules/vpc/aws"
  azs             = local.azs
  private_subnets = [for k, v in local.azs : cidrsubnet("10.0.0.0/16", 8, k)]
}
module "eks" {
  source     = "terraform-aws-modules/eks/aws"
  subnet_ids = [module.vpc.private_subnets[1]]
}
"#;
    let got = net_findings(&[("main.tf", main)]);
    // The one pod subnet, and (from the evaluated `azs`) its zone as the only pod zone.
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1].2, "all EKS pod subnets are in one availability zone `eu-west-1b`: an outage of that zone stops every pod");
    let net001: Vec<_> = got.iter().take(1).filter(|f| f.0 == "NET001").collect();
    assert_eq!(net001.len(), 1, "{got:?}");
    assert_eq!(net001[0].1, "8:21-8:78");
    assert!(net001[0]
        .2
        .starts_with("EKS pod subnet `module.vpc.private_subnets[1]` is a /24"));
    assert!(net001[0].3.contains(
        &"evaluated: module.vpc private_subnets[1] = 10.0.1.0/24 from [for k, v in local.azs : cidrsubnet(\"10.0.0.0/16\", 8, k)]"
            .to_string()
    ), "{got:?}");
}

#[test]
fn eks_module_groups_with_own_subnets_leave_module_subnets_to_the_control_plane() {
    let main = r#"
module "vpc" {
  source          = "terraform-aws-modules/vpc/aws"
  private_subnets = ["10.0.1.0/24", "10.0.2.0/28"]
}
module "eks" {
  source     = "terraform-aws-modules/eks/aws"
  subnet_ids = [module.vpc.private_subnets[1]]
  eks_managed_node_groups = {
    a = {
      subnet_ids = [module.vpc.private_subnets[0]]
    }
  }
}
"#;
    let got = net_findings(&[("main.tf", main)]);
    let lines: Vec<(&str, &str)> = got
        .iter()
        .filter(|f| f.0 == "NET001")
        .map(|f| (f.1.as_str(), f.2.as_str()))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("4:22-4:35", "EKS pod subnet `module.vpc.private_subnets[0]` is a /24 with 251 usable addresses, smaller than the /20 minimum"),
            ("4:37-4:50", "EKS cluster subnet `module.vpc.private_subnets[1]` is a /28 with 11 usable addresses, fewer than the 16 AWS recommends"),
        ]
    );
}
