provider "aws" {
  region = "eu-west-1"
  allowed_account_ids = ["222233334444"]
}

resource "aws_iam_role" "api_exec" {
  name = "api-exec"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = {
          Service = "ecs-tasks.amazonaws.com"
        }
        Action    = "sts:AssumeRole"
      }
    ]
  })
}

resource "aws_iam_role_policy_attachment" "api_exec" {
  role = aws_iam_role.api_exec.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}
