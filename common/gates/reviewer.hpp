#pragma once
// The automatic reviewer (the original's auditor): a command that gets a quarantined
// job and its report as {"job","report"} on stdin and answers on stdout with
// {"decision":"approve"|"reject","reason":TEXT}. Its decision is recorded as a
// person's is.

#include <string>

#include "cli/duration.hpp"
#include "json/jsonl.hpp"

namespace sheratan {

struct ReviewDecision {
  bool approve = false;
  std::string reason;
};

/// Runs the command with /bin/sh -c in a process group of its own, its stderr passed
/// through. Throws Error(failed) saying what went wrong: it could not start, ran past
/// the timeout (its group is killed), exited non-zero, or answered something else.
ReviewDecision ask_reviewer(const std::string& command, const Json& input, Millis timeout);

/// Parses a reviewer's answer; throws Error(failed) naming the problem.
ReviewDecision parse_review_answer(std::string_view answer);

}  // namespace sheratan
