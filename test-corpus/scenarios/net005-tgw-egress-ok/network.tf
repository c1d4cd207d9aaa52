# The negative twin: central egress through a transit gateway default route.
resource "aws_subnet" "private_a" {
  vpc_id     = "vpc-1"
  cidr_block = "10.20.1.0/24"
}

resource "aws_route_table" "private" {
  vpc_id = "vpc-1"
}

resource "aws_route" "egress" {
  route_table_id         = aws_route_table.private.id
  destination_cidr_block = "0.0.0.0/0"
  transit_gateway_id     = "tgw-0123456789abcdef0"
}

resource "aws_route_table_association" "private_a" {
  subnet_id      = aws_subnet.private_a.id
  route_table_id = aws_route_table.private.id
}
