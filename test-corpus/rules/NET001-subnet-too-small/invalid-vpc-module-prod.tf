module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
  version = "~> 5.0"
  name = "platform-prod"
  cidr = "10.0.0.0/16"
  azs = ["us-east-1a", "us-east-1b"]
  private_subnets = ["10.0.1.0/24", "10.0.2.0/24"]
  public_subnets = ["10.0.101.0/24", "10.0.102.0/24"]
  public_subnet_tags = {
    "kubernetes.io/role/elb" = "1"
  }
  private_subnet_tags = {
    "kubernetes.io/role/internal-elb" = "1"
  }
}

resource "aws_eks_node_group" "workers" {
  cluster_name = "prod-cluster"
  node_role_arn = "arn:aws:iam::111122223333:role/node"
  subnet_ids = module.vpc.private_subnets
  instance_types = ["m5.large"]
  scaling_config {
    desired_size = 2
    max_size = 4
    min_size = 2
  }
}
