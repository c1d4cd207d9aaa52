resource "aws_ecs_service" "payments" {
  name = "payments"
  cluster = "prod-cluster"
  desired_count = 2
  task_definition = aws_ecs_task_definition.payments.arn
  load_balancer {
    target_group_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/payments/0123456789abcdef"
    container_name = "payments"
    container_port = 8080
  }
  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight = 1
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

resource "aws_ecs_service" "catalog" {
  name = "catalog"
  cluster = "staging"
  desired_count = 2
  task_definition = aws_ecs_task_definition.catalog.arn
  launch_type = "FARGATE"
}

resource "aws_ecs_task_definition" "catalog" {
  family = "catalog"
  container_definitions = jsonencode([{
    name = "catalog"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/catalog:1.0.0"
    stopTimeout = 60
  }])
}

resource "aws_ecs_service" "worker" {
  name = "worker"
  cluster = "staging"
  desired_count = 2
  task_definition = aws_ecs_task_definition.worker.arn
  launch_type = "FARGATE"
}

resource "aws_ecs_task_definition" "worker" {
  family = "worker"
  container_definitions = jsonencode([{
    name = "worker"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker:1.0.0"
    stopTimeout = 60
  }])
}
