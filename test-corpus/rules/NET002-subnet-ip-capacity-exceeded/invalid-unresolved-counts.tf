resource "aws_subnet" "app_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.0.0/22"
}

resource "aws_eks_node_group" "main" {
  cluster_name = "apps"
  node_role_arn = "arn:aws:iam::111122223333:role/node"
  subnet_ids = [aws_subnet.app_a.id]
  instance_types = ["m5.large"]
  scaling_config {
    desired_size = 2
    max_size = var.max_nodes
    min_size = 2
  }
}

resource "aws_ecs_service" "api" {
  name = "api"
  cluster = "apps"
  task_definition = "api:3"
  desired_count = var.api_count
  network_configuration {
    subnets = [aws_subnet.app_a.id]
  }
}

resource "aws_ecs_service" "worker" {
  name = "worker"
  cluster = "apps"
  task_definition = "worker:3"
  desired_count = 4
  deployment_maximum_percent = local.surge
  network_configuration {
    subnets = [aws_subnet.app_a.id]
  }
}
