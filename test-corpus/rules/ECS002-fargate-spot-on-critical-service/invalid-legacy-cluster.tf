resource "aws_ecs_cluster" "legacy" {
  name = "legacy-prd"
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]
  default_capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight = 1
  }
}

resource "aws_ecs_service" "api" {
  name = "api"
  cluster = "legacy-prd"
  service_connect_configuration {
    enabled = true
    service = {
      port_name = "http"
    }
  }
}

resource "aws_appautoscaling_target" "api" {
  service_namespace = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id = "service/${aws_ecs_cluster.legacy.name}/${aws_ecs_service.api.name}"
  min_capacity = 2
  max_capacity = 8
}
