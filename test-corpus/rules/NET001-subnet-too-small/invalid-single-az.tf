resource "aws_subnet" "pods_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.0.0/19"
  availability_zone = "ap-southeast-2a"
}

resource "aws_subnet" "pods_a2" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.32.0/19"
  availability_zone = "ap-southeast-2a"
}

resource "aws_eks_node_group" "main" {
  cluster_name = "dev"
  node_role_arn = "arn:aws:iam::111122223333:role/node"
  subnet_ids = [aws_subnet.pods_a.id, aws_subnet.pods_a2.id]
  scaling_config {
    desired_size = 1
    max_size = 3
    min_size = 1
  }
}
