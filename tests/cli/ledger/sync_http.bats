#!/usr/bin/env bats
# sheratan-ledger sync --from http(s)://HOST:PORT: a replica catches up from its
# writer's journal feed (sheratan-serve's GET /v1/journal) with the same checks as
# from a store file; the token comes from a file or SHERATAN_TOKEN; an unreachable
# server, a refused token, a server error, a malformed line, a gap or an altered
# entry each stop it with a clear message and nothing past the last good entry.

load ../lib
load ../serve/serve_lib

l() { "$LEDGER" "$@"; }
r() { "$LEDGER" --db "$dir/replica.db" "$@"; }

TOKEN_REPLICA=replica-token-0123456789abcdef

# A tokens file with a replica's token and one without the replicate scope.
write_replica_tokens() {
  cat >"$dir/tokens" <<TOKENS
replica  replicate     $TOKEN_REPLICA
ci       submit,read   $TOKEN_SUBMIT
TOKENS
  printf '%s\n' "$TOKEN_REPLICA" >"$dir/replica.token"
}

# The journal's last seq in a store's journal (r or l), empty when there is none.
last_seq() { "$@" journal | tail -1 | jq -r .seq; }

# fake_feed STATUS FILE: a stand-in server (python3, stdlib) that answers every GET
# with STATUS and the file's bytes; sets $fake_url.
fake_feed() {
  bg_start "$dir/fake.out" python3 -c '
import http.server, sys
status, path = int(sys.argv[1]), sys.argv[2]
class Feed(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = open(path, "rb").read()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Feed)
print("http://127.0.0.1:%d" % server.server_address[1], flush=True)
server.serve_forever()' "$1" "$2"
  wait_until 10 test -s "$dir/fake.out"
  fake_url=$(head -1 "$dir/fake.out")
}

@test "over HTTP: a replica catches up, agrees with its writer, and a second sync is a no-op" {
  l open alice bob >/dev/null
  l credit alice 1000 >/dev/null
  for j in 1 2 3 4 5; do l settle --job "j$j" --payer alice --worker w1 --amount 10 >/dev/null; done
  l transfer alice bob 2.5 >/dev/null
  start_server
  run --separate-stderr r sync --from "$url"
  assert_status 0
  assert_json ".applied == 15 and .last_seq == 15 and .from == \"$url\""
  assert_equal "$(r balance)" "$(l balance)"
  assert_equal "$(r journal | sha256sum)" "$(l journal | sha256sum)"
  run r verify
  assert_status 0
  run --separate-stderr r sync --from "$url/"
  assert_status 0
  assert_json '.applied == 0 and .last_seq == 15'
  # More transfers come with the next sync, and only they.
  l transfer alice bob 1 >/dev/null
  l transfer bob alice 0.5 >/dev/null
  run --separate-stderr r sync --from "$url"
  assert_status 0
  assert_json '.applied == 2 and .last_seq == 17'
  assert_equal "$(r balance)" "$(l balance)"
  r verify >/dev/null
  # A replica keeps to its writer: no other source, and no writes of its own.
  run --separate-stderr r sync --from "$SHERATAN_DB"
  assert_status 3
  assert_contains "$stderr" "is a replica of '$url'"
  run --separate-stderr r credit alice 1
  assert_status 3
}

@test "over HTTP: more than one page (10000 entries) arrives whole" {
  l open a b >/dev/null
  l credit a 100000 >/dev/null
  seq 1 10005 | jq -c '{op: "transfer", from: "a", to: "b", amount: "1"}' | l batch >/dev/null
  start_server
  run --separate-stderr r sync --from "$url"
  assert_status 0
  assert_json '.applied == 10008 and .last_seq == 10008'
  assert_equal "$(r balance b | jq -r .balance)" "10005.0000"
  assert_equal "$(r journal | sha256sum)" "$(l journal | sha256sum)"
  r verify >/dev/null
}

@test "over HTTP: an altered entry stops the sync naming its seq; nothing past the last good one is applied" {
  l open a b >/dev/null
  l credit a 10 >/dev/null
  start_server
  r sync --from "$url" >/dev/null
  for i in 1 2 3 4 5; do l transfer a b 1 >/dev/null; done
  # seq 6 is the third of those transfers; its served hash no longer covers its amount.
  sqlite3 "$SHERATAN_DB" "UPDATE ledger_journal SET amount = 20000 WHERE seq = 6"
  run --separate-stderr r sync --from "$url"
  assert_status 1
  assert_contains "$stderr" "seq 6: hash does not match"
  assert_equal "$(last_seq r)" 5
  assert_equal "$(r balance b | jq -r .balance)" "2.0000"
  r verify >/dev/null
  # It stays stopped there: the next sync fails the same way and applies nothing.
  run --separate-stderr r sync --from "$url"
  assert_status 1
  assert_contains "$stderr" "seq 6: hash does not match"
  assert_equal "$(last_seq r)" 5
}

@test "over HTTP: a gap in the served journal stops the sync before it" {
  l open a b >/dev/null
  l credit a 10 >/dev/null
  for i in 1 2 3; do l transfer a b 1 >/dev/null; done
  sqlite3 "$SHERATAN_DB" "DELETE FROM ledger_journal WHERE seq = 4"
  start_server
  run --separate-stderr r sync --from "$url"
  assert_status 1
  assert_contains "$stderr" "seq 5: expected seq 4 (a gap in the journal)"
  assert_equal "$(last_seq r)" 3
  r verify >/dev/null
}

@test "over HTTP: the token comes from --token-file or SHERATAN_TOKEN; a missing, unknown or unscoped one is refused" {
  write_replica_tokens
  l open a >/dev/null
  l credit a 5 >/dev/null
  start_server --tokens "$dir/tokens"
  run --separate-stderr r sync --from "$url"
  assert_status 1
  assert_contains "$stderr" "answered HTTP 401: missing bearer token" "needs a token with scope 'replicate' (--token-file F or SHERATAN_TOKEN)"
  printf 'not-the-token\n' >"$dir/wrong.token"
  run --separate-stderr r sync --from "$url" --token-file "$dir/wrong.token"
  assert_status 1
  assert_contains "$stderr" "answered HTTP 401: unknown token"
  SHERATAN_TOKEN=$TOKEN_SUBMIT run --separate-stderr r sync --from "$url"
  assert_status 1
  assert_contains "$stderr" "answered HTTP 403: token 'ci' lacks scope 'replicate'"
  [ ! -e "$dir/replica.db" ] || [ -z "$(r journal)" ]
  run --separate-stderr r sync --from "$url" --token-file "$dir/missing.token"
  assert_status 1
  assert_contains "$stderr" "cannot read token file '$dir/missing.token'"
  # The first line, trimmed; the file wins over the environment.
  printf '  %s  \nsecond line\n' "$TOKEN_REPLICA" >"$dir/padded.token"
  SHERATAN_TOKEN=not-the-token run --separate-stderr r sync --from "$url" --token-file "$dir/padded.token"
  assert_status 0
  assert_json '.applied == 2'
  l credit a 1 >/dev/null
  SHERATAN_TOKEN=$TOKEN_REPLICA run --separate-stderr r sync --from "$url"
  assert_status 0
  assert_json '.applied == 1'
  assert_equal "$(r balance)" "$(l balance)"
}

@test "over HTTP: a server that is down or does not answer in time is a retryable failure (exit 5)" {
  l open a >/dev/null
  start_server
  local gone=$url
  kill "$serve_pid"
  wait_exit "$serve_pid" 10
  run --separate-stderr r sync --from "$gone"
  assert_status 5
  assert_contains "$stderr" "cannot reach '$gone'"
  [ ! -e "$dir/replica.db" ] || [ -z "$(r journal)" ]
  # A server that takes the connection and never answers: --timeout ends the wait.
  bg_start "$dir/mute.out" python3 -c '
import signal, socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
print("http://127.0.0.1:%d" % s.getsockname()[1], flush=True)
signal.pause()'
  wait_until 10 test -s "$dir/mute.out"
  run --separate-stderr r sync --from "$(head -1 "$dir/mute.out")" --timeout 300ms
  assert_status 5
  assert_contains "$stderr" "timed out"
}

@test "over HTTP: a server error is retryable (exit 5) and says what the server said" {
  printf '%s\n' '{"error":"unavailable","message":"store is busy"}' >"$dir/busy.json"
  fake_feed 503 "$dir/busy.json"
  run --separate-stderr r sync --from "$fake_url"
  assert_status 5
  assert_contains "$stderr" "answered HTTP 503: store is busy"
  [ ! -e "$dir/replica.db" ] || [ -z "$(r journal)" ]
}

@test "over HTTP: a malformed line stops the sync naming its seq and line; the lines before it are applied" {
  l open a b >/dev/null
  l credit a 10 >/dev/null
  l transfer a b 1 >/dev/null
  l transfer a b 2 >/dev/null
  l journal | head -3 >"$dir/page"
  echo 'not json' >>"$dir/page"
  l journal | tail -1 >>"$dir/page"
  fake_feed 200 "$dir/page"
  run --separate-stderr r sync --from "$fake_url"
  assert_status 4
  assert_contains "$stderr" "seq 4: line 4 of '$fake_url/v1/journal?after=0&limit=10000': malformed JSON"
  assert_equal "$(last_seq r)" 3
  r verify >/dev/null
  # A field that is not what an entry holds is named too.
  l journal | head -3 >"$dir/page"
  l journal | tail -1 | jq -c '.amount = "1.23456"' >>"$dir/page"
  rm -f "$dir/replica.db" "$dir/replica.db-wal" "$dir/replica.db-shm"
  run --separate-stderr r sync --from "$fake_url"
  assert_status 4
  assert_contains "$stderr" "seq 4: line 4 of" "field 'amount': amount '1.23456' has more than 4 fraction digits"
  assert_equal "$(last_seq r)" 3
}

@test "sync --from refuses other schemes, credentials in the URL, and HTTP flags for a store file" {
  run --separate-stderr r sync --from ftp://writer/ledger
  assert_status 2
  assert_contains "$stderr" "only http://, https:// and store files"
  run --separate-stderr r sync --from http://user:secret@writer:8100
  assert_status 2
  assert_contains "$stderr" "no user or password in the URL"
  run --separate-stderr r sync --from "$SHERATAN_DB" --token-file "$dir/t"
  assert_status 2
  run --separate-stderr r sync --from http://127.0.0.1:9 --timeout soon
  assert_status 4
}

@test "one-shot tools start without libcurl: the ledger loads it for a sync over HTTP only" {
  # Linked, libcurl and the ~30 libraries it needs cost every start some 8 ms.
  for tool in sheratan-ledger sheratan-queue sheratan-state; do
    run ldd "$SHERATAN_BIN/$tool"
    assert_status 0
    [[ "$output" != *libcurl* && "$output" != *libssl* ]] || { echo "$tool links: $output"; return 1; }
  done
  # The ledger waits on nothing: no libuv either.
  run ldd "$SHERATAN_BIN/sheratan-ledger"
  [[ "$output" != *libuv* ]] || { echo "sheratan-ledger links: $output"; return 1; }
}
