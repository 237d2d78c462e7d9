# Helpers for the sheratan-serve suites: a server on a free loopback port of a fresh
# store, and curl wrappers that keep the status, the headers and the body apart.
# Load after ../lib.

SERVE="$SHERATAN_BIN/sheratan-serve"
STATE="$SHERATAN_BIN/sheratan-state"
LEDGER="$SHERATAN_BIN/sheratan-ledger"
PROBE="$SHERATAN_BIN/sheratan-probe"

# True once the server printed its address, or ended (then start_server fails).
listening_or_ended() { [ -s "$dir/serve.out" ] || process_ended "$serve_pid"; }

# start_server [FLAGS...]: sheratan-serve --listen ${LISTEN:-127.0.0.1:0} FLAGS in the
# background; sets $url and $serve_pid once it listens.
start_server() {
  bg_start "$dir/serve.out" "$SERVE" --listen "${LISTEN:-127.0.0.1:0}" "$@"
  serve_pid=$bg_pid
  wait_until 20 listening_or_ended
  if [ ! -s "$dir/serve.out" ]; then
    echo "sheratan-serve did not start:"
    cat "$dir/serve.out.err"
    return 1
  fi
  url=$(jq -r .url "$dir/serve.out")
}

# api METHOD PATH [CURL ARGS...]: sets $code, $body (without the final newline of JSON
# lines) and $headers (a file).
api() {
  local method=$1 path=$2 out
  shift 2
  headers="$dir/headers"
  out=$(curl -sS -X "$method" -D "$headers" -w '\n%{http_code}' "$@" "$url$path")
  code=${out##*$'\n'}
  body=${out%$'\n'*}
  body=${body%$'\n'}
}

# header NAME: the value of a response header of the last api call.
header() { grep -i "^$1:" "$headers" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

# assert_code N: the last api call answered N.
assert_code() {
  if [ "$code" != "$1" ]; then
    echo "expected HTTP $1, got $code"
    echo "body: $body"
    return 1
  fi
}

# assert_error STATUS CODE [TEXT]: an {"error","message"} answer.
assert_error() {
  assert_code "$1" || return 1
  assert_json ".error == \"$2\" and (.message | type) == \"string\" and (.message | length) > 0" "$body" || return 1
  if [ -n "${3:-}" ]; then assert_contains "$(jq -r .message <<<"$body")" "$3"; fi
}

# A tokens file with three callers.
TOKEN_ADMIN=admin-token-0123456789abcdef
TOKEN_SUBMIT=submit-token-0123456789abcdef
TOKEN_WORK=worker-token-0123456789abcdef
write_tokens() {
  cat >"$dir/tokens" <<TOKENS
# name   scopes        token
root     admin         $TOKEN_ADMIN
ci       submit,read   $TOKEN_SUBMIT
w1       work          $TOKEN_WORK
TOKENS
}

# metric NAME: the value of a series (without labels) in /metrics.
metric() { curl -sS "$url/metrics" | sed -n "s/^$1 //p"; }
