variable "extra_groups" {
  type = number
}

resource "aws_subnet" "pods" {
  vpc_id            = "vpc-0a1b2c3d"
  cidr_block        = "10.1.0.0/24"
  availability_zone = "eu-west-1a"
}

# Three node groups of up to 3 m5.large nodes each.
resource "aws_eks_node_group" "workers" {
  count           = 3
  cluster_name    = "apps"
  node_group_name = "workers-${count.index}"
  node_role_arn   = "arn:aws:iam::111122223333:role/node"
  subnet_ids      = [aws_subnet.pods.id]
  instance_types  = ["m5.large"]
  scaling_config {
    desired_size = 1
    max_size     = 3
    min_size     = 1
  }
}

# How many is not known: not counted, LINT000 names the expression.
resource "aws_eks_node_group" "extra" {
  count           = var.extra_groups
  cluster_name    = "apps"
  node_group_name = "extra-${count.index}"
  node_role_arn   = "arn:aws:iam::111122223333:role/node"
  subnet_ids      = [aws_subnet.pods.id]
  instance_types  = ["m5.large"]
  scaling_config {
    desired_size = 1
    max_size     = 3
    min_size     = 1
  }
}

# One interface endpoint per service: two addresses.
resource "aws_vpc_endpoint" "ecr" {
  for_each          = toset(["ecr.api", "ecr.dkr", "ecr.api"])
  vpc_id            = "vpc-0a1b2c3d"
  service_name      = "com.amazonaws.eu-west-1.${each.key}"
  vpc_endpoint_type = "Interface"
  subnet_ids        = [aws_subnet.pods.id]
}
