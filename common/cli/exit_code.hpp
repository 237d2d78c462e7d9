#pragma once
// The exit codes every Sheratan tool uses; sheratan(7) documents them once.

namespace sheratan {

enum class ExitCode : int {
  ok = 0,
  failed = 1,       // a negative answer: not found, check failed, deadline passed
  usage = 2,        // the command line is wrong
  conflict = 3,     // idempotency collision, stale lease token, illegal transition
  bad_input = 4,    // input data is malformed or violates a rule
  unavailable = 5,  // busy past the timeout or refused for now: safe to retry
  interrupted = 130,
  terminated = 143,
};

constexpr int to_int(ExitCode code) {
  return static_cast<int>(code);
}

}  // namespace sheratan
