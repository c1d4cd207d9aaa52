resource "aws_ecs_task_definition" "report" {
  family                   = "report"
  requires_compatibilities = ["FARGATE"]
  cpu                      = 8192
  memory                   = 20000
  container_definitions = jsonencode([
    { name = "report", image = "report:1" }
  ])
}
