resource "aws_ecs_service" "payments" {
  name = "payments"
  desired_count = var.payments_count
  deployment_minimum_healthy_percent = var.min_healthy
  task_definition = aws_ecs_task_definition.payments.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.payments.arn
    container_name = "payments"
    container_port = var.port
  }
}

resource "aws_lb_target_group" "payments" {
  name = "payments"
  port = 8080
  protocol = "HTTP"
  target_type = "ip"
  vpc_id = "vpc-0123456789abcdef0"
}

resource "aws_ecs_task_definition" "payments" {
  family = "payments"
  container_definitions = jsonencode([{
    name = "payments"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments:${var.image_tag}"
    stopTimeout = 60
  }])
}
