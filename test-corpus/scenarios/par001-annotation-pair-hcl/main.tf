resource "aws_ecs_task_definition" "web" {
  family = "storefront-web"
  container_definitions = jsonencode([
    {
      name        = "web"
      image       = "storefront:9"
      essential   = true
      stopTimeout = 90
    }
  ])
}

resource "aws_ecs_service" "web" {
  name            = "storefront"
  desired_count   = 3
  task_definition = aws_ecs_task_definition.web.arn
}
