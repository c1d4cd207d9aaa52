resource "aws_subnet" "nodes_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.1.0/26"
  ipv6_cidr_block = "2600:1f14:abc:100::/64"
}

resource "aws_eks_cluster" "v6" {
  name = "v6"
  role_arn = "arn:aws:iam::111122223333:role/eks"
  vpc_config {
    subnet_ids = [aws_subnet.nodes_a.id]
  }
  kubernetes_network_config {
    ip_family = "ipv6"
  }
}

resource "aws_eks_node_group" "main" {
  cluster_name = aws_eks_cluster.v6.name
  node_role_arn = "arn:aws:iam::111122223333:role/node"
  subnet_ids = [aws_subnet.nodes_a.id]
  instance_types = ["m5.4xlarge"]
  scaling_config {
    desired_size = 3
    max_size = 20
    min_size = 3
  }
}
