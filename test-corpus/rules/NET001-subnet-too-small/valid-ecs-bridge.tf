resource "aws_subnet" "hosts_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.1.0/26"
}

resource "aws_ecs_task_definition" "web" {
  family = "web"
  network_mode = "bridge"
  requires_compatibilities = ["EC2"]
  container_definitions = jsonencode([
    {
      name         = "web"
      image        = "nginx:1.27"
      memory       = 256
      stopTimeout  = 60
      portMappings = [
        {
          containerPort = 80
          hostPort      = 0
        }
      ]
    }
  ])
}

resource "aws_ecs_service" "web" {
  name = "web"
  cluster = "apps"
  launch_type = "EC2"
  task_definition = aws_ecs_task_definition.web.arn
  desired_count = 40
}

resource "aws_autoscaling_group" "ecs_hosts" {
  max_size = 4
  min_size = 1
  vpc_zone_identifier = [aws_subnet.hosts_a.id]
}
