resource "aws_ecs_service" "payments" {
  name = "payments-api"
  cluster = "arn:aws:ecs:eu-west-1:123456789012:cluster/platform"
  task_definition = "arn:aws:ecs:eu-west-1:123456789012:task-definition/payments:42"
  desired_count = 3
  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight = 1
  }
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight = 2
  }
}

resource "aws_ecs_service" "settlement" {
  name = "payments-batch"
  cluster = "arn:aws:ecs:eu-west-1:123456789012:cluster/platform"
  task_definition = "settlement"
  desired_count = 1
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight = 1
  }
}

resource "aws_ecs_service" "reports" {
  name = "reports-batch"
  cluster = "prod-cluster"
  task_definition = "settlement"
  desired_count = 2
  load_balancer {
    target_group_arn = aws_lb_target_group.reports.arn
    container_name = "settlement"
    container_port = 80
  }
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight = 1
  }
}
