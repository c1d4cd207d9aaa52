a = <<EOF
EOF
b = <<-X
  
 X
c = jsonencode([])
d = jsonencode({}, 1)
e = ((1))
