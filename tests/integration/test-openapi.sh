#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# doc/openapi.yaml is a valid OpenAPI 3.0 description, and the daemon's
# answers conform to it:
# - it validates against the official OAS 3.0 JSON Schema (Debian's
#   openapi-specification package), loaded without duplicate keys;
# - the rules that schema cannot check hold (tests/utils/openapi.py: every
#   operation says its security, $refs resolve, path parameters declared,
#   operationIds unique); the checks are shown to fail on broken copies;
# - every GET route, on a daemon that analyzed a generated trace (or the
#   shared kernel trace), answers with a documented status and content
#   type, and a body that conforms to the schema of that status.
. "$(dirname "$0")/../utils/test-lib.sh"
. "$top_srcdir/tests/utils/daemon-env.sh"
. "$top_srcdir/tests/utils/lttng-env.sh"
. "$top_srcdir/tests/utils/trace-cache.sh"
spec=$top_srcdir/doc/openapi.yaml
oas=/usr/share/openapi-specification/schemas/v3.0/schema.json
$PYTHON -c 'import yaml, jsonschema' 2>/dev/null ||
	skip_all "python3-yaml or python3-jsonschema is not installed"
for b in curl jq; do
	command -v "$b" >/dev/null || skip_all "$b is not installed"
done
tmp=$(mktemp -d)
trap 'lta_daemon_stop >/dev/null 2>&1; rm -rf "$tmp"' EXIT
export PYTHONPATH=$top_srcdir/tests/utils

# oas_check FILE: validates FILE against the OAS 3.0 JSON Schema.
oas_check()
{
	$PYTHON - "$1" "$oas" <<'PY'
import json, sys
import jsonschema, openapi
doc = openapi.load(sys.argv[1])
schema = json.load(open(sys.argv[2]))
errors = list(jsonschema.Draft4Validator(schema).iter_errors(doc))
for e in errors[:10]:
    print("# %s: %s" % ("/".join(map(str, e.absolute_path)), e.message[:200]))
sys.exit(1 if errors else 0)
PY
}

# lint FILE: the problems openapi.lint() finds, one a line.
lint()
{
	$PYTHON -c 'import sys, openapi
for p in openapi.lint(openapi.load(sys.argv[1])): print(p)' "$1" 2>&1
}

if [ -f "$oas" ]; then
	oas_check "$spec"
	ok $? "doc/openapi.yaml validates against the OAS 3.0 JSON Schema"
	# The YAML bug of issue 18: an unquoted ", " in a flow mapping.
	sed 's|description: "Its output, as liblttng-ctl shows it." }|description: Its output, as liblttng-ctl shows it. }|' \
		"$spec" >"$tmp/bad-yaml.yaml"
	! cmp -s "$spec" "$tmp/bad-yaml.yaml" && ! oas_check "$tmp/bad-yaml.yaml" >/dev/null
	ok $? "the validator fails on an unquoted comma in a flow mapping"
else
	skip 2 "no OAS 3.0 JSON Schema (apt-get install openapi-specification)"
fi
problems=$(lint "$spec")
[ -z "$problems" ] || echo "$problems" | sed 's/^/# /'
is "$(echo "$problems" | grep -c .)" 0 "doc/openapi.yaml: no lint problem"
# Broken copies: no security, a dangling $ref, a duplicate key.
$PYTHON - "$spec" "$tmp" <<'PY'
import sys, yaml
text = open(sys.argv[1]).read()
open(sys.argv[2] + "/no-security.yaml", "w").write(
    text.replace("\nsecurity:\n  - {}\n  - bearer: []\n", "\n", 1))
open(sys.argv[2] + "/bad-ref.yaml", "w").write(
    text.replace("#/components/schemas/", "#/components/schemas/Nope", 1))
open(sys.argv[2] + "/dup.yaml", "w").write(
    text.replace("\npaths:\n", "\npaths:\n  /api/v1/health: {}\n", 1))
PY
lint "$tmp/no-security.yaml" | grep -q 'GET /api/v1/health: no security'
ok $? "the lint finds a public GET without security"
lint "$tmp/bad-ref.yaml" | grep -q 'does not resolve'
ok $? "the lint finds a \$ref that does not resolve"
lint "$tmp/dup.yaml" | grep -q 'duplicate key'
ok $? "a duplicate key is refused"

# --- responses --------------------------------------------------------------
[ -x "$LTAD" ] || { skip 1 "lttng-analyzerd is not built"; done_testing; }
trace=
if [ -z "$(lta_env_skip_reason)" ] &&
	top_builddir=$top_builddir bash "$top_srcdir/tests/utils/record-gen-trace.sh" \
		"$tmp/gen" 20000 2 requests >/dev/null 2>"$tmp/record.err"; then
	trace=$tmp/gen
fi
shared=${LTA_SHARED_TRACES:-$top_srcdir/../shared/traces}
if [ -z "$trace" ] && [ -f "$shared/apache-prefork-kernel-3m.tar.xz" ]; then
	trace=$(lta_trace_cache_extract "$shared/apache-prefork-kernel-3m.tar.xz") || trace=
fi
[ -n "$trace" ] || { skip 1 "no trace (no lttng-sessiond, no ../shared/traces)"; done_testing; }
lta_daemon_start "$tmp/d" --no-relayd || { skip 1 "the daemon does not start here"; done_testing; }
body=$(lta_api POST /api/v1/analyses "{\"path\":\"$trace\"}")
is "$(lta_status)" 201 "an analysis of $(basename "$trace"): 201"
id=$(echo "$body" | jq -r .id)
deadline=$(($(date +%s) + 300))
status=
while [ "$(date +%s)" -lt $deadline ]; do
	status=$(lta_api GET "/api/v1/analyses/$id" | jq -r .status)
	case $status in ended | failed | stopped) break ;; esac
	sleep 0.2
done
is "$status" ended "the analysis ended"
rid=$(lta_api GET "/api/v1/analyses/$id/requests?limit=1" | jq -r '.requests[0].id // empty')
cid=$(lta_api GET "/api/v1/analyses/$id/connections?limit=1" | jq -r '.connections[0].id // empty')
qid=$(lta_api GET "/api/v1/analyses/$id/queries" | jq -r '.queries[0].id // empty')
ok "$([ -n "$rid" ] && [ -n "$cid" ] && [ -n "$qid" ] && echo 0 || echo 1)" \
	"it stored requests ($rid), connections ($cid) and a query ($qid)"
# The conformance checks, numbered after ours.
$PYTHON "$top_srcdir/tests/utils/openapi-responses.py" "$spec" "$LTAD_URL" \
	"$LTAD_TOKEN" id="$id" rid="${rid:-1}" cid="${cid:-1}" qid="${qid:-1}" \
	name=lta-no-such-session >"$tmp/responses.tap"
rc=$?
while IFS= read -r line; do
	case $line in
	"ok "*"# SKIP"*) skip 1 "${line#*# SKIP }" ;;
	"ok "*) ok 0 "${line#ok * - }" ;;
	"not ok "*) ok 1 "${line#not ok * - }" ;;
	"#"*) echo "$line" ;;
	esac
done <"$tmp/responses.tap"
is "$rc" 0 "every GET route conforms to doc/openapi.yaml"
done_testing
