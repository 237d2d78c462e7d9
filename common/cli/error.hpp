#pragma once
// The one exception type the library throws for failures a user should read.
// It is caught once, at the top of each tool, printed in the message format and
// turned into its exit code.

#include <stdexcept>
#include <string>

#include "cli/exit_code.hpp"

namespace sheratan {

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  /// With a record for scripts (one JSON line), printed on stderr after the message.
  Error(ExitCode code, const std::string& message, std::string record)
      : std::runtime_error(message), code_(code), record_(std::move(record)) {}
  ExitCode code() const { return code_; }
  const std::string& record() const { return record_; }

 private:
  ExitCode code_;
  std::string record_;
};

[[noreturn]] inline void fail(ExitCode code, const std::string& message) {
  throw Error(code, message);
}

/// Prefixes a batch input's line number: "line 17: amount ...".
inline std::string at_line(std::size_t line, const std::string& message) {
  return "line " + std::to_string(line) + ": " + message;
}

}  // namespace sheratan
