resource "aws_ecs_service" "edge" {
  name = "edge"
  cluster = "prod"
  desired_count = 6
  load_balancer {
    target_group_arn = aws_lb_target_group.edge.arn
    container_name = "edge"
    container_port = 443
  }
  capacity_provider_strategy {
    capacity_provider = aws_ecs_capacity_provider.asg_spot.name
    weight = 0
    base = 0
  }
  capacity_provider_strategy {
    capacity_provider = "EXTERNAL"
    weight = 1
  }
  capacity_provider_strategy {
    capacity_provider = "ec2-spot-asg"
    weight = 3
  }
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight = 0
  }
}
