resource "aws_iam_role" "shop" {
  name = "shop"
  assume_role_policy = data.aws_iam_policy_document.shop_trust.json
}

resource "aws_eks_pod_identity_association" "orders" {
  cluster_name = "prod"
  namespace = "shop"
  service_account = "orders"
  role_arn = aws_iam_role.shop.arn
}

resource "aws_eks_pod_identity_association" "payments" {
  cluster_name = "prod"
  namespace = "shop"
  service_account = "payments"
  role_arn = aws_iam_role.shop.arn
}

data "aws_iam_policy_document" "shop_trust" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type = "Service"
      identifiers = ["pods.eks.amazonaws.com"]
    }
    condition {
      test = "StringEquals"
      variable = "aws:RequestTag/kubernetes-namespace"
      values = ["shop"]
    }
    condition {
      test = "StringEquals"
      variable = "aws:RequestTag/kubernetes-service-account"
      values = ["orders", "payments"]
    }
  }
}
