resource "aws_subnet" "control_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.0.0/27"
}

resource "aws_subnet" "control_b" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.0.32/27"
}

resource "aws_subnet" "pods_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.64.0/18"
  availability_zone = "us-east-2a"
}

resource "aws_subnet" "pods_b" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.128.0/18"
  availability_zone = "us-east-2b"
}

resource "aws_eks_cluster" "main" {
  name = "prod"
  role_arn = "arn:aws:iam::111122223333:role/eks"
  vpc_config {
    subnet_ids = [aws_subnet.control_a.id, aws_subnet.control_b.id]
  }
}

resource "aws_eks_node_group" "main" {
  cluster_name = aws_eks_cluster.main.name
  node_role_arn = "arn:aws:iam::111122223333:role/node"
  subnet_ids = [aws_subnet.pods_a.id, aws_subnet.pods_b.id]
  scaling_config {
    desired_size = 3
    max_size = 30
    min_size = 3
  }
}
