#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""openapi-responses.py OPENAPI_YAML BASE_URL TOKEN NAME=VALUE...

GETs every GET route of the description, its path parameters taken from
the NAME=VALUE arguments (id=3 rid=17 ...), and checks each answer against
the description: its status is documented, its content type is one the
description gives, and a JSON body conforms to the schema of that status
(JSON lines: each line to the schema of the line). Event streams are read
for their headers only. Prints TAP; exits 1 when any check fails."""

import json
import os
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import openapi  # noqa: E402

import jsonschema  # noqa: E402

spec_path, base, token = sys.argv[1:4]
values = dict(a.split("=", 1) for a in sys.argv[4:])
doc = openapi.load(spec_path)
schema_doc = openapi.json_schema(doc)
resolver = jsonschema.RefResolver(base_uri="", referrer=schema_doc)
n = 0
failed = 0


def ok(good, what, why=""):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if good else "not ok", n, what))
    if not good:
        failed += 1
        for line in str(why).splitlines()[:12]:
            print("# " + line)


def get(url, stream=False):
    request = urllib.request.Request(
        url, headers={"Authorization": "Bearer " + token})
    try:
        response = urllib.request.urlopen(request, timeout=20)
    except urllib.error.HTTPError as e:
        response = e
    status = response.status if hasattr(response, "status") else response.code
    media = (response.headers.get("Content-Type") or "").split(";")[0].strip()
    body = b"" if stream else response.read()
    response.close()
    return status, media, body


def validate(instance, schema):
    errors = sorted(
        jsonschema.Draft4Validator(schema, resolver=resolver).iter_errors(
            instance), key=lambda e: list(e.absolute_path))
    return "\n".join("%s: %s" % ("/".join(map(str, e.absolute_path)) or ".",
                                 e.message[:300]) for e in errors[:5])


for route, item in doc["paths"].items():
    if "get" not in item:
        continue
    op = item["get"]
    url = route
    for name, value in values.items():
        url = url.replace("{%s}" % name, value)
    if "{" in url:
        ok(True, "GET %s # SKIP no value for its path parameters" % route)
        continue
    media_types = []
    for response in op.get("responses", {}).values():
        if "$ref" in response:
            response = openapi.resolve(doc, response["$ref"])
        media_types += list(response.get("content", {}))
    stream = "text/event-stream" in media_types
    status, media, body = get(base + url, stream=stream)
    what = "GET %s: %d %s" % (url, status, media)
    try:
        schema, documented = openapi.response_schema(doc, op, status, media)
    except KeyError:
        ok(False, what + " is documented", "status %d is not in %s"
           % (status, sorted(op.get("responses", {}))))
        continue
    if schema is None:
        ok(media in documented or (not documented and not body),
           what + ": a documented content type", "documented: %s" % documented)
        continue
    schema = openapi.json_schema(schema)
    if media != "application/x-ndjson" and not media.endswith(("/json", "+json")):
        # Text (Prometheus metrics, an event stream): the type only.
        ok(schema.get("type") in (None, "string") and (stream or body),
           what + ": documented text", "schema %s" % schema)
        continue
    if media == "application/x-ndjson":
        lines = [line for line in body.decode().splitlines() if line]
        problems = ""
        for i, line in enumerate(lines):
            problems = validate(json.loads(line), schema)
            if problems:
                problems = "line %d: %s" % (i + 1, problems)
                break
        ok(not problems, what + ": %d lines conform" % len(lines), problems)
        continue
    try:
        instance = json.loads(body)
    except ValueError as e:
        ok(False, what + ": JSON", e)
        continue
    problems = validate(instance, schema)
    ok(not problems, what + ": conforms to its schema", problems)

print("1..%d" % n)
sys.exit(1 if failed else 0)
