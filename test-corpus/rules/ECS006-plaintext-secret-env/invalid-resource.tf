resource "aws_ecs_task_definition" "api" {
  family = "api"
  container_definitions = jsonencode([
    {
      name        = "api"
      image       = "api:1"
      stopTimeout = 60
      environment = [
        { name = "JWT_SECRET", value = "abc123def" },
        { name = "JWT_SECRET_NAME", value = "prod/jwt" },
        { name = "DB_PASSWORD", value = var.db_password }
      ]
    }
  ])
}
