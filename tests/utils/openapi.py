# SPDX-License-Identifier: GPL-2.0-only
"""doc/openapi.yaml for the tests: loading it strictly, checking it, and
turning its schemas into JSON Schema (draft 4, which jsonschema validates)
to check real responses against them. Debian's python3-yaml,
python3-jsonschema and openapi-specification (the official OAS 3.0 JSON
Schema) are all it needs."""

import json
import re

import yaml

OAS30_SCHEMA = "/usr/share/openapi-specification/schemas/v3.0/schema.json"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class StrictLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping."""


def _mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, "duplicate key %r" % (key,), key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)


StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=StrictLoader)


def resolve(doc, ref):
    """The object a local $ref ("#/a/b") names, or KeyError."""
    if not ref.startswith("#/"):
        raise KeyError(ref)
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[part]
    return node


def _walk(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, path + (i,))


def lint(doc):
    """The rules redocly's recommended set checks that the JSON Schema of
    OAS 3.0 cannot: a list of messages, empty when all hold."""
    problems = []
    schemes = doc.get("components", {}).get("securitySchemes", {})
    global_security = doc.get("security")
    operation_ids = {}
    for path, node in _walk(doc):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            try:
                resolve(doc, node["$ref"])
            except (KeyError, IndexError, TypeError):
                problems.append("%s: $ref %s does not resolve"
                                % ("/".join(map(str, path)), node["$ref"]))
    for route, item in doc.get("paths", {}).items():
        names = set(re.findall(r"{([^}]+)}", route))
        common = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            where = "%s %s" % (method.upper(), route)
            security = op.get("security", global_security)
            if security is None:
                problems.append(where + ": no security (give security: [] "
                                "for a public operation)")
            for requirement in security or []:
                for name in requirement:
                    if name not in schemes:
                        problems.append(where + ": unknown security scheme "
                                        + name)
            declared = set()
            for p in common + op.get("parameters", []):
                if "$ref" in p:
                    try:
                        p = resolve(doc, p["$ref"])
                    except (KeyError, IndexError, TypeError):
                        continue
                if p.get("in") == "path":
                    declared.add(p.get("name"))
                    if p.get("required") is not True:
                        problems.append(where + ": path parameter %s must be "
                                        "required" % p.get("name"))
            for name in names - declared:
                problems.append(where + ": path parameter {%s} not declared"
                                % name)
            for name in declared - names:
                problems.append(where + ": parameter %s is not in the path"
                                % name)
            oid = op.get("operationId")
            if oid is not None:
                if oid in operation_ids:
                    problems.append(where + ": operationId %s also used by %s"
                                    % (oid, operation_ids[oid]))
                operation_ids[oid] = where
            responses = op.get("responses", {})
            if not any(str(code).startswith(("2", "3")) for code in responses):
                problems.append(where + ": no success response")
    return problems


def json_schema(node):
    """OAS 3.0 schema objects (anywhere in NODE) as JSON Schema draft 4:
    nullable becomes a "null" type, and a $ref with nullable an anyOf."""
    if isinstance(node, list):
        return [json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: json_schema(v) for k, v in node.items()}
    if out.pop("nullable", False) is True:
        if "$ref" in out:
            out = {"anyOf": [{"$ref": out["$ref"]}, {"type": "null"}]}
        elif "type" in out:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = types + ["null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = out["enum"] + [None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def operation(doc, route, method="get"):
    return doc["paths"][route][method]


def response_schema(doc, op, status, media="application/json"):
    """The JSON Schema of OP's answer STATUS in MEDIA, None when the
    answer has no such content, or KeyError when STATUS is not documented
    (nor "default", nor its class like "4XX")."""
    responses = op.get("responses", {})
    for key in (str(status), "%dXX" % (status // 100), "default"):
        if key in responses:
            response = responses[key]
            break
    else:
        raise KeyError(status)
    if "$ref" in response:
        response = resolve(doc, response["$ref"])
    content = response.get("content", {})
    if media not in content:
        return None, sorted(content)
    # JSON lines: the schema of a line, as the description's extension
    # x-line-schema gives it.
    return (content[media].get("x-line-schema", content[media].get("schema")),
            sorted(content))


if __name__ == "__main__":
    import sys

    print(json.dumps(lint(load(sys.argv[1])), indent=1))
