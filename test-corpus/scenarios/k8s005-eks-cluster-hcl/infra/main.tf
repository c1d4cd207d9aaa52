variable "k8s_version" {
  default = "1.24"
}

resource "aws_eks_cluster" "main" {
  name     = "main"
  role_arn = "arn:aws:iam::111122223333:role/eks"
  version  = var.k8s_version

  vpc_config {
    subnet_ids = ["subnet-0a1b2c3d4e5f60718"]
  }
}
