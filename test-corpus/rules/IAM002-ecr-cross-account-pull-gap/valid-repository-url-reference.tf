provider "aws" {
  region = "eu-west-1"
  allowed_account_ids = ["222233334444"]
}

resource "aws_ecr_repository" "api" {
  name = "api"
}

resource "aws_ecs_task_definition" "api" {
  family = "api"
  requires_compatibilities = ["FARGATE"]
  execution_role_arn = "arn:aws:iam::222233334444:role/api-exec"
  container_definitions = jsonencode([
    {
      name        = "api"
      image       = "${aws_ecr_repository.api.repository_url}:1.4.2"
      stopTimeout = 60
    }
  ])
}
