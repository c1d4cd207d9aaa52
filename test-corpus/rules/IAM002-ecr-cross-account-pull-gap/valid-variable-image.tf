variable "image" {
  type = "string"
}

resource "aws_ecs_task_definition" "api" {
  family = "api"
  requires_compatibilities = ["FARGATE"]
  execution_role_arn = "arn:aws:iam::222233334444:role/api-exec"
  container_definitions = jsonencode([
    {
      name        = "api"
      image       = var.image
      stopTimeout = 60
    }
  ])
}
