resource "aws_ecs_task_definition" "orders" {
  family                   = "orders"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = "arn:aws:iam::111122223333:role/orders-exec"
  container_definitions = jsonencode([{
    name        = "orders"
    image       = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/orders:1"
    essential   = true
    stopTimeout = 60
    secrets = [
      { name = "DB_PASSWORD", valueFrom = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbCdEf" },
      { name = "API_TOKEN", valueFrom = "/orders/api-token" }
    ]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = "/ecs/orders"
        awslogs-region        = "eu-west-1"
        awslogs-stream-prefix = "orders"
      }
    }
  }])
}

resource "aws_ecs_service" "orders" {
  name            = "orders"
  launch_type     = "FARGATE"
  task_definition = aws_ecs_task_definition.orders.arn
  network_configuration {
    subnets = [aws_subnet.private_a.id]
  }
}
