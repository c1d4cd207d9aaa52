resource "aws_ecs_service" "web" {
  name = "web"
  cluster = "staging"
  desired_count = 2
  task_definition = aws_ecs_task_definition.web.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.web.arn
    container_name = "web"
    container_port = 8080
  }
}

resource "aws_ecs_task_definition" "web" {
  family = "web"
  container_definitions = jsonencode([{
    name = "web"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0.0"
    stopTimeout = 60
    portMappings = [{
      containerPort = 8080
    }]
  }])
}

resource "aws_lb_target_group" "web" {
  name = "web"
  port = 8080
  protocol = "HTTP"
  target_type = "ip"
  vpc_id = "vpc-0123456789abcdef0"
}

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

resource "aws_ecs_service" "admin" {
  name = "admin"
  cluster = "staging"
  desired_count = 2
  task_definition = aws_ecs_task_definition.admin.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.admin.arn
    container_name = "admin"
    container_port = 3000
  }
}

resource "aws_ecs_task_definition" "admin" {
  family = "admin"
  container_definitions = jsonencode([{
    name = "admin"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/admin:1.0.0"
    stopTimeout = 60
    portMappings = [{
      containerPort = 3000
    }]
  }])
}

resource "aws_lb_target_group" "admin" {
  name = "admin"
  port = 3000
  protocol = "HTTPS"
  target_type = "ip"
  vpc_id = "vpc-0123456789abcdef0"
}
