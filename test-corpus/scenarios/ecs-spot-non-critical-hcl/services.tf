resource "aws_ecs_service" "app" {
  name = "app-service"
  cluster = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.app.arn
  desired_count = 4
  deployment_minimum_healthy_percent = 50
  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name = "app"
    container_port = 8080
  }
}

resource "aws_ecs_service" "admin" {
  name = "admin"
  cluster = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.admin.arn
  launch_type = "FARGATE"
  desired_count = 2
  load_balancer {
    target_group_arn = aws_lb_target_group.admin.arn
    container_name = "admin"
    container_port = 8080
  }
}

resource "aws_ecs_task_definition" "app" {
  family = "app"
  requires_compatibilities = ["FARGATE"]
  cpu = "512"
  memory = "1024"
  container_definitions = jsonencode([
    {
      name        = "app"
      image       = "app:1.0"
      essential   = true
      environment = [
        {
          name  = "ENV"
          value = "production"
        }
      ]
    }
  ])
}

resource "aws_ecs_task_definition" "admin" {
  family = "admin"
  requires_compatibilities = ["FARGATE"]
  cpu = "256"
  memory = "512"
  container_definitions = jsonencode([
    {
      name        = "admin"
      image       = "admin:1.0"
      stopTimeout = 10
    }
  ])
}
