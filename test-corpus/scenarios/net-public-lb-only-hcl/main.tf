module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
  name = "shop-prod"
  cidr = "10.30.0.0/16"
  azs = ["eu-west-2a", "eu-west-2b"]
  private_subnets = ["10.30.0.0/19", "10.30.32.0/19"]
  public_subnets = ["10.30.200.0/27", "10.30.200.32/27"]
  public_subnet_tags = {
    "kubernetes.io/role/elb" = "1"
  }
}

resource "aws_lb" "public" {
  name = "shop"
  load_balancer_type = "application"
  subnets = module.vpc.public_subnets
}

resource "aws_eks_node_group" "shop" {
  cluster_name = "shop-prod"
  node_role_arn = "arn:aws:iam::111122223333:role/node"
  subnet_ids = module.vpc.private_subnets
  instance_types = ["m5.large"]
  scaling_config {
    desired_size = 2
    max_size = 30
    min_size = 2
  }
}
