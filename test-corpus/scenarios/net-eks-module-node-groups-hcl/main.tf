module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.0"

  name            = "apps"
  cidr            = "10.0.0.0/16"
  azs             = ["eu-west-1a", "eu-west-1b"]
  private_subnets = ["10.0.0.0/24", "10.0.1.0/24"]
  public_subnets  = ["10.0.100.0/27", "10.0.101.0/27"]
}

module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 20.0"

  cluster_name = "apps"
  subnet_ids   = module.vpc.private_subnets

  eks_managed_node_group_defaults = {
    instance_types = ["m5.large"]
  }

  eks_managed_node_groups = {
    # 16 nodes over the two private subnets, m5.large from the defaults.
    general = {
      min_size     = 2
      max_size     = 16
      desired_size = 2
    }
    # Not created: no demand.
    batch = {
      create   = false
      max_size = 100
    }
  }

  self_managed_node_groups = {
    # No max_size: the module's default 3; no instance_type: m6i.large.
    legacy = {
      min_size = 1
    }
  }
}

variable "gpu_max" {
  type = number
}

module "eks_gpu" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 21.0"

  name       = "gpu"
  subnet_ids = [module.vpc.private_subnets[0]]

  eks_managed_node_groups = {
    # Not known: NET002 says so and leaves the group out.
    gpu = {
      max_size       = var.gpu_max
      instance_types = ["g5.xlarge"]
    }
  }
}
