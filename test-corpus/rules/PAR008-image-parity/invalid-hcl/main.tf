resource "aws_ecs_service" "payments" {
  name = "payments"
  desired_count = 2
  task_definition = aws_ecs_task_definition.payments.arn
}

resource "aws_ecs_task_definition" "payments" {
  family = "payments"
  container_definitions = jsonencode([{
    name = "payments"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments:1.4.2"
    stopTimeout = 60
  }])
}

resource "aws_ecs_service" "orders" {
  name = "orders"
  desired_count = 2
  task_definition = aws_ecs_task_definition.orders.arn
}

resource "aws_ecs_task_definition" "orders" {
  family = "orders"
  container_definitions = jsonencode([{
    name = "orders"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:2.0.0"
    stopTimeout = 60
  }])
}

resource "aws_ecs_service" "search" {
  name = "search"
  desired_count = 2
  task_definition = aws_ecs_task_definition.search.arn
}

resource "aws_ecs_task_definition" "search" {
  family = "search"
  container_definitions = jsonencode([{
    name = "search"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/search:3.1.0"
    stopTimeout = 60
  }])
}

resource "aws_ecs_service" "ledger" {
  name = "ledger"
  desired_count = 2
  task_definition = aws_ecs_task_definition.ledger.arn
}

resource "aws_ecs_task_definition" "ledger" {
  family = "ledger"
  container_definitions = jsonencode([{
    name = "ledger"
    image = "nginx"
    stopTimeout = 60
  }])
}
