variable "cluster_version" {
  type = string
}

module "eks" {
  source          = "terraform-aws-modules/eks/aws"
  version         = "~> 20.0"
  cluster_name    = "main"
  cluster_version = var.cluster_version
  subnet_ids      = ["subnet-0a1b2c3d4e5f60718"]
}
