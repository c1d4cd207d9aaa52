resource "aws_ecs_cluster" "platform" {
  name = "platform-prod"
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]
}

resource "aws_ecs_cluster_capacity_providers" "platform" {
  cluster_name = "platform-prod"
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]
}

resource "aws_ecs_service" "frontend" {
  name = "frontend"
  cluster = aws_ecs_cluster.platform.id
  desired_count = 2
  load_balancer {
    target_group_arn = aws_lb_target_group.frontend.arn
    container_name = "frontend"
    container_port = 80
  }
}
