variable "vpc_cidr" {
  type = string
}

# Used by a node group: its size cannot be judged, so LINT000 says why.
resource "aws_subnet" "pods" {
  vpc_id     = "vpc-1"
  cidr_block = cidrsubnet(var.vpc_cidr, 8, 1)
}

# Hosts a load balancer only: no subnet rule needed its CIDR.
resource "aws_subnet" "public" {
  vpc_id     = "vpc-1"
  cidr_block = cidrsubnet(var.vpc_cidr, 8, 100)
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

resource "aws_lb" "web" {
  name    = "web"
  subnets = [aws_subnet.public.id]
}
