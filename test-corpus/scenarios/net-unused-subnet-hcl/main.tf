resource "aws_subnet" "tgw_attach_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.255.0/28"
}

resource "aws_subnet" "pods_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.0.0/18"
  availability_zone = "us-east-1a"
}

resource "aws_subnet" "pods_b" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.64.0/18"
  availability_zone = "us-east-1b"
}

resource "aws_eks_node_group" "main" {
  cluster_name = "apps-eks"
  node_role_arn = "arn:aws:iam::111122223333:role/node"
  subnet_ids = [aws_subnet.pods_a.id, aws_subnet.pods_b.id]
  instance_types = ["m5.large"]
  scaling_config {
    desired_size = 2
    max_size = 10
    min_size = 2
  }
}
