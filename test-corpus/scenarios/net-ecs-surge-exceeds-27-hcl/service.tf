resource "aws_subnet" "tasks_a" {
  vpc_id = "vpc-0abc"
  cidr_block = "10.1.0.0/27"
  availability_zone = "eu-central-1a"
}

resource "aws_subnet" "tasks_b" {
  vpc_id = "vpc-0abc"
  cidr_block = "10.1.0.32/27"
  availability_zone = "eu-central-1b"
}

resource "aws_ecs_task_definition" "search" {
  family = "search"
  network_mode = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu = "512"
  memory = "1024"
  container_definitions = jsonencode([
    {
      name        = "search"
      image       = "public.ecr.aws/nginx/nginx:1.27"
      essential   = true
      stopTimeout = 60
    }
  ])
}

resource "aws_ecs_service" "search" {
  name = "search"
  cluster = "apps"
  task_definition = aws_ecs_task_definition.search.arn
  launch_type = "FARGATE"
  desired_count = 30
  deployment_maximum_percent = 200
  deployment_minimum_healthy_percent = 100
  network_configuration {
    subnets = [aws_subnet.tasks_a.id, aws_subnet.tasks_b.id]
    assign_public_ip = false
  }
}
