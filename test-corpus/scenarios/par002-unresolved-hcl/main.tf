variable "api_cpu" {
  type = number
}

resource "aws_ecs_task_definition" "api" {
  family = "api"
  container_definitions = jsonencode([
    { name = "api", image = "api:1.2.0", stopTimeout = 30, cpu = var.api_cpu, memory = 512 },
  ])
}
