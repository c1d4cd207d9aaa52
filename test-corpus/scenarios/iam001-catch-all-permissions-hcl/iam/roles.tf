resource "aws_iam_role" "karpenter" {
  name = "karpenter-controller"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = {
          Federated = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"
        }
        Action    = "sts:AssumeRoleWithWebIdentity"
        Condition = {
          StringEquals = {
            "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE:sub" = "system:serviceaccount:karpenter:karpenter"
            "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE:aud" = "sts.amazonaws.com"
          }
        }
      }
    ]
  })
}

resource "aws_iam_role" "alb" {
  name = "alb-controller"
  assume_role_policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Principal": {
            "Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"
          },
          "Action": "sts:AssumeRoleWithWebIdentity",
          "Condition": {
            "StringEquals": {
              "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE:sub": "system:serviceaccount:ingress:aws-load-balancer-controller"
            }
          }
        }
      ]
    }
    EOT
  managed_policy_arns = ["arn:aws:iam::aws:policy/ElasticLoadBalancingFullAccess"]
}

resource "aws_iam_role" "alb_kube_system" {
  name = "alb-controller-kube-system"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = {
          Federated = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"
        }
        Action    = "sts:AssumeRoleWithWebIdentity"
        Condition = {
          StringEquals = {
            "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE:sub" = "system:serviceaccount:kube-system:aws-load-balancer-controller"
          }
        }
      }
    ]
  })
  managed_policy_arns = ["arn:aws:iam::aws:policy/ElasticLoadBalancingFullAccess"]
}

resource "aws_iam_role_policy" "karpenter" {
  name = "karpenter-controller"
  role = aws_iam_role.karpenter.id
  policy = data.aws_iam_policy_document.karpenter.json
}

data "aws_iam_policy_document" "karpenter" {
  statement {
    sid = "PassNodeRole"
    actions = ["iam:PassRole"]
    resources = ["*"]
  }
  statement {
    sid = "Ec2"
    actions = ["ec2:RunInstances", "ec2:CreateFleet", "ec2:TerminateInstances"]
    resources = ["*"]
  }
}
