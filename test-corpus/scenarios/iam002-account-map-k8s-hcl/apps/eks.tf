resource "aws_iam_role" "node" {
  name = "eks-node"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = {
          Service = "ec2.amazonaws.com"
        }
        Action    = "sts:AssumeRole"
      }
    ]
  })
  managed_policy_arns = [
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"
  ]
}

resource "aws_eks_node_group" "default" {
  cluster_name = "prod"
  node_role_arn = aws_iam_role.node.arn
  subnet_ids = ["subnet-0a1b2c3d4e5f60718"]
  scaling_config {
    desired_size = 2
    max_size = 4
    min_size = 2
  }
}
