#!/usr/bin/env python3
"""Write the HCL twin (`x.tf`) of a Terraform JSON fixture (`x.tf.json`).

Used to create the `.tf` twins of the test corpus; the twins are then edited by hand where a
case deserves it. The mapping is Terraform's JSON syntax backwards:

- `resource`/`data` (type, name), `module`/`provider`/`variable`/`output` (name) become labelled
  blocks; a list of bodies becomes several blocks;
- keys known to be nested blocks become blocks (repeated when the JSON has a list), `dynamic`
  becomes `dynamic "x" { … content { … } }`; other objects are attribute objects;
- a string that is a single `${…}` becomes the bare expression, other strings stay templates;
- strings holding JSON documents become `jsonencode(…)` (container definitions, and every other
  one in turn) or an indented `<<-EOT` heredoc (policies, alternately), so both lowerings are
  exercised; a string that does not parse as JSON stays a heredoc with its text as written.

Usage: scripts/hcl-twin.py FILE.tf.json [...]   (writes FILE.tf beside each)
"""

import json
import re
import sys

BLOCKS = {
    "capacity_provider_strategy", "default_capacity_provider_strategy", "load_balancer",
    "network_configuration", "statement", "principals", "not_principals", "condition",
    "scaling_config", "vpc_config", "placement_constraints", "deployment_circuit_breaker",
    "runtime_platform", "launch_template", "remote_access", "selector", "lifecycle", "setting",
    "configuration", "execute_command_configuration", "service_connect_configuration",
    "ordered_placement_strategy", "volume", "timeouts", "assume_role", "default_tags",
    "update_config", "access_config", "kubernetes_network_config", "auto_scaling_group_provider",
    "managed_scaling", "deployment_controller", "service_registries", "ephemeral_storage",
    "proxy_configuration", "content", "required_providers", "ingress", "egress",
    "instance_requirements", "mixed_instances_policy", "metadata", "spec", "subject",
    "role_ref", "tag", "rule", "repository_policy", "encryption_configuration",
    "image_scanning_configuration", "resources", "launch_template_config", "block_device_mappings",
    "ebs", "deployment_configuration", "alarms", "capacity_provider_strategies",
}
# Attributes that hold JSON documents in Terraform.
JSON_ATTRS = {
    "container_definitions", "policy", "assume_role_policy", "configuration_values",
    "inline_policy", "json", "policy_document", "source_json", "override_json",
}
LABELLED = {"resource": 2, "data": 2, "module": 1, "provider": 1, "variable": 1, "output": 1}
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class Num(str):
    pass


class Obj(list):
    """A JSON object as its (key, value) pairs, in order, duplicates kept."""


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(
            f,
            object_pairs_hook=Obj,
            parse_int=Num,
            parse_float=Num,
            parse_constant=Num,
        )


def obj(v):
    return isinstance(v, Obj)


def quote(s):
    """An HCL quoted template; text inside `${…}` is expression syntax and is kept as is."""
    out = []
    i, depth = 0, 0
    while i < len(s):
        c = s[i]
        if depth == 0 and s.startswith("${", i):
            depth = 1
            out.append("${")
            i += 2
            continue
        if depth > 0:
            depth += c == "{"
            depth -= c == "}"
            out.append(c)
        elif c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c == "\r":
            out.append("\\r")
        else:
            out.append(c)
        i += 1
    return '"' + "".join(out) + '"'


def single_interp(s):
    if s.startswith("${") and s.endswith("}") and s.count("${") == 1 and "%{" not in s:
        inner = s[2:-1]
        depth = 0
        for c in inner:
            depth += c in "({["
            depth -= c in ")}]"
            if depth < 0:
                return None
        return inner.strip() if depth == 0 else None
    return None


def key(k):
    return k if IDENT.match(k) and k not in ("true", "false", "null") else quote(k)


COUNTER = [0]  # alternates jsonencode and heredoc across all the files of one run


class Writer:
    def __init__(self):
        self.out = []

    def value(self, v, ind, in_json=False):
        if isinstance(v, Num):
            return str(v)
        if v is True:
            return "true"
        if v is False:
            return "false"
        if v is None:
            return "null"
        if isinstance(v, str):
            e = single_interp(v)
            if e is not None:
                return e
            return quote(v)
        if obj(v):
            if not v:
                return "{}"
            pad = "  " * (ind + 1)
            lines = ["{"]
            width = max(len(key(k)) for k, _ in v)
            for k, x in v:
                if k == "//" and not in_json:
                    continue
                lines.append(f"{pad}{key(k).ljust(width)} = {self.value(x, ind + 1, in_json)}")
            lines.append("  " * ind + "}")
            return "\n".join(lines)
        # array
        items = [self.value(x, ind + 1, in_json) for x in v]
        if all("\n" not in i for i in items) and sum(len(i) for i in items) < 80:
            return "[" + ", ".join(items) + "]"
        pad = "  " * (ind + 1)
        return "[\n" + ",\n".join(pad + i for i in items) + "\n" + "  " * ind + "]"

    def json_doc(self, name, s, ind):
        t = s.strip()
        if not (t.startswith("{") or t.startswith("[")):
            return None
        try:
            doc = json.loads(
                s, object_pairs_hook=Obj, parse_int=Num, parse_float=Num,
                parse_constant=Num,
            )
        except ValueError:
            doc = None
        COUNTER[0] += 1
        use_heredoc = doc is None or (name != "container_definitions" and COUNTER[0] % 2 == 0)
        if use_heredoc:
            pad = "  " * (ind + 1)
            body = s if doc is None else json.dumps(
                unpairs(doc), indent=2, ensure_ascii=False)
            lines = body.rstrip("\n").split("\n")
            return "<<-EOT\n" + "\n".join(pad + l if l.strip() else "" for l in lines) + "\n" + pad + "EOT"
        return "jsonencode(" + self.value(doc, ind, True) + ")"

    def body(self, pairs, ind):
        pad = "  " * ind
        attrs = []
        for k, v in pairs:
            if k == "//":
                txt = v if isinstance(v, str) else json.dumps(unpairs(v))
                self.out.append(f"{pad}# {txt}")
                continue
            if k == "dynamic" and obj(v):
                for name, b in v:
                    for bb in bodies(b):
                        self.out.append(f'{pad}dynamic "{name}" {{')
                        self.body(bb, ind + 1)
                        self.out.append(f"{pad}}}")
                continue
            if k in BLOCKS and (obj(v) or (isinstance(v, list) and v and all(obj(x) for x in v))):
                for bb in bodies(v):
                    self.out.append(f"{pad}{k} {{")
                    self.body(bb, ind + 1)
                    self.out.append(f"{pad}}}")
                continue
            if k in JSON_ATTRS and isinstance(v, str) and not isinstance(v, Num):
                doc = self.json_doc(k, v, ind)
                if doc is not None:
                    self.out.append(f"{pad}{key(k)} = {doc}")
                    continue
            self.out.append(f"{pad}{key(k)} = {self.value(v, ind)}")

    def top(self, doc):
        first = True
        for k, v in doc:
            if k == "//":
                self.out.append(f"# {v}")
                continue
            n = LABELLED.get(k, 0)
            for labels, b in labelled(v, n):
                if not first:
                    self.out.append("")
                first = False
                head = " ".join([k] + [quote(l) for l in labels])
                if k == "terraform":
                    self.terraform(b)
                    continue
                if k == "locals":
                    self.out.append("locals {")
                    self.body(b, 1)
                    self.out.append("}")
                    continue
                self.out.append(f"{head} {{")
                self.body(b, 1)
                self.out.append("}")

    def terraform(self, b):
        self.out.append("terraform {")
        for k, v in b:
            if k == "backend" and obj(v):
                for name, bb in v:
                    self.out.append(f'  backend "{name}" {{')
                    self.body(bb, 2)
                    self.out.append("  }")
            else:
                self.body([(k, v)], 1)
        self.out.append("}")


def bodies(v):
    if obj(v):
        return [v]
    return [x for x in v if obj(x)]


def labelled(v, n):
    if n == 0:
        return [([], b) for b in bodies(v)]
    out = []
    for x in bodies(v):
        for k, inner in x:
            if k == "//":
                continue
            for labels, b in labelled(inner, n - 1):
                out.append(([k] + labels, b))
    return out


def unpairs(v):
    if obj(v):
        return {k: unpairs(x) for k, x in v}
    if isinstance(v, list):
        return [unpairs(x) for x in v]
    if isinstance(v, Num):
        return json.loads(v)
    return v


def main():
    for path in sys.argv[1:]:
        w = Writer()
        w.top(load(path))
        target = path[: -len(".json")]
        with open(target, "w", encoding="utf-8") as f:
            f.write("\n".join(w.out) + "\n")
        print(target)


if __name__ == "__main__":
    main()
