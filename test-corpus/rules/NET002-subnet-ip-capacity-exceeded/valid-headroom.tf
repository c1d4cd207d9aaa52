resource "aws_subnet" "app_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.0.0/22"
}

resource "aws_ecs_service" "api" {
  name = "api"
  cluster = "apps"
  task_definition = "api:3"
  desired_count = 400
  network_configuration {
    subnets = [aws_subnet.app_a.id]
  }
}
