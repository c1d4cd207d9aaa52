resource "aws_launch_template" "ecs" {
  name_prefix = "legacy-ecs-"
  instance_type = "m5.large"
  user_data = base64encode("#!/bin/bash\necho ECS_CONTAINER_STOP_TIMEOUT=2m >> /etc/ecs/ecs.config\n")
}

resource "aws_ecs_task_definition" "ec2_app" {
  family = "ec2-app"
  requires_compatibilities = ["EC2"]
  container_definitions = jsonencode([
    {
      name   = "ec2-app"
      image  = "app:1"
      memory = 512
    }
  ])
}
