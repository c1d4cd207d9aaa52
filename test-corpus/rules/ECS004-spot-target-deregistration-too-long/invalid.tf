resource "aws_lb_target_group" "web" {
  name        = "web"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_alb_target_group" "admin" {
  name                 = "admin"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 60
}

resource "aws_ecs_task_definition" "admin" {
  family = "admin"
  container_definitions = jsonencode([
    { name = "admin", image = "admin:1" }
  ])
}

resource "aws_ecs_service" "web" {
  name = "web"
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = 1
  }
  load_balancer {
    target_group_arn = aws_lb_target_group.web.arn
    container_name   = "web"
    container_port   = 8080
  }
}

resource "aws_ecs_service" "admin" {
  name            = "admin"
  task_definition = aws_ecs_task_definition.admin.arn
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = 1
  }
  load_balancer {
    target_group_arn = aws_alb_target_group.admin.arn
    container_name   = "admin"
    container_port   = 8080
  }
}

resource "aws_ecs_service" "shared" {
  name = "shared"
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = 2
  }
  load_balancer {
    target_group_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shared/0123456789abcdef"
    container_name   = "shared"
    container_port   = 80
  }
}
