resource "aws_subnet" "nodes_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.4.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_eks_node_group" "shop" {
  cluster_name = "shop"
  node_role_arn = "arn:aws:iam::111122223333:role/node"
  subnet_ids = [aws_subnet.nodes_a.id]
  instance_types = ["m5.large"]
  scaling_config {
    desired_size = 2
    max_size = 12
    min_size = 2
  }
}
