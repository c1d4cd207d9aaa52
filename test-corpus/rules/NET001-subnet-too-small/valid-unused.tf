resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "spare" {
  vpc_id = aws_vpc.main.id
  cidr_block = "10.0.250.0/28"
}

resource "aws_subnet" "db" {
  vpc_id = aws_vpc.main.id
  cidr_block = "10.0.251.0/24"
}
