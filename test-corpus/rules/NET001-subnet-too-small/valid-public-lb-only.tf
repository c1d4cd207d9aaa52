resource "aws_subnet" "public_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.0.0/26"
  tags = {
    "kubernetes.io/role/elb" = "1"
  }
}

resource "aws_subnet" "public_b" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.0.64/26"
  tags = {
    "kubernetes.io/role/elb" = "1"
  }
}

resource "aws_subnet" "pods_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.32.0/19"
  availability_zone = "us-west-2a"
}

resource "aws_subnet" "pods_b" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.64.0/19"
  availability_zone = "us-west-2b"
}

resource "aws_lb" "web" {
  name = "web"
  load_balancer_type = "application"
  subnets = [aws_subnet.public_a.id, aws_subnet.public_b.id]
}

resource "aws_eks_node_group" "main" {
  cluster_name = "prod-cluster"
  node_role_arn = "arn:aws:iam::111122223333:role/node"
  subnet_ids = [aws_subnet.pods_a.id, aws_subnet.pods_b.id]
  scaling_config {
    desired_size = 3
    max_size = 6
    min_size = 3
  }
}
