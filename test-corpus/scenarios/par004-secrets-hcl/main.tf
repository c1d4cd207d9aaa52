resource "aws_ecs_service" "billing" {
  name            = "billing"
  cluster         = "prod-cluster"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.billing.arn
}

resource "aws_ecs_task_definition" "billing" {
  family = "billing"
  container_definitions = jsonencode([
    {
      name  = "billing"
      image = "billing:2"
      secrets = [
        { name = "DB_PASSWORD", valueFrom = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/billing-db" },
        { name = "API_TOKEN", valueFrom = "/prod/billing/api-token" },
      ]
    },
  ])
}
