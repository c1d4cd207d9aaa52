resource "aws_subnet" "nodes_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.1.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "nodes_b" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.2.0/21"
  availability_zone = "eu-west-1b"
}

resource "aws_subnet" "tasks_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.16.0/23"
}

resource "aws_subnet" "tasks_ok" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.20.0/22"
}

resource "aws_subnet" "control_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.30.0/28"
}

resource "aws_subnet" "control_b" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.30.16/28"
}

resource "aws_eks_cluster" "main" {
  name = "staging"
  role_arn = "arn:aws:iam::111122223333:role/eks"
  vpc_config {
    subnet_ids = [aws_subnet.control_a.id, aws_subnet.control_b.id]
  }
}

resource "aws_eks_node_group" "main" {
  cluster_name = aws_eks_cluster.main.name
  node_role_arn = "arn:aws:iam::111122223333:role/node"
  subnet_ids = [aws_subnet.nodes_a.id, aws_subnet.nodes_b.id]
  instance_types = ["t3.medium"]
  scaling_config {
    desired_size = 1
    max_size = 2
    min_size = 1
  }
}

resource "aws_ecs_service" "api" {
  name = "api"
  cluster = "apps"
  task_definition = "api:1"
  desired_count = 2
  network_configuration {
    subnets = [aws_subnet.tasks_a.id, aws_subnet.tasks_ok.id]
  }
}
