resource "aws_eks_pod_identity_association" "web" {
  cluster_name = "prod"
  namespace = "shop"
  service_account = "web"
  role_arn = "arn:aws:iam::111122223333:role/web"
}
