resource "aws_eks_cluster" "main" {
  name     = "main"
  role_arn = "arn:aws:iam::111122223333:role/cluster"
  vpc_config {
    subnet_ids = ["subnet-1"]
  }
}

resource "aws_iam_role" "good" {
  name = "good"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "pods.eks.amazonaws.com" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
    }]
  })
}

resource "aws_iam_role" "no_tag" {
  name = "no-tag"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "pods.eks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role" "ecs" {
  name = "ecs"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_eks_pod_identity_association" "good" {
  cluster_name    = aws_eks_cluster.main.name
  namespace       = "shop"
  service_account = "good"
  role_arn        = aws_iam_role.good.arn
}

resource "aws_eks_pod_identity_association" "no_tag" {
  cluster_name    = aws_eks_cluster.main.name
  namespace       = "shop"
  service_account = "no-tag"
  role_arn        = aws_iam_role.no_tag.arn
}

resource "aws_eks_pod_identity_association" "ecs" {
  cluster_name    = aws_eks_cluster.main.name
  namespace       = "shop"
  service_account = "ecs"
  role_arn        = aws_iam_role.ecs.arn
}
