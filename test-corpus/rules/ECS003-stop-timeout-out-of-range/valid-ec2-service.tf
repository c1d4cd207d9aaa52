resource "aws_ecs_task_definition" "batch" {
  family = "batch"
  container_definitions = jsonencode([
    { name = "batch", image = "batch:2", stopTimeout = 900 }
  ])
}

resource "aws_ecs_service" "batch" {
  name            = "batch"
  task_definition = aws_ecs_task_definition.batch.arn
  launch_type     = "EC2"
}
