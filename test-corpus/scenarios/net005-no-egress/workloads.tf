resource "aws_eks_node_group" "main" {
  cluster_name   = "main"
  node_role_arn  = "arn:aws:iam::111122223333:role/node"
  subnet_ids     = [aws_subnet.private_a.id]
  instance_types = ["m5.large"]
  scaling_config {
    desired_size = 2
    max_size     = 3
    min_size     = 1
  }
}

resource "aws_ecs_service" "orders" {
  name        = "orders"
  launch_type = "FARGATE"
  network_configuration {
    subnets = [aws_subnet.private_a.id]
  }
}
