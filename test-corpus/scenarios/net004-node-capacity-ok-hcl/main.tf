resource "aws_eks_node_group" "api" {
  cluster_name    = "prod"
  node_group_name = "api"
  node_role_arn   = "arn:aws:iam::111122223333:role/node"
  subnet_ids      = ["subnet-0a", "subnet-0b"]
  capacity_type   = "SPOT"
  instance_types  = ["t3.small"]
  labels = {
    workload = "api"
  }

  scaling_config {
    desired_size = 1
    max_size     = 3
    min_size     = 1
  }
}

resource "aws_eks_node_group" "batch" {
  cluster_name    = "prod"
  node_group_name = "batch"
  node_role_arn   = "arn:aws:iam::111122223333:role/node"
  subnet_ids      = ["subnet-0a", "subnet-0b"]
  instance_types  = ["c5.xlarge", "c5.large"]
  labels = {
    role = "batch"
  }

  taint {
    key    = "dedicated"
    value  = "batch"
    effect = "NO_SCHEDULE"
  }

  scaling_config {
    desired_size = 1
    max_size     = 2
    min_size     = 1
  }
}

resource "aws_eks_fargate_profile" "jobs" {
  cluster_name           = "prod"
  fargate_profile_name   = "jobs"
  pod_execution_role_arn = "arn:aws:iam::111122223333:role/fargate"
  subnet_ids             = ["subnet-0a"]

  selector {
    namespace = "jobs"
  }
}
