resource "aws_ecs_task_definition" "web" {
  family = "web"
  requires_compatibilities = ["FARGATE"]
  container_definitions = jsonencode([
    {
      name      = "web"
      image     = "nginx:1.27"
      essential = true
    }
  ])
}
