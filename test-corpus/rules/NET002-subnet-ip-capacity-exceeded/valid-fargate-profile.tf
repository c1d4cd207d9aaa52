resource "aws_subnet" "fargate_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.3.0/26"
}

resource "aws_eks_fargate_profile" "default" {
  cluster_name = "dev"
  fargate_profile_name = "default"
  pod_execution_role_arn = "arn:aws:iam::111122223333:role/fargate"
  subnet_ids = [aws_subnet.fargate_a.id]
  selector {
    namespace = "default"
  }
}
