resource "aws_eks_node_group" "a" {
  cluster_name    = "prod"
  node_group_name = "a"
  node_role_arn   = "arn:aws:iam::111122223333:role/node"
  subnet_ids      = ["subnet-0a"]
  instance_types  = ["t3.medium"]

  scaling_config {
    desired_size = 1
    max_size     = 2
    min_size     = 1
  }
}

resource "aws_eks_node_group" "b" {
  cluster_name    = "prod"
  node_group_name = "b"
  node_role_arn   = "arn:aws:iam::111122223333:role/node"
  subnet_ids      = ["subnet-0b"]
  instance_types  = ["t3.medium"]

  scaling_config {
    desired_size = 1
    max_size     = 2
    min_size     = 1
  }
}

resource "aws_launch_template" "lt" {
  name      = "lt"
  user_data = base64encode("#!/bin/bash\n/etc/eks/bootstrap.sh prod --kubelet-extra-args '--max-pods=8'\n")
}

resource "aws_eks_node_group" "c" {
  cluster_name    = "prod"
  node_group_name = "c"
  node_role_arn   = "arn:aws:iam::111122223333:role/node"
  subnet_ids      = ["subnet-0a"]
  instance_types  = ["m5.large"]
  labels = {
    pool = "c"
  }

  launch_template {
    id      = aws_launch_template.lt.id
    version = "$Latest"
  }

  taint {
    key    = "pool"
    value  = "c"
    effect = "NO_EXECUTE"
  }

  scaling_config {
    desired_size = 1
    max_size     = 1
    min_size     = 1
  }
}
