#pragma once
// How one run of a job ended, as the handler (a program or a built-in action) saw it.
// The worker turns it into an ack, a fail with retry, or a fail for good.

#include <string>

#include "json/jsonl.hpp"

namespace sheratan {

struct RunOutcome {
  enum class Kind {
    done,    // result holds the job's result
    retry,   // a temporary failure: retried with the job's backoff until attempts run out
    failed,  // a permanent failure: the job is dead at once
  };
  Kind kind = Kind::done;
  Json result;
  std::string error;

  static RunOutcome success(Json result) { return {Kind::done, std::move(result), {}}; }
  static RunOutcome temporary(std::string error) { return {Kind::retry, nullptr, std::move(error)}; }
  static RunOutcome permanent(std::string error) { return {Kind::failed, nullptr, std::move(error)}; }
};

/// A JSON value that serialises without error: invalid UTF-8 in strings becomes U+FFFD.
/// Results come from programs and files, which may hold any bytes.
Json valid_utf8(const Json& value);

/// The last max_bytes of text, starting on a character boundary, trimmed of white space.
std::string text_tail(const std::string& text, std::size_t max_bytes);

}  // namespace sheratan
