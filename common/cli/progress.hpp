#pragma once
// Progress of long work (import, sync, verify) on stderr, only when stderr is a
// terminal and -q was not given: one line rewritten in place at most ten times a
// second ("sheratan-ledger: verify: 120000 entries"), cleared when the work ends.
// Elsewhere (a pipe, a file, cron) it prints nothing.

#include <cstdint>
#include <string>

namespace sheratan {

class ProgressLine {
 public:
  /// what: the work ("verify"); unit: what is counted ("entries").
  ProgressLine(std::string what, std::string unit);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  /// Reports the count so far; prints the first, then at most every tenth of a second.
  void update(std::int64_t count);
  bool shown() const { return enabled_; }

 private:
  std::string what_, unit_;
  bool enabled_ = false;
  bool printed_ = false;
  std::int64_t last_ms_ = 0;
};

}  // namespace sheratan
