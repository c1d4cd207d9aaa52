resource "aws_subnet" "nodes_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.1.0/24"
  ipv6_cidr_block = "2600:1f14:abc:100::/64"
  assign_ipv6_address_on_creation = true
}

resource "aws_eks_cluster" "v6" {
  name = "prod-v6"
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
  instance_types = ["m5.large"]
  scaling_config {
    desired_size = 3
    max_size = 10
    min_size = 3
  }
}
