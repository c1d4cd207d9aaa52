resource "aws_ecs_task_definition" "jobs" {
  family = "jobs"
  container_definitions = jsonencode([
    { name = "jobs", image = "jobs:1", stopTimeout = 180 }
  ])
}

resource "aws_ecs_service" "jobs" {
  name            = "jobs"
  task_definition = aws_ecs_task_definition.jobs.arn
  launch_type     = "FARGATE"
}
