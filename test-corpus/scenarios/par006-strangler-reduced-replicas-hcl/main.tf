resource "aws_ecs_service" "checkout" {
  name = "checkout"
  cluster = "prod-cluster"
  task_definition = aws_ecs_task_definition.checkout.arn
  desired_count = 6
}

resource "aws_ecs_task_definition" "checkout" {
  family = "checkout"
  container_definitions = jsonencode([{
    name = "checkout"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout:1.0.0"
    stopTimeout = 60
  }])
}
