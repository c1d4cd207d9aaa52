resource "aws_ecs_service" "api" {
  name = "api"
  cluster = "staging"
  desired_count = 2
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name = "api"
    container_port = 80
  }
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight = 1
  }
}
