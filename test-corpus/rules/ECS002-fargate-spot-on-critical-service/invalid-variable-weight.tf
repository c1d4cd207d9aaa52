variable "fargate_weight" {
  default = 1
}

resource "aws_ecs_service" "api" {
  name = "api"
  cluster = "arn:aws:ecs:eu-west-1:123456789012:cluster/platform-prod"
  desired_count = 3
  service_registries {
    registry_arn = aws_service_discovery_service.api.arn
  }
  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight = var.fargate_weight
  }
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight = var.fargate_weight
  }
}
