variable "service_account" {
  type = "string"
}

resource "aws_eks_pod_identity_association" "app" {
  cluster_name = "prod"
  namespace = "shop"
  service_account = var.service_account
  role_arn = "arn:aws:iam::111122223333:role/app"
}
