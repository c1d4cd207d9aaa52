resource "aws_ecs_service" "api" {
  name = "api"
  cluster = "staging"
  launch_type = "FARGATE"
  task_definition = aws_ecs_task_definition.api.arn
  desired_count = 2
}

resource "aws_ecs_task_definition" "api" {
  family = "api"
  requires_compatibilities = ["FARGATE"]
  container_definitions = jsonencode([
    {
      name  = "api"
      image = "api:3"
    }
  ])
}

resource "aws_ecs_task_definition" "db_migrate" {
  family = "db-migrate"
  requires_compatibilities = ["FARGATE"]
  container_definitions = jsonencode([
    {
      name    = "migrate"
      image   = "api:3"
      command = ["migrate"]
    }
  ])
}

resource "aws_scheduler_schedule" "report" {
  name = "weekly-report"
  schedule_expression = "cron(0 6 ? * MON *)"
  flexible_time_window = {
    mode = "OFF"
  }
  target = {
    arn            = "arn:aws:ecs:eu-west-1:123456789012:cluster/staging"
    role_arn       = "arn:aws:iam::123456789012:role/scheduler"
    ecs_parameters = {
      task_definition_arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/weekly-report:4"
      launch_type         = "FARGATE"
    }
  }
}
