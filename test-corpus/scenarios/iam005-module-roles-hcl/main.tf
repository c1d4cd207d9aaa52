# A service of the terraform-aws-modules/ecs module without roles of its own: the module creates
# the task execution role, whose policy is not in the inputs.
module "ecs" {
  source  = "terraform-aws-modules/ecs/aws"
  version = "~> 6.0"

  cluster_name = "platform"

  services = {
    orders = {
      cpu    = 512
      memory = 1024
      container_definitions = {
        orders = {
          image       = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:1"
          stopTimeout = 60
          secrets = [
            {
              name      = "DB_PASSWORD"
              valueFrom = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf"
            }
          ]
          logConfiguration = {
            logDriver = "awslogs"
            options = {
              awslogs-group         = "/ecs/orders"
              awslogs-region        = "eu-west-1"
              awslogs-stream-prefix = "orders"
            }
          }
        }
      }
    }
  }
}
