resource "aws_ecs_service" "checkout" {
  name = "checkout"
  cluster = "apps"
  task_definition = "checkout:4"
  desired_count = 6
  deployment_maximum_percent = 200
  network_configuration {
    subnets = [aws_subnet.private_a.id, aws_subnet.private_b.id]
  }
}
