#!/usr/bin/env bash
# Build the seed corpora for the fuzz targets from the repository's fixtures (and, when present,
# ../shared/corpus/real beside the repository). Seeds go to fuzz/corpus/<target>/ (not committed).
set -euo pipefail
cd "$(dirname "$0")"
root=..
mkdir -p corpus/{yaml,json,embedded,classify,tfref,hcl,tfeval}
sources=("$root/test-corpus" "$root/examples")
[[ -d "$root/../shared/corpus/real" ]] && sources+=("$root/../shared/corpus/real")
python3 - "${sources[@]}" <<'PY'
import hashlib, json, os, re, sys
names = ["deploy.yaml","task-definition.json","main.tf.json","plan.json","values.yml","service.json","README.txt","k8s.json"]
def put(target, data):
    if len(data) > 65536:
        return
    h = hashlib.sha1(data).hexdigest()
    open(os.path.join("corpus", target, h), "wb").write(data)
def strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, list):
        for x in v: yield from strings(x)
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from strings(x)
for src in sys.argv[1:]:
    for dirpath, _, files in os.walk(src):
        for f in files:
            p = os.path.join(dirpath, f)
            try:
                data = open(p, "rb").read()
            except OSError:
                continue
            low = f.lower()
            if low.endswith((".tf", ".tfvars")):
                put("hcl", data)
            elif low.endswith((".yaml", ".yml")):
                put("yaml", data); put("classify", bytes([0]) + data)
            elif low.endswith(".json"):
                put("json", data)
                sel = 2 if low.endswith(".tf.json") else 3 if "plan" in low else 1
                put("classify", bytes([sel]) + data)
                try:
                    doc = json.loads(data)
                except Exception:
                    continue
                for s in strings(doc):
                    t = s.lstrip()
                    if t.startswith(("{", "[")):
                        put("embedded", s.encode() + b"\xff\x01\x02\x03")
                    if "${" in s:
                        put("tfref", s.encode())
                        put("tfeval", s.encode())
PY
# A few hand-written seeds for the reference parser.
printf '%s' '${aws_iam_role.exec.arn}' > corpus/tfref/seed-role
printf '%s' '${module.vpc.private_subnets[0]} and ${data.aws_iam_policy_document.p.json}' > corpus/tfref/seed-module
printf '%s' 'aws_subnet.private[count.index].id' > corpus/tfref/seed-bare
# Hand-written seeds for the evaluator: functions, directives, for expressions.
printf '%s' '${cidrsubnets(var.cidr, 4, 4, 8, 4)}' > corpus/tfeval/seed-cidrsubnets
printf '%s' '${[for i, x in var.list : format("%03d-%v", i, x) if x != null]}' > corpus/tfeval/seed-for
printf '%s' '%{ for k, v in local.m ~} ${k}=${v} %{~ endfor }' > corpus/tfeval/seed-directive
printf '%s' 'try(jsondecode("{\"a\": [1, 2.5]}").a[1], cidrhost(var.v6, -1))' > corpus/tfeval/seed-try
for t in yaml json embedded classify tfref hcl tfeval; do
  echo "seed: $t $(ls corpus/$t | wc -l) inputs"
done
