variable "pricing_warmup" {
  type = number
}

resource "aws_ecs_task_definition" "orders" {
  family = "orders"
  container_definitions = jsonencode([
    {
      name        = "orders"
      image       = "orders:5"
      stopTimeout = 30
      healthCheck = {
        command     = ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]
        timeout     = 5
        startPeriod = 60
      }
    }
  ])
}

resource "aws_ecs_task_definition" "search" {
  family = "search"
  container_definitions = jsonencode([
    {
      name        = "search"
      image       = "search:2"
      stopTimeout = 30
      healthCheck = {
        command     = ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]
        timeout     = 5
        startPeriod = 120
      }
    }
  ])
}

resource "aws_ecs_task_definition" "reports" {
  family = "reports"
  container_definitions = jsonencode([
    {
      name        = "reports"
      image       = "reports:8"
      stopTimeout = 30
      healthCheck = {
        command     = ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]
        timeout     = 5
        startPeriod = 90
      }
    }
  ])
}

resource "aws_ecs_task_definition" "pricing" {
  family = "pricing"
  container_definitions = jsonencode([
    {
      name        = "pricing"
      image       = "pricing:3"
      stopTimeout = 30
      healthCheck = {
        command     = ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]
        timeout     = 5
        startPeriod = var.pricing_warmup
      }
    }
  ])
}
