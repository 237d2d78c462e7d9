#pragma once
// Output that hands something over, such as a claim's leases: once committed, each line
// printed belongs to the reader, and each line not printed to nobody. SIGINT, SIGTERM
// or a closed pipe must not end the process before it has given back what it could not
// hand over, so while output is written they are noted here, not fatal.

#include <csignal>
#include <cstddef>
#include <string_view>

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
  using Action = struct sigaction;
  Action old_int_{};
  Action old_term_{};
  Action old_pipe_{};
};

/// Writes text, whole lines, to standard output with write(2) and returns how many
/// lines went out. Lines go in groups of at most PIPE_BUF bytes, which a pipe takes
/// whole or not at all, so a signal stops the output between lines; a longer line goes
/// alone and is finished once begun. Stops when OutputSignals::received(), or on an
/// error, whose errno is put in *error.
std::size_t write_lines(std::string_view text, int* error);

}  // namespace sheratan
