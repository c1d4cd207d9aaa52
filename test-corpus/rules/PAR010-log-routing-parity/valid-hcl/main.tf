resource "aws_ecs_service" "payments" {
  name = "payments"
  desired_count = 2
  task_definition = aws_ecs_task_definition.payments.arn
}

resource "aws_ecs_task_definition" "payments" {
  family = "payments"
  container_definitions = jsonencode([{
    name = "payments"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments:1.0.0"
    stopTimeout = 60
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group" = "/ecs/payments"
        "awslogs-region" = "eu-west-1"
        "awslogs-stream-prefix" = "app"
      }
    }
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
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:1.0.0"
    stopTimeout = 60
    logConfiguration = {
      logDriver = "awsfirelens"
      options = {
        Name = "cloudwatch_logs"
        region = "eu-west-1"
        log_group_name = "/orders/app"
        log_stream_prefix = "orders-"
      }
    }
  }, {
    name = "log_router"
    image = "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable"
    essential = true
    stopTimeout = 60
    firelensConfiguration = {
      type = "fluentbit"
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group" = "/ecs/firelens"
        "awslogs-region" = "eu-west-1"
        "awslogs-stream-prefix" = "router"
      }
    }
  }])
}
