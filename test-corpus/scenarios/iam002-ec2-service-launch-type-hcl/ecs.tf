provider "aws" {
  region = "eu-west-1"
  allowed_account_ids = ["222233334444"]
}

resource "aws_iam_role" "exec" {
  name = "api-exec"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = {
          Service = "ecs-tasks.amazonaws.com"
        }
        Action    = "sts:AssumeRole"
      }
    ]
  })
}

resource "aws_ecs_task_definition" "api" {
  family = "api"
  execution_role_arn = aws_iam_role.exec.arn
  container_definitions = jsonencode([
    {
      name        = "api"
      image       = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/platform/api:1.4.2"
      memory      = 512
      stopTimeout = 60
    }
  ])
}

resource "aws_ecs_service" "api" {
  name = "api"
  cluster = "ec2-cluster"
  launch_type = "EC2"
  task_definition = aws_ecs_task_definition.api.arn
  desired_count = 2
}
