variable "image" {
  type    = string
  default = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.4.2"
}

variable "worker_image" {
  type = string
}

locals {
  stop_timeout = 10
}

resource "aws_ecs_task_definition" "api" {
  family = "api"
  container_definitions = templatefile("${path.module}/tpl/app.json.tpl", {
    image        = var.image
    stop_timeout = local.stop_timeout
    sidecars     = ["log-router"]
  })
}

resource "aws_ecs_task_definition" "worker" {
  family                = "worker"
  container_definitions = templatefile("tpl/worker.json.tpl", { image = var.worker_image })
}
