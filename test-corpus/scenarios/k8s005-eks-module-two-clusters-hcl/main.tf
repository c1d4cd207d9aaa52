# Two clusters: the manifests must apply on both. Removals are judged against the newest (1.30),
# replacements against the oldest (1.25).
module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 21.0"

  name               = "blue"
  kubernetes_version = "1.30"
  subnet_ids         = ["subnet-0a1b2c3d4e5f60718"]
}

resource "aws_eks_cluster" "legacy" {
  name     = "legacy"
  role_arn = "arn:aws:iam::111122223333:role/eks"
  version  = "1.25"

  vpc_config {
    subnet_ids = ["subnet-0a1b2c3d4e5f60718"]
  }
}
