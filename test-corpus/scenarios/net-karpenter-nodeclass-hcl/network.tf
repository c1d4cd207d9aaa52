resource "aws_subnet" "pods_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.2.0.0/23"
  availability_zone = "us-west-2a"
  tags = {
    Tier = "pods"
    Name = "pods-a"
  }
}

resource "aws_subnet" "pods_b" {
  vpc_id = "vpc-1"
  cidr_block = "10.2.32.0/19"
  availability_zone = "us-west-2b"
  tags = {
    Tier = "pods"
    Name = "pods-b"
  }
}

resource "aws_subnet" "data_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.2.64.0/24"
  availability_zone = "us-west-2a"
  tags = {
    Tier = "data"
  }
}
