#pragma once
// Output that hands something over, such as a claim's leases: once committed, each line
// printed belongs to the reader, and each line not printed to nobody. SIGINT, SIGTERM
// or a closed pipe must not end the process before it has given back what it could not
// hand over, so while output is written they are noted here, not fatal.

#include <csignal>

namespace sheratan {

class OutputSignals {
 public:
  /// Blocks SIGINT and SIGTERM in this thread: they stay pending until unblock() or an
  /// OutputSignals takes them. For the moment between a commit and the constructor.
  static void block();
  static void unblock();

  /// Notes SIGINT and SIGTERM from now on (a pending one at once), and turns a closed
  /// pipe into a write error (SIGPIPE ignored) instead of death.
  OutputSignals();
  /// Restores the previous actions and unblocks the signals.
  ~OutputSignals();
  OutputSignals(const OutputSignals&) = delete;
  OutputSignals& operator=(const OutputSignals&) = delete;

  /// The signal that came (SIGINT or SIGTERM), or 0.
  static int received();

 private:
  struct sigaction old_int_ {
  }, old_term_{}, old_pipe_{};
};

}  // namespace sheratan
