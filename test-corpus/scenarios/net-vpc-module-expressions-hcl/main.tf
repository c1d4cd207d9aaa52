locals {
  vpc_cidr = "10.0.0.0/16"
  azs      = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

module "vpc" {
  source = "terraform-aws-modules/vpc/aws"

  name = "apps"
  cidr = local.vpc_cidr
  azs  = local.azs

  private_subnets = [for k, v in local.azs : cidrsubnet(local.vpc_cidr, 8, k)]
  intra_subnets   = [for k, v in local.azs : cidrsubnet(local.vpc_cidr, 12, k + 4000)]
  public_subnets  = [cidrsubnet(local.vpc_cidr, 8, 100), cidrsubnet(local.vpc_cidr, 8, 101)]
}

module "eks" {
  source = "terraform-aws-modules/eks/aws"

  cluster_name             = "apps"
  subnet_ids               = module.vpc.private_subnets
  control_plane_subnet_ids = module.vpc.intra_subnets

  eks_managed_node_groups = {
    batch = {
      subnet_ids     = [module.vpc.private_subnets[0]]
      instance_types = ["m5.large"]
      min_size       = 1
      max_size       = 3
      desired_size   = 1
    }
  }

  fargate_profiles = {
    jobs = {
      subnet_ids = [element(module.vpc.private_subnets, 1)]
    }
  }
}
