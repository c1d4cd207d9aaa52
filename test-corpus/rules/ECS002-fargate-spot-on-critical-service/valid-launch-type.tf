resource "aws_ecs_cluster" "main" {
  name = "prod-cluster"
}

resource "aws_ecs_cluster_capacity_providers" "main" {
  cluster_name = aws_ecs_cluster.main.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]
  default_capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight = 1
  }
}

resource "aws_ecs_service" "api" {
  name = "api"
  cluster = aws_ecs_cluster.main.arn
  launch_type = "FARGATE"
  desired_count = 4
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name = "api"
    container_port = 80
  }
}
