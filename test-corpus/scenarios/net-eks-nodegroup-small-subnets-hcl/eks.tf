resource "aws_eks_node_group" "general" {
  cluster_name = "apps-eks"
  node_role_arn = "arn:aws:iam::111122223333:role/node"
  subnet_ids = [aws_subnet.private_a.id, aws_subnet.private_b.id]
  instance_types = ["m5.large"]
  scaling_config {
    desired_size = 2
    max_size = 20
    min_size = 2
  }
}
