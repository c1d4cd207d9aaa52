# On-demand Fargate keeps the default delay; the Spot service drains in 60 s and its
# container waits 90 s; a cluster that only associates FARGATE_SPOT is not a strategy.
resource "aws_ecs_cluster" "main" {
  name               = "main"
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]
}

resource "aws_lb_target_group" "api" {
  name = "api"
}

resource "aws_lb_target_group" "worker" {
  name                 = "worker"
  deregistration_delay = 60
}

resource "aws_ecs_task_definition" "worker" {
  family = "worker"
  container_definitions = jsonencode([
    { name = "worker", image = "worker:1", stopTimeout = 90 }
  ])
}

resource "aws_ecs_service" "api" {
  name        = "api"
  cluster     = aws_ecs_cluster.main.id
  launch_type = "FARGATE"
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 80
  }
}

resource "aws_ecs_service" "worker" {
  name            = "worker"
  task_definition = aws_ecs_task_definition.worker.arn
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = 1
  }
  load_balancer {
    target_group_arn = aws_lb_target_group.worker.arn
    container_name   = "worker"
    container_port   = 80
  }
}
