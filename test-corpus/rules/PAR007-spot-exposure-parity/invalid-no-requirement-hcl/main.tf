resource "aws_ecs_service" "catalog" {
  name = "catalog"
  cluster = "staging"
  desired_count = 2
  task_definition = aws_ecs_task_definition.catalog.arn
  launch_type = "FARGATE"
}

resource "aws_ecs_task_definition" "catalog" {
  family = "catalog"
  container_definitions = jsonencode([{
    name = "catalog"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/catalog:1.0.0"
    stopTimeout = 60
  }])
}
