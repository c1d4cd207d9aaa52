resource "aws_ecr_repository" "orgwide" {
  name = "platform/orgwide"
}

resource "aws_ecr_repository" "denied" {
  name = "platform/denied"
}

resource "aws_ecr_repository_policy" "orgwide" {
  repository = aws_ecr_repository.orgwide.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [
      {
        Sid       = "OrgPull"
        Effect    = "Allow"
        Principal = "*"
        Action    = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
        Condition = {
          StringEquals = {
            "aws:PrincipalOrgID" = "o-a1b2c3d4e5"
          }
        }
      }
    ]
  })
}

resource "aws_ecr_repository_policy" "denied" {
  repository = aws_ecr_repository.denied.name
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Sid": "Pull",
          "Effect": "Allow",
          "Principal": {
            "AWS": "arn:aws:iam::222233334444:root"
          },
          "Action": "ecr:*"
        },
        {
          "Sid": "NoProdPull",
          "Effect": "Deny",
          "Principal": {
            "AWS": "222233334444"
          },
          "Action": "ecr:BatchGetImage"
        }
      ]
    }
    EOT
}

resource "aws_ecr_pull_through_cache_rule" "ecr_public" {
  ecr_repository_prefix = "ecr-public"
  upstream_registry_url = "public.ecr.aws"
}
