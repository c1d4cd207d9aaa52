[{"name": "worker", "image": "${image}"}]
