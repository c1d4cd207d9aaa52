resource "aws_subnet" "nodes_a" {
  vpc_id     = "vpc-1"
  cidr_block = "10.0.0.32/28"
}

resource "aws_eks_node_group" "main" {
  cluster_name   = "main"
  node_role_arn  = "arn:aws:iam::111122223333:role/node"
  subnet_ids     = [aws_subnet.nodes_a.id]
  instance_types = ["m5.large"]
  scaling_config {
    desired_size = 1
    max_size     = 2
    min_size     = 1
  }
}
