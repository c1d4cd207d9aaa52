resource "aws_eks_node_group" "workers" {
  cluster_name    = "apps-eks"
  node_group_name = "workers"
  node_role_arn   = "arn:aws:iam::111122223333:role/node"
  subnet_ids      = [aws_subnet.pods_a.id, aws_subnet.pods_b.id]
  instance_types  = ["m5.large"]
  scaling_config {
    desired_size = 2
    max_size     = 4
    min_size     = 2
  }
}
