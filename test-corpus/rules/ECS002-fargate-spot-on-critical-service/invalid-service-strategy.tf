resource "aws_ecs_cluster" "main" {
  name = "prod-cluster"
}

resource "aws_ecs_service" "app" {
  name = "app-service"
  cluster = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.app.arn
  desired_count = 10
  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    base = 1
    weight = 20
  }
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight = 80
  }
  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name = "app"
    container_port = 8080
  }
}

resource "aws_ecs_task_definition" "app" {
  family = "app"
  requires_compatibilities = ["FARGATE"]
  runtime_platform {
    cpu_architecture = "ARM64"
    operating_system_family = "LINUX"
  }
  container_definitions = jsonencode([
    {
      name        = "app"
      image       = "app:1"
      stopTimeout = 120
    }
  ])
}
