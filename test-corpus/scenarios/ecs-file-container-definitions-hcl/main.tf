resource "aws_ecs_task_definition" "api" {
  family                   = "api"
  requires_compatibilities = ["FARGATE"]
  cpu                      = "512"
  memory                   = "1024"
  container_definitions    = file("${path.module}/containers/api.json")
}

resource "aws_ecs_task_definition" "worker" {
  family                = "worker"
  container_definitions = file("containers/${var.worker_file}")
}

resource "aws_ecs_task_definition" "gone" {
  family                = "gone"
  container_definitions = file("${path.module}/containers/missing.json")
}

variable "worker_file" {
  type = string
}
