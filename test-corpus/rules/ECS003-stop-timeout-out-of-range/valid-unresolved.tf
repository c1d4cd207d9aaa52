resource "aws_ecs_task_definition" "app" {
  family                   = "app"
  requires_compatibilities = ["FARGATE"]
  container_definitions = jsonencode([
    { name = "app", image = "app:1", stopTimeout = var.stop_timeout }
  ])
}
