resource "aws_ecs_service" "payments" {
  name = "payments"
  cluster = "prod-cluster"
  task_definition = aws_ecs_task_definition.payments.arn
  desired_count = 3
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent = 200
  deployment_circuit_breaker {
    enable = true
    rollback = true
  }
  load_balancer {
    target_group_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/payments/0123456789abcdef"
    container_name = "payments"
    container_port = 8080
  }
}

resource "aws_ecs_task_definition" "payments" {
  family = "payments"
  container_definitions = jsonencode([{
    name = "payments"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments:1.0.0"
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
  min_capacity = 4
  max_capacity = 12
}

resource "aws_ecs_service" "search" {
  name = "search"
  cluster = "prod-cluster"
  task_definition = aws_ecs_task_definition.search.arn
  desired_count = 2
}

resource "aws_ecs_task_definition" "search" {
  family = "search"
  container_definitions = jsonencode([{
    name = "search"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/search:1.0.0"
    stopTimeout = 60
  }])
}
