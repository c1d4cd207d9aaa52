resource "aws_ecs_task_definition" "orders" {
  family                   = "orders"
  requires_compatibilities = ["FARGATE"]
  cpu                      = "256"
  memory                   = "512"
  container_definitions = jsonencode([
    { name = "app", image = "app:1", cpu = 128, memoryReservation = 384 },
    { name = "proxy", image = "envoy:1", cpu = 256, memory = 256 }
  ])
}
