module "ecs" {
  source  = "terraform-aws-modules/ecs/aws"
  version = "~> 6.0"

  cluster_name = "platform"

  cluster_capacity_providers = ["FARGATE", "FARGATE_SPOT"]
  default_capacity_provider_strategy = {
    FARGATE = {
      weight = 1
    }
    FARGATE_SPOT = {
      weight = 3
    }
  }

  services = {
    payments-api = {
      cpu           = 1024
      memory        = 2048
      desired_count = 4
      container_definitions = {
        payments = {
          image     = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments:42"
          essential = true
        }
        ledger = {
          image       = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ledger:7"
          stopTimeout = 120
        }
      }
    }
    search = {
      container_definition_defaults = var.container_defaults
      container_definitions = {
        search = {
          image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/search:2"
        }
      }
    }
    reports-batch = {
      desired_count = 1
      capacity_provider_strategy = {
        spot = {
          capacity_provider = "FARGATE_SPOT"
          weight            = 1
        }
      }
      container_definition_defaults = {
        stopTimeout = 20
      }
      container_definitions = {
        reports = {
          image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/reports:3"
        }
      }
    }
  }
}

module "checkout_cluster" {
  source = "terraform-aws-modules/ecs/aws//modules/cluster"

  name = "checkout"
  default_capacity_provider_strategy = {
    FARGATE_SPOT = {
      weight = 1
      base   = 1
    }
  }
}

module "checkout" {
  source = "terraform-aws-modules/ecs/aws//modules/service"

  name          = "checkout"
  cluster_arn   = module.checkout_cluster.arn
  desired_count = 2
  cpu           = 512
  memory        = 1024

  container_definitions = {
    checkout = {
      image        = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout:9"
      stop_timeout = 15
    }
  }
}

variable "container_defaults" {
  type = any
}
