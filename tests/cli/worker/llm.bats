#!/usr/bin/env bats
# llm_call and agent_plan against a local OpenAI-compatible stub (python3, stdlib).

load ../lib

W="$SHERATAN_BIN/sheratan-worker"

start_stub() {
  cat >"$dir/stub.py" <<'PY'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open(sys.argv[2], "a") as log:
            log.write(json.dumps({"path": self.path, "auth": self.headers.get("Authorization"), "body": request}) + "\n")
        prompt = request["messages"][-1]["content"]
        if prompt == "overloaded":
            self.send_response(503); self.end_headers(); self.wfile.write(b"busy"); return
        if prompt == "forbidden":
            self.send_response(403); self.end_headers(); self.wfile.write(b"no key"); return
        if prompt.startswith("plan"):
            content = json.dumps({"lcp_version": "1", "type": "followup_jobs",
                                  "jobs": [{"kind": "noop", "params": {"from": "plan"}}]})
        else:
            content = "answer to: " + prompt
        out = json.dumps({"model": request["model"], "usage": {"total_tokens": 7},
                          "choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)
    def log_message(self, *args): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
  bg_start "$dir/stub.out" python3 "$dir/stub.py" "$dir/port" "$dir/requests"
  wait_until 10 test -s "$dir/port"
  export SHERATAN_LLM_URL="http://127.0.0.1:$(cat "$dir/port")/v1" SHERATAN_LLM_MODEL=stub-model SHERATAN_LLM_KEY=k123
}

@test "llm_call posts the prompt to /chat/completions and stores the reply" {
  start_stub
  id=$(q push llm_call -p '{"prompt":"hello","system":"be brief"}' | jq -r .id)
  "$W" --drain -q
  assert_json '.status == "done" and .result.content == "answer to: hello" and .result.llm.model == "stub-model"' "$(q show "$id")"
  assert_json '.path == "/v1/chat/completions" and .auth == "Bearer k123" and .body.model == "stub-model"' "$(cat "$dir/requests")"
  assert_json '.body.messages == [{"role":"system","content":"be brief"},{"role":"user","content":"hello"}]' "$(cat "$dir/requests")"
}

@test "an LCP envelope in the reply becomes the result and enqueues its follow-ups" {
  start_stub
  id=$(q push agent_plan -p '{"prompt":"plan the work"}' | jq -r .id)
  "$W" --drain -q
  assert_json '.result.type == "followup_jobs" and (.result.chain.enqueued | length == 1)' "$(q show "$id")"
  assert_json '.status == "done" and .params == {"from":"plan"}' "$(q ls --chain "$id" --json | jq -c 'select(.id != "'"$id"'")')"
}

@test "agent_plan refuses a reply that is not an envelope" {
  start_stub
  id=$(q push agent_plan -p '{"prompt":"chat"}' | jq -r .id)
  "$W" --drain -q
  assert_json '.status == "dead" and (.error | contains("not an LCP envelope"))' "$(q show "$id")"
}

@test "503 is retried, 403 fails for good, a missing URL is a clear error" {
  start_stub
  busy=$(q push llm_call -p '{"prompt":"overloaded"}' | jq -r .id)
  denied=$(q push llm_call -p '{"prompt":"forbidden"}' | jq -r .id)
  "$W" --drain -q
  assert_json '.status == "pending" and (.error | contains("503"))' "$(q show "$busy")"
  assert_json '.status == "dead" and (.error | contains("403"))' "$(q show "$denied")"
  unset SHERATAN_LLM_URL
  id=$(q push llm_call -p '{"prompt":"x"}' | jq -r .id)
  "$W" --drain -q
  assert_json '.error == "SHERATAN_LLM_URL is not set: no chat-completions endpoint to call"' "$(q show "$id")"
}
