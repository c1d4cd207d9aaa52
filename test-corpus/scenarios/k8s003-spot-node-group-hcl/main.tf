resource "aws_eks_node_group" "spot" {
  cluster_name    = "prod"
  node_group_name = "spot"
  node_role_arn   = "arn:aws:iam::111122223333:role/node"
  subnet_ids      = ["subnet-0a", "subnet-0b"]
  capacity_type   = "SPOT"

  scaling_config {
    desired_size = 1
    max_size     = 1
    min_size     = 1
  }
}
