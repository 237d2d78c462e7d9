#!/usr/bin/env bats
# The built-in actions end to end, and the root they must not leave.

load ../lib

W="$SHERATAN_BIN/sheratan-worker"

setup_root() {
  root="$dir/root"
  mkdir -p "$root/docs/deep" "$dir/outside"
  printf 'hello\nworld\n' >"$root/a.txt"
  printf '# doc\n' >"$root/docs/b.md"
  printf 'deep\n' >"$root/docs/deep/c.md"
  printf 'secret\n' >"$dir/outside/secret.txt"
  ln -s "$dir/outside/secret.txt" "$root/escape"
  ln -s "$dir/outside" "$root/escape_dir"
  ln -s a.txt "$root/inside_link"
}

# run_job KIND PARAMS: pushes one job, drains it with --root, prints the job's JSON.
run_job() {
  local id
  id=$(q push "$1" -p "$2" | jq -r .id)
  "$W" --drain --quiet --root "$root" >/dev/null 2>"$dir/worker.err"
  q show "$id"
}

@test "noop" {
  setup_root
  assert_json '.status == "done" and .result == {"ok": true}' "$(run_job noop '{}')"
}

@test "read_file: content, counts, truncation" {
  setup_root
  assert_json '.result == {"path":"a.txt","bytes":12,"chars":12,"lines":2,"truncated":false,"content":"hello\nworld\n"}' \
    "$(run_job read_file '{"path":"a.txt"}')"
  assert_json '.result.content == "hel" and .result.truncated' "$(run_job read_file '{"path":"a.txt","max_bytes":3}')"
  assert_json '.result.content == "hello\nworld\n"' "$(run_job read_file '{"path":"inside_link"}')"
}

@test "read_file_batch: up to 10 paths" {
  setup_root
  assert_json '.result.count == 2 and .result.files[1].content == "# doc\n"' \
    "$(run_job read_file_batch '{"paths":["a.txt","docs/b.md"]}')"
  job=$(run_job read_file_batch '{"paths":["a","a","a","a","a","a","a","a","a","a","a"]}')
  assert_json '.status == "dead" and (.error | contains("more than the limit of 10"))' "$job"
}

@test "list_files and walk_tree: patterns, recursion, caps" {
  setup_root
  assert_json '[.result.files[].path] == ["a.txt","docs","escape","escape_dir","inside_link"]' \
    "$(run_job list_files '{}')"
  assert_json '[.result.files[].path] == ["docs/b.md","docs/deep/c.md"]' \
    "$(run_job walk_tree '{"patterns":["*.md"]}')"
  assert_json '.result.count == 1 and .result.truncated' "$(run_job walk_tree '{"patterns":["*.md"],"max_files":1}')"
  assert_json '[.result.files[].path] == ["docs/deep/c.md"]' "$(run_job walk_tree '{"path":"docs/deep"}')"
}

@test "write_file: overwrite is atomic and keeps the mode; append appends" {
  setup_root
  chmod 600 "$root/a.txt"
  assert_json '.status == "done" and .result.bytes_written == 3' \
    "$(run_job write_file '{"path":"a.txt","content":"new"}')"
  assert_equal "$(cat "$root/a.txt")" new
  assert_equal "$(stat -c %a "$root/a.txt")" 600
  run_job write_file '{"path":"a.txt","content":"+more","mode":"append"}' >/dev/null
  assert_equal "$(cat "$root/a.txt")" "new+more"
  # No temporary file is left behind.
  [ -z "$(find "$root" -name '*.tmp')" ]
}

@test "write_file: an overwrite goes through temp file, fsync and rename" {
  setup_root
  command -v strace >/dev/null || skip "strace is not installed"
  id=$(q push write_file -p '{"path":"docs/new.txt","content":"x"}' | jq -r .id)
  # LeakSanitizer cannot run under ptrace; the sanitizer build still checks the rest.
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -e trace=openat2,fsync,renameat,renameat2 -o "$dir/trace" "$W" --drain -q --root "$root"
  assert_equal "$(job_field "$id" .status)" done
  # The order: create the temp file, fsync it, rename it over the name, fsync the folder.
  grep -E 'openat2|fsync|rename' "$dir/trace" | grep -v ENOENT | sed 's/^[0-9]* *//' >"$dir/calls"
  grep -q 'openat2(.*\.new\.txt\..*\.tmp' "$dir/calls"
  awk '/\.tmp/ && /openat2/ {o=NR} /fsync/ && !f {f=NR} /rename/ {r=NR} END {exit !(o < f && f < r)}' "$dir/calls"
  grep -q 'rename.*\.tmp.*new\.txt' "$dir/calls"
}

@test "patch_file: ops apply in order, all or nothing" {
  setup_root
  assert_json '.status == "done" and .result.ops_applied == 3' "$(run_job patch_file \
    '{"path":"a.txt","ops":[{"op":"replace","old":"hello","new":"hi"},{"op":"insert","line":2,"text":"middle\n"},{"op":"delete","old":"world\n"}]}')"
  assert_equal "$(cat "$root/a.txt")" $'hi\nmiddle'
  before=$(cat "$root/a.txt")
  job=$(run_job patch_file '{"path":"a.txt","ops":[{"op":"replace","old":"hi","new":"X"},{"op":"delete","old":"absent"}]}')
  assert_json '.status == "dead" and (.error | contains("op 2"))' "$job"
  assert_equal "$(cat "$root/a.txt")" "$before"
}

@test "paths that leave the root are refused and touch nothing" {
  setup_root
  # Gate G3 would refuse most of these at push; the worker's sandbox must hold alone.
  echo '{"gates":{"path_params":[]}}' >"$SHERATAN_CONFIG"
  for params in '{"path":"/etc/passwd"}' '{"path":"../outside/secret.txt"}' '{"path":"docs/../../outside/secret.txt"}' \
    '{"path":"escape"}' '{"path":"escape_dir/secret.txt"}'; do
    job=$(run_job read_file "$params")
    assert_json '.status == "dead" and .attempts == 1' "$job"
    assert_json '.error | test("absolute|\\.\\.|out of the root")' "$job"
  done
  # An absolute path of our own: a shared one such as /tmp/x may exist on the machine.
  for path in "$dir/outside/absolute.txt" ../outside/new.txt escape escape_dir/new.txt; do
    job=$(run_job write_file "{\"path\":\"$path\",\"content\":\"pwned\"}")
    assert_json '.status == "dead"' "$job"
    job=$(run_job write_file "{\"path\":\"$path\",\"content\":\"pwned\",\"mode\":\"append\"}")
    assert_json '.status == "dead"' "$job"
  done
  assert_equal "$(cat "$dir/outside/secret.txt")" secret
  [ ! -e "$dir/outside/new.txt" ] && [ ! -e "$dir/outside/absolute.txt" ]
  [ -L "$root/escape" ]
  assert_json '.status == "dead" and (.error | contains("out of the root"))' "$(run_job list_files '{"path":"escape_dir"}')"
}

@test "bad params fail the job at once with a clear error" {
  setup_root
  assert_json '.error == "params.paths must be a non-empty array of paths"' "$(run_job read_file_batch '{"paths":[]}')"
  assert_json '.error | startswith("params.paht is unknown")' "$(run_job read_file '{"path":"a.txt","paht":"a.txt"}')"
  assert_json '.error == "params.mode must be overwrite or append, not over"' \
    "$(run_job write_file '{"path":"a.txt","content":"x","mode":"over"}')"
  assert_json '.error == "path '"'missing.txt'"' does not exist"' "$(run_job read_file '{"path":"missing.txt"}')"
  assert_json '.status == "dead" and .attempts == 1' "$(run_job http '{"url":"ftp://example.com/"}')"
}

@test "http: method, headers and body against a local server" {
  setup_root
  cat >"$dir/server.py" <<'PY'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        out = json.dumps({"path": self.path, "body": body, "x": self.headers.get("X-Test")}).encode()
        self.send_response(201); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)
    def log_message(self, *args): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
  bg_start "$dir/server.out" python3 "$dir/server.py" "$dir/port"
  wait_until 10 test -s "$dir/port"
  port=$(cat "$dir/port")
  job=$(run_job http "{\"method\":\"post\",\"url\":\"http://127.0.0.1:$port/p\",\"headers\":{\"X-Test\":\"yes\"},\"body\":{\"a\":1}}")
  assert_json '.status == "done" and .result.status == 201 and .result.json == {"path":"/p","body":"{\"a\":1}","x":"yes"}' "$job"
}
