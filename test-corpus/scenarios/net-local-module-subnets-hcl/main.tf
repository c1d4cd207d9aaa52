module "network" {
  source   = "./modules/network"
  vpc_cidr = local.vpc_cidr
}

locals {
  vpc_cidr = "10.40.0.0/16"
}

# A registry module: its inputs are not bound to anything here.
module "labels" {
  source  = "cloudposse/label/null"
  version = "0.25.0"
}
