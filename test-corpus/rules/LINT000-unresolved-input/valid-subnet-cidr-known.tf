variable "vpc_cidr" {
  type    = string
  default = "10.20.0.0/16"
}

resource "aws_subnet" "pods" {
  vpc_id     = "vpc-1"
  cidr_block = cidrsubnet(var.vpc_cidr, 4, 1)
}

resource "aws_eks_node_group" "workers" {
  cluster_name    = "apps"
  node_group_name = "workers"
  node_role_arn   = "arn:aws:iam::111122223333:role/node"
  subnet_ids      = [aws_subnet.pods.id]
  scaling_config {
    desired_size = 2
    max_size     = 4
    min_size     = 1
  }
}
