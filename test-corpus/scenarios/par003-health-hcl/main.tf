resource "aws_lb_target_group" "web" {
  name        = "web"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"

  health_check {
    path    = "/healthz"
    matcher = "200"
  }
}

resource "aws_ecs_service" "web" {
  name            = "web"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.web.arn

  load_balancer {
    target_group_arn = aws_lb_target_group.web.arn
    container_name   = "web"
    container_port   = 8080
  }
}

resource "aws_ecs_task_definition" "web" {
  family = "web"
  container_definitions = jsonencode([
    {
      name        = "web"
      image       = "web:7"
      stopTimeout = 30
      healthCheck = {
        command  = ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]
        interval = 30
        retries  = 3
      }
    }
  ])
}
