resource "aws_ecs_service" "orders" {
  name            = "orders"
  cluster         = "prod-cluster"
  launch_type     = "FARGATE"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.orders.arn
}

resource "aws_ecs_task_definition" "orders" {
  family = "orders"
  cpu    = "1 vCPU"
  memory = "2 GB"
  container_definitions = jsonencode([
    { name = "orders", image = "orders:3.0.0", stopTimeout = 30, cpu = 512, memory = 1024 },
    { name = "envoy", image = "envoy:1.30", stopTimeout = 30, cpu = 256, memoryReservation = 128 },
  ])
}
