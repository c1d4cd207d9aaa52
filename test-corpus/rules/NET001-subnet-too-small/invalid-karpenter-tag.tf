module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
  azs = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
  private_subnets = ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/22"]
  private_subnet_tags = {
    "karpenter.sh/discovery" = "dev-eks"
  }
}
