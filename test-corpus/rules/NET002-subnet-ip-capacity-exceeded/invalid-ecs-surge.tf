resource "aws_subnet" "app_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.1.0/27"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "app_b" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.1.32/27"
  availability_zone = "eu-west-1b"
}

resource "aws_ecs_service" "orders" {
  name = "orders"
  cluster = "apps"
  task_definition = "orders:7"
  launch_type = "FARGATE"
  desired_count = 3
  deployment_maximum_percent = 200
  network_configuration {
    subnets = [aws_subnet.app_a.id, aws_subnet.app_b.id]
    assign_public_ip = false
  }
}

resource "aws_appautoscaling_target" "orders" {
  service_namespace = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id = "service/apps/${aws_ecs_service.orders.name}"
  min_capacity = 3
  max_capacity = 30
}
