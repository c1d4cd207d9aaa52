resource "aws_ecs_cluster" "main" {
  name = "prod-cluster"
}

resource "aws_ecs_cluster_capacity_providers" "main" {
  cluster_name = aws_ecs_cluster.main.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]
  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    base = 1
    weight = 20
  }
  default_capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight = 80
  }
}
