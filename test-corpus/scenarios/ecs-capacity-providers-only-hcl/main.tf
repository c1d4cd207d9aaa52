resource "aws_ecs_cluster" "platform" {
  name = "platform-prod"
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]
}

resource "aws_ecs_service" "web" {
  name = "web"
  cluster = aws_ecs_cluster.platform.id
  task_definition = "${aws_ecs_task_definition.web.family}:${aws_ecs_task_definition.web.revision}"
  desired_count = 2
  load_balancer {
    target_group_arn = aws_lb_target_group.web.arn
    container_name = "web"
    container_port = 80
  }
}

resource "aws_ecs_task_definition" "web" {
  family = "web"
  requires_compatibilities = ["FARGATE"]
  container_definitions = jsonencode([
    {
      name        = "web"
      image       = "nginx:1.27"
      environment = [
        {
          name  = "APP_ENV"
          value = "production"
        }
      ]
    }
  ])
}
