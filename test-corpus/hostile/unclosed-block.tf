# A block left open: the error points at the end of the file
resource "aws_subnet" "a" {
  cidr_block = "10.0.0.0/24"
  tags = {
    Name = "x"
  }
