#!/usr/bin/env python3
"""Generates plumb's catalog of resource types (catalog/types/*.types).

The catalog is what `plumb lint` knows of the resource types rules select
(W0012 unknown-resource-type) and of their attributes (W0013
unknown-attribute). It is data, generated from published schemas, and
rerunnable: each source is a checkout of a public repository given on the
command line, and each output file records where it came from (repository,
commit, commit date, paths, provider version).

Sources (any subset; a file is written only for the sources given):

  --terraform PROVIDER=DIR   a checkout of lonegunmanb/terraform-PROVIDER-schema:
                             `terraform providers schema -json` of the
                             hashicorp/PROVIDER provider, one JSON document per
                             resource and data source under generated/. PROVIDER
                             is aws, azurerm, google or kubernetes.
  --kubernetes DIR           a checkout of kubernetes/api: testdata/HEAD holds
                             one round-trip fixture per kind and API version
                             (`apps.v1.Deployment.json`) with every field set.
  --aws-config DIR           a checkout of awslabs/aws-config-resource-schema:
                             the AWS Config resource types, which plumb's AWS
                             Config importer names `aws_<service>_<type>`
                             when it has no Terraform name for them.

Usage:
  scripts/gen-type-catalog.py --out catalog/types \
      --terraform aws=../terraform-aws-schema ... --kubernetes ../api \
      --aws-config ../aws-config-resource-schema

The format (one type a line, parsed by compiler/src/check/types.rs):

  # comment and provenance lines
  TYPE                       a type whose attributes are not known
  TYPE<TAB>ATTRS             ATTRS is a comma-separated list of names; a
                             name followed by `{...}` has the children
                             listed inside, a name followed by `*` has
                             children of any name (a map, free-form JSON),
                             a bare name has none the catalog knows.
  TYPE<TAB>ATTRS<TAB>NOTE    NOTE says what the type is (a Kubernetes kind
                             with its API versions, an AWS Config type).

List indices are transparent: `ingress{cidr_blocks}` also covers
`ingress[0].cidr_blocks`.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

# A node of an attribute tree: None is a leaf (nothing known below), OPEN
# is "any key below", a dict maps names to nodes.
OPEN = "*"


def fail(msg: str) -> "NoReturn":  # noqa: F821
    print(f"gen-type-catalog: {msg}", file=sys.stderr)
    sys.exit(1)


def git_info(path: Path) -> tuple[str, str, str]:
    """(commit, ISO commit date, subject) of a checkout."""
    try:
        out = subprocess.run(
            ["git", "-C", str(path), "log", "-1", "--format=%H%n%cI%n%s"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError) as e:
        fail(f"{path} is not a git checkout ({e}); provenance needs its commit")
    if len(out) < 3:
        fail(f"{path}: could not read the last commit")
    return out[0], out[1], out[2]


def merge(a, b):
    """The union of two attribute trees: what either knows."""
    if a == OPEN or b == OPEN:
        return OPEN
    if a is None:
        return b
    if b is None:
        return a
    out = dict(a)
    for k, v in b.items():
        out[k] = merge(out[k], v) if k in out else v
    return out


def render(node) -> str:
    parts = []
    for name in sorted(node):
        child = node[name]
        if not re.fullmatch(r"[A-Za-z0-9_@$\-]+", name):
            # A name the format cannot hold: make the parent open instead.
            return None
        if child is None:
            parts.append(name)
        elif child == OPEN:
            parts.append(name + "*")
        else:
            inner = render(child)
            parts.append(name + ("*" if inner is None else "{" + inner + "}"))
    return ",".join(parts)


# ----- Terraform provider schemas ---------------------------------------------


def tf_type(t):
    """A Terraform attribute type (`"string"`, `["list", T]`...) as a node."""
    if isinstance(t, str):
        return OPEN if t == "dynamic" else None
    if isinstance(t, list) and len(t) == 2:
        kind, inner = t
        if kind in ("list", "set"):
            return tf_type(inner)
        if kind == "object" and isinstance(inner, dict):
            return {k: tf_type(v) for k, v in inner.items()}
    # map, tuple, anything else: keys are data.
    return OPEN


def tf_attribute(a: dict):
    nested = a.get("nested_type")
    if isinstance(nested, dict):
        if nested.get("nesting_mode") == "map":
            return OPEN
        return {k: tf_attribute(v) for k, v in nested.get("attributes", {}).items()}
    return tf_type(a.get("type", "dynamic"))


def tf_block(b: dict) -> dict:
    node = {k: tf_attribute(v) for k, v in b.get("attributes", {}).items()}
    for k, bt in b.get("block_types", {}).items():
        if bt.get("nesting_mode") == "map":
            node[k] = OPEN
        else:
            node[k] = tf_block(bt.get("block", {}))
    return node


# The JSON is a Go raw string; a backtick inside it is written `` ` + "`" + ` ``.
SCHEMA_CONST = re.compile(r"const\s+(\w+)\s*=\s*`(.*?)`\s*\n\s*func\s", re.S)
GO_BACKTICK = '` + "`" + `'
SCHEMA_FUNC = re.compile(r"func\s+(\w+)Schema\(\)")
REGISTER = re.compile(r'(resources|dataSources)\["([a-z0-9_]+)"\]\s*=\s*(\w+)\.(\w+)Schema\(\)')


def terraform(provider: str, root: Path, out: Path) -> None:
    commit, date, subject = git_info(root)
    register = root / "generated" / "register.go"
    if not register.is_file():
        fail(f"{register} not found: is {root} a checkout of terraform-{provider}-schema?")
    # Function name -> schema JSON, from every generated file present.
    schemas: dict[str, dict] = {}
    for sub in ("resource", "data"):
        for f in sorted((root / "generated" / sub).glob("*.go")):
            if f.name.endswith("_test.go"):
                continue
            text = f.read_text(encoding="utf-8")
            func = SCHEMA_FUNC.search(text)
            const = SCHEMA_CONST.search(text)
            if not func or not const:
                continue
            try:
                schemas[f"{sub}.{func.group(1)}"] = json.loads(const.group(2).replace(GO_BACKTICK, "`"))
            except json.JSONDecodeError as e:
                fail(f"{f}: schema is not JSON: {e}")
    types: dict[str, object] = {}
    missing = 0
    registered = 0
    for kind, name, pkg, func in REGISTER.findall(register.read_text(encoding="utf-8")):
        registered += 1
        schema = schemas.get(f"{pkg}.{func}")
        if schema is None:
            # Listed but its file is absent from the checkout: the type is
            # known, its attributes are not.
            missing += 1
            types.setdefault(name, None)
            continue
        node = tf_block(schema.get("block", {}))
        prev = types.get(name)
        types[name] = node if prev is None else merge(prev, node)
    if registered == 0:
        fail(f"{register}: no resources or data sources registered")
    version = re.search(r"version\s+([0-9][0-9A-Za-z.\-]*)", subject)
    header = [
        f"# Terraform provider hashicorp/{provider}"
        + (f" {version.group(1)}" if version else "")
        + ": resource and data source types with their attributes and nested blocks,",
        "# from `terraform providers schema -json` as published in",
        f"# lonegunmanb/terraform-{provider}-schema at commit {commit} ({date}),",
        "# generated/register.go and generated/{resource,data}/*.go.",
    ]
    if missing:
        header.append(f"# {missing} types are listed without attributes: their schema files were not in the checkout.")
    write(out / f"terraform-{provider}.types", header, {k: (v, None) for k, v in types.items()})


# ----- Kubernetes kinds -------------------------------------------------------


def snake(s: str) -> str:
    """plumb-ingest's `snake` (ingest/src/lib.rs), character for character."""
    out = []
    for i, c in enumerate(s):
        if "A" <= c <= "Z":
            prev = s[i - 1] if i > 0 else None
            prev_lower = prev is not None and (("a" <= prev <= "z") or prev.isdigit())
            nxt = s[i + 1] if i + 1 < len(s) else None
            next_lower = nxt is not None and "a" <= nxt <= "z"
            if prev_lower or (prev is not None and "A" <= prev <= "Z" and next_lower):
                out.append("_")
            out.append(c.lower())
        else:
            out.append(c)
    return "".join(out)


def k8s_type(kind: str) -> str:
    """plumb-ingest's `kubernetes::type_name`."""
    return "k8s_" + "".join(c.lower() if c.isascii() and c.isalnum() else "_" for c in snake(kind))


def k8s_node(v, parent: str):
    if isinstance(v, dict):
        if not v:
            return OPEN  # free-form (fieldsV1, raw JSON)
        if v.get("apiVersion") == "example.com/v1":
            return OPEN  # an embedded object of any kind (RawExtension)
        if len(v) == 1 and next(iter(v)) == parent + "Key":
            return OPEN  # a map: the fixtures name its one key `<field>Key`
        return {k: k8s_node(x, k) for k, x in v.items()}
    if isinstance(v, list):
        node = None
        for x in v:
            node = merge(node, k8s_node(x, parent))
        return node
    return None


FIXTURE = re.compile(r"^(?P<group>.*?)\.?(?P<version>v\d+(?:(?:alpha|beta)\d+)?)\.(?P<kind>[A-Z]\w*)\.json$")


def kubernetes(root: Path, out: Path) -> None:
    commit, date, _ = git_info(root)
    testdata = root / "testdata" / "HEAD"
    files = sorted(testdata.glob("*.json"))
    if not files:
        fail(f"{testdata} has no fixtures: is {root} a checkout of kubernetes/api?")
    types: dict[str, tuple[object, set]] = {}
    for f in files:
        m = FIXTURE.match(f.name)
        if not m:
            continue
        group, version, kind = m.group("group"), m.group("version"), m.group("kind")
        try:
            doc = json.loads(f.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            fail(f"{f}: not JSON: {e}")
        if not isinstance(doc, dict) or doc.get("kind") != kind:
            continue
        api = f"{group}/{version}" if group else version
        ty = k8s_type(kind)
        node = k8s_node(doc, "")
        prev, apis = types.get(ty, (None, set()))
        apis.add(f"{api} {kind}")
        types[ty] = (merge(prev, node), apis)
    header = [
        "# Kubernetes kinds, as plumb's Kubernetes importer names them (`k8s_` and the kind",
        "# in snake_case), with the fields of every API version of the kind, from the",
        f"# round-trip fixtures of kubernetes/api at commit {commit} ({date}),",
        "# testdata/HEAD/<group>.<version>.<Kind>.json. The note lists the API versions.",
    ]
    write(out / "kubernetes-kinds.types", header, {t: (n, "; ".join(sorted(a))) for t, (n, a) in types.items()})


# ----- AWS Config resource types ------------------------------------------------


def aws_config(root: Path, out: Path) -> None:
    commit, date, _ = git_info(root)
    folder = root / "config" / "properties" / "resource-types"
    names = sorted(p.name for p in folder.glob("*.properties.json"))
    if not names:
        fail(f"{folder} has no schemas: is {root} a checkout of aws-config-resource-schema?")
    types: dict[str, tuple[object, str]] = {}
    for name in names:
        aws_type = name.removesuffix(".properties.json")
        parts = aws_type.split("::")
        if len(parts) != 3 or parts[0] != "AWS":
            continue
        ty = "aws_" + "_".join(snake(p) for p in parts[1:])
        types[ty] = (None, aws_type)
    header = [
        "# AWS Config resource types, as plumb's AWS Config importer names those it has no",
        "# Terraform name for (`aws_` and the service and type in snake_case), from",
        f"# awslabs/aws-config-resource-schema at commit {commit} ({date}),",
        "# config/properties/resource-types/*.properties.json. The note is the AWS type.",
    ]
    write(out / "aws-config.types", header, types)


# ----- output ---------------------------------------------------------------------


def write(path: Path, header: list[str], types: dict[str, tuple[object, str | None]]) -> None:
    lines = list(header)
    lines.append(f"# Generated by scripts/gen-type-catalog.py on {datetime.now(timezone.utc).date()}; do not edit.")
    for ty in sorted(types):
        if not re.fullmatch(r"[a-z0-9_]+", ty):
            fail(f"{path.name}: {ty!r} is not a plumb type name")
        node, note = types[ty]
        attrs = ""
        if node == OPEN:
            node = None
        if isinstance(node, dict):
            attrs = render(node) or ""
        line = ty
        if attrs or note:
            line += "\t" + attrs
        if note:
            line += "\t" + note
        lines.append(line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{path}: {len(types)} types, {path.stat().st_size} bytes")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("catalog/types"))
    ap.add_argument("--terraform", action="append", default=[], metavar="PROVIDER=DIR")
    ap.add_argument("--kubernetes", type=Path)
    ap.add_argument("--aws-config", type=Path)
    args = ap.parse_args()
    if not (args.terraform or args.kubernetes or args.aws_config):
        ap.error("give at least one source")
    args.out.mkdir(parents=True, exist_ok=True)
    for spec in args.terraform:
        provider, sep, path = spec.partition("=")
        if not sep or provider not in ("aws", "azurerm", "google", "kubernetes"):
            ap.error(f"--terraform takes PROVIDER=DIR with PROVIDER aws, azurerm, google or kubernetes, not {spec!r}")
        terraform(provider, Path(path), args.out)
    if args.kubernetes:
        kubernetes(args.kubernetes, args.out)
    if args.aws_config:
        aws_config(args.aws_config, args.out)


if __name__ == "__main__":
    main()
