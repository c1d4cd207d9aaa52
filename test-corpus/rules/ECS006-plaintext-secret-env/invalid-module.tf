module "ecs_service" {
  source = "terraform-aws-modules/ecs/aws//modules/service"

  name = "orders"
  container_definitions = {
    orders = {
      image = "orders:2"
      environment = [
        { name = "REDIS_AUTH_TOKEN", value = "f00dbabe" },
        { name = "REDIS_HOST", value = "redis.internal" }
      ]
    }
  }
}

module "other" {
  source = "./modules/app"
  environment = [
    { name = "DB_PASSWORD", value = "not-an-ecs-module" }
  ]
}
