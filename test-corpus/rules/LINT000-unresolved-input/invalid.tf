resource "aws_ecs_task_definition" "app" {
  family = "app"
  container_definitions = jsonencode(local.containers)
}

resource "aws_ecs_task_definition" "broken" {
  family = "broken"
  container_definitions = <<-EOT
    [{"name": "x",}]
    EOT
}
