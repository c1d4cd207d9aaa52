resource "aws_eks_addon" "vpc_cni" {
  cluster_name = "prod"
  addon_name   = "vpc-cni"
  configuration_values = jsonencode({
    env = {
      ENABLE_PREFIX_DELEGATION = "true"
    }
  })
}

resource "aws_eks_node_group" "p" {
  cluster_name    = "prod"
  node_group_name = "p"
  node_role_arn   = "arn:aws:iam::111122223333:role/node"
  subnet_ids      = ["subnet-0a"]
  instance_types  = ["t3.small"]
  labels = {
    group = "p"
  }

  scaling_config {
    desired_size = 1
    max_size     = 1
    min_size     = 1
  }
}

resource "aws_eks_node_group" "q" {
  cluster_name    = "prod"
  node_group_name = "q"
  node_role_arn   = "arn:aws:iam::111122223333:role/node"
  subnet_ids      = ["subnet-0a"]
  instance_types  = ["c5.12xlarge"]
  labels = {
    group = "q"
  }

  scaling_config {
    desired_size = 1
    max_size     = 4
    min_size     = 1
  }
}
