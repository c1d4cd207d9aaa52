resource "aws_iam_role" "shop" {
  name = "shop"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = {
          Service = "pods.eks.amazonaws.com"
        }
        Action    = ["sts:AssumeRole", "sts:TagSession"]
      }
    ]
  })
}

resource "aws_iam_role" "batch" {
  name = "batch"
  assume_role_policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Principal": {
            "Service": "pods.eks.amazonaws.com"
          },
          "Action": [
            "sts:AssumeRole",
            "sts:TagSession"
          ]
        }
      ]
    }
    EOT
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

resource "aws_eks_pod_identity_association" "batch_default" {
  cluster_name = "prod"
  namespace = "batch"
  service_account = "default"
  role_arn = aws_iam_role.batch.arn
}
