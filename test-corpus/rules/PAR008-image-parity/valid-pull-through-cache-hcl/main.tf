resource "aws_ecs_service" "proxy" {
  name = "proxy"
  desired_count = 2
  task_definition = aws_ecs_task_definition.proxy.arn
}

resource "aws_ecs_task_definition" "proxy" {
  family = "proxy"
  container_definitions = jsonencode([{
    name = "proxy"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/library/nginx@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    stopTimeout = 60
  }])
}

resource "aws_ecs_service" "billing" {
  name = "billing"
  desired_count = 2
  task_definition = aws_ecs_task_definition.billing.arn
}

resource "aws_ecs_task_definition" "billing" {
  family = "billing"
  container_definitions = jsonencode([{
    name = "billing"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    stopTimeout = 60
  }])
}

resource "aws_ecr_pull_through_cache_rule" "hub" {
  ecr_repository_prefix = "docker-hub"
  upstream_registry_url = "registry-1.docker.io"
}
