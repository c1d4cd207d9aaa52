module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 20.0"

  cluster_name    = "prod"
  cluster_version = "1.30"
  subnet_ids      = ["subnet-0a", "subnet-0b"]

  eks_managed_node_groups = {
    general = {
      instance_types = ["m6i.large"]
    }
    spot = {
      capacity_type  = "SPOT"
      instance_types = ["m6i.large", "m5.large"]
      labels         = { pool = "spot" }
    }
    batch = {
      capacity_type = "SPOT"
      taints = {
        batch = { key = "batch", value = "true", effect = "NO_SCHEDULE" }
      }
    }
  }

  self_managed_node_groups = {
    workers = {
      instance_type = "m6i.large"
      instance_market_options = {
        market_type = "spot"
      }
    }
  }
}
