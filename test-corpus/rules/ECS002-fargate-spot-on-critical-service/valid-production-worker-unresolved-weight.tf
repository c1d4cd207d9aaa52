resource "aws_ecs_service" "worker" {
  name = "queue-worker"
  cluster = "prod"
  desired_count = 3
  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight = 1
  }
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight = var.spot_weight
  }
}
