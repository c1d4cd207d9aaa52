[
  {
    "name": "api",
    "image": "${image}",
%{ if stop_timeout > 0 ~}
    "stopTimeout": ${stop_timeout},
%{ endif ~}
    "essential": true
  }%{ for s in sidecars },
  {
    "name": "${s}",
    "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable"
  }%{ endfor }
]
