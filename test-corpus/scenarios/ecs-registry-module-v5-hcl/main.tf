# The ECS module before v6: Fargate providers and their default strategy in one map.
module "ecs" {
  source  = "terraform-aws-modules/ecs/aws"
  version = "5.12.0"

  cluster_name = "legacy"

  fargate_capacity_providers = {
    FARGATE = {
      default_capacity_provider_strategy = {
        weight = 1
        base   = 2
      }
    }
    FARGATE_SPOT = {
      default_capacity_provider_strategy = {
        weight = 1
      }
    }
  }

  services = {
    orders = {
      desired_count = 6
      container_definitions = {
        orders = {
          image        = "public.ecr.aws/nginx/nginx:1.27"
          stop_timeout = 120
        }
      }
    }
  }
}
