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

resource "aws_ecs_service" "batch" {
  name = "batch"
  cluster = "staging"
  desired_count = 2
  task_definition = aws_ecs_task_definition.batch.arn
  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    base = 1
    weight = 1
  }
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight = 3
  }
}

resource "aws_ecs_task_definition" "batch" {
  family = "batch"
  container_definitions = jsonencode([{
    name = "batch"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/batch:1.0.0"
    stopTimeout = 60
  }])
}

resource "aws_ecs_service" "reports" {
  name = "reports"
  cluster = "staging"
  desired_count = 2
  task_definition = aws_ecs_task_definition.reports.arn
  launch_type = "EC2"
}

resource "aws_ecs_task_definition" "reports" {
  family = "reports"
  container_definitions = jsonencode([{
    name = "reports"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/reports:1.0.0"
    stopTimeout = 60
  }])
}
