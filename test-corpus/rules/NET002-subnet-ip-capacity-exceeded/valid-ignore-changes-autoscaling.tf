resource "aws_subnet" "app_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.1.0/26"
}

resource "aws_ecs_service" "api" {
  name = "api"
  cluster = "apps"
  task_definition = "api:3"
  desired_count = 40
  network_configuration {
    subnets = [aws_subnet.app_a.id]
  }
  lifecycle {
    ignore_changes = ["desired_count"]
  }
}

resource "aws_appautoscaling_target" "api" {
  service_namespace = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id = "service/apps/api"
  min_capacity = 2
  max_capacity = 10
}
