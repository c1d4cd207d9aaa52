resource "aws_iam_role" "exec" {
  name = "api-exec"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "exec" {
  role       = aws_iam_role.exec.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_iam_role_policy" "secrets" {
  role = aws_iam_role.exec.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "secretsmanager:GetSecretValue"
        Resource = ["arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/*", "arn:aws:secretsmanager:eu-west-1:111122223333:secret:staging/api-??????"]
      },
      {
        Effect   = "Allow"
        Action   = "ssm:GetParameters"
        Resource = "arn:aws:ssm:eu-west-1:111122223333:parameter/prod/*"
      }
    ]
  })
}

resource "aws_kms_key" "secrets" {
  description = "secrets"
}

resource "aws_secretsmanager_secret" "cmk" {
  name       = "staging/api"
  kms_key_id = aws_kms_key.secrets.arn
}

resource "aws_ecs_task_definition" "api" {
  family             = "api"
  execution_role_arn = aws_iam_role.exec.arn
  container_definitions = jsonencode([
    {
      name  = "api"
      image = "nginx:1.27"
      secrets = [
        # Allowed: under prod/*, with a json-key selector and with the random suffix.
        { name = "DB_USER", valueFrom = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbCdEf:username::" },
        { name = "DB_PASSWORD", valueFrom = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db" },
        { name = "FLAG", valueFrom = "arn:aws:ssm:eu-west-1:111122223333:parameter/prod/flag" },
        # Not allowed: another prefix, another service's parameter, and a customer managed key.
        { name = "TOKEN", valueFrom = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:staging/token-AbCdEf" },
        { name = "OTHER", valueFrom = "arn:aws:ssm:eu-west-1:111122223333:parameter/other/flag" },
        { name = "CMK", valueFrom = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:staging/api" },
        # Unknown: a variable.
        { name = "VAR", valueFrom = var.secret_arn }
      ]
    }
  ])
}

resource "aws_ecs_task_definition" "no_exec" {
  family = "worker"
  container_definitions = jsonencode([
    {
      name    = "worker"
      image   = "nginx:1.27"
      secrets = [{ name = "DB_PASSWORD", valueFrom = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db" }]
    }
  ])
}

variable "secret_arn" {
  type = string
}
