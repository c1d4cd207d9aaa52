# Suppression comments in Terraform HCL: `#` and `//`, on the line above or at the end of it.
resource "aws_ecs_task_definition" "web" {
  family                   = "web"
  requires_compatibilities = ["FARGATE"]
  container_definitions = jsonencode([
    {
      # cutover: ignore[ECS001] the web tier drains in 10 s; the default 30 s is enough
      name      = "web"
      image     = "nginx:1.27"
      essential = true
    },
    {
      name      = "worker" // cutover: ignore[missing-stop-timeout] idempotent jobs, killed work is retried
      image     = "busybox:1.36"
      essential = true
    },
    {
      name      = "sidecar"
      image     = "busybox:1.36"
      essential = true
    },
  ])
}

// cutover: ignore[K8S001] nothing here is Kubernetes, so this one is unused
resource "aws_ecs_task_definition" "api" {
  family                   = "api"
  requires_compatibilities = ["FARGATE"]
  container_definitions = jsonencode([
    {
      name        = "api"
      image       = "nginx:1.27"
      essential   = true
      stopTimeout = 60
    },
  ])
}
