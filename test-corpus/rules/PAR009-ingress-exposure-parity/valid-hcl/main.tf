resource "aws_ecs_service" "api" {
  name = "api"
  cluster = "staging"
  desired_count = 2
  task_definition = aws_ecs_task_definition.api.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name = "api"
    container_port = 8080
  }
}

resource "aws_ecs_task_definition" "api" {
  family = "api"
  container_definitions = jsonencode([{
    name = "api"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.0.0"
    stopTimeout = 60
    portMappings = [{
      containerPort = 8080
    }]
  }])
}

resource "aws_lb_target_group" "api" {
  name = "api"
  port = 8080
  protocol = "HTTP"
  target_type = "ip"
  vpc_id = "vpc-0123456789abcdef0"
}

resource "aws_ecs_service" "tcp" {
  name = "tcp"
  cluster = "staging"
  desired_count = 2
  task_definition = aws_ecs_task_definition.tcp.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.tcp.arn
    container_name = "tcp"
    container_port = 5432
  }
}

resource "aws_ecs_task_definition" "tcp" {
  family = "tcp"
  container_definitions = jsonencode([{
    name = "tcp"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/tcp:1.0.0"
    stopTimeout = 60
    portMappings = [{
      containerPort = 5432
    }]
  }])
}

resource "aws_lb_target_group" "tcp" {
  name = "tcp"
  port = 5432
  protocol = "TCP"
  target_type = "ip"
  vpc_id = "vpc-0123456789abcdef0"
}

resource "aws_ecs_service" "bind" {
  name = "bind"
  cluster = "staging"
  desired_count = 2
  task_definition = aws_ecs_task_definition.bind.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.bind.arn
    container_name = "bind"
    container_port = 8080
  }
}

resource "aws_ecs_task_definition" "bind" {
  family = "bind"
  container_definitions = jsonencode([{
    name = "bind"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/bind:1.0.0"
    stopTimeout = 60
    portMappings = [{
      containerPort = 8080
    }]
  }])
}

resource "aws_lb_target_group" "bind" {
  name = "bind"
  port = 8080
  protocol = "HTTP"
  target_type = "ip"
  vpc_id = "vpc-0123456789abcdef0"
}
