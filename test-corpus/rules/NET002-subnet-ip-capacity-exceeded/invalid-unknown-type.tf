resource "aws_subnet" "gpu_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.64.0/19"
}

resource "aws_eks_node_group" "gpu" {
  cluster_name = "ml"
  node_role_arn = "arn:aws:iam::111122223333:role/node"
  subnet_ids = [aws_subnet.gpu_a.id]
  instance_types = ["zz9.mega"]
  scaling_config {
    desired_size = 1
    max_size = 4
    min_size = 0
  }
}
