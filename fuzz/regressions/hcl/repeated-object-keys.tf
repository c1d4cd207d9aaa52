locals {
  a = { x = 1, "x" = 2, x = 3, y = jsonencode({ Effect = "A", Effect = "B" }) }
  b = { "é" = 1, "é" = 2, "" = 3, "" = 4 }
}
