resource "aws_ecs_service" "billing" {
  name = "billing"
  cluster = "prod-cluster"
  task_definition = aws_ecs_task_definition.billing.arn
  desired_count = 3
  deployment_minimum_healthy_percent = 100
  deployment_circuit_breaker {
    enable = true
    rollback = false
  }
}

resource "aws_ecs_task_definition" "billing" {
  family = "billing"
  container_definitions = jsonencode([{
    name = "billing"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing:1.0.0"
    stopTimeout = 60
  }])
}

resource "aws_ecs_service" "reports" {
  name = "reports"
  cluster = "prod-cluster"
  task_definition = aws_ecs_task_definition.reports.arn
  desired_count = 4
  deployment_minimum_healthy_percent = 50
}

resource "aws_ecs_task_definition" "reports" {
  family = "reports"
  container_definitions = jsonencode([{
    name = "reports"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/reports:1.0.0"
    stopTimeout = 60
  }])
}

resource "aws_ecs_service" "orders" {
  name = "orders"
  cluster = "prod-cluster"
  task_definition = aws_ecs_task_definition.orders.arn
}

resource "aws_ecs_task_definition" "orders" {
  family = "orders"
  container_definitions = jsonencode([{
    name = "orders"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:1.0.0"
    stopTimeout = 60
  }])
}

resource "aws_appautoscaling_target" "orders" {
  service_namespace = "ecs"
  resource_id = "service/prod-cluster/orders"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity = 2
  max_capacity = 12
}
