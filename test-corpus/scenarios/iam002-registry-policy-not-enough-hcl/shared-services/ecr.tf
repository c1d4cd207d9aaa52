provider "aws" {
  region = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_ecr_repository" "api" {
  name = "platform/api"
}

resource "aws_ecr_registry_policy" "replication" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [
      {
        Sid       = "Replicate"
        Effect    = "Allow"
        Principal = {
          AWS = "arn:aws:iam::222233334444:root"
        }
        Action    = ["ecr:ReplicateImage", "ecr:BatchImportUpstreamImage"]
        Resource  = "arn:aws:ecr:eu-west-1:111122223333:repository/*"
      }
    ]
  })
}
