resource "aws_ecs_task_definition" "api" {
  family = "api"
  container_definitions = jsonencode([
    {
      name        = "api"
      image       = "nginx:1.27"
      stopTimeout = 60
      essential   = true
      essential   = false
    }
  ])
}
