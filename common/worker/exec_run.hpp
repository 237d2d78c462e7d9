#pragma once
// Runs a job with a program: `sh -c CMD`, or CMD's words at once when it is a plain
// command (see plain_command_words), in a session (and so a process group) of its
// own, the job as JSON on stdin, SHERATAN_JOB_ID, SHERATAN_JOB_KIND and
// SHERATAN_ATTEMPT in its environment.
// Its stdout is the result: JSON, or any other text as {"stdout": TEXT}; nothing is
// null. Exit 0 is done, 75 (EX_TEMPFAIL) a retry, any other status a permanent
// failure whose error is the tail of stderr.
// stop() sends SIGTERM to the whole group and SIGKILL kill_grace later. When the
// program exits, whatever it left running in its group is killed, so that the run
// ends (and its pipes close) with it.

#include <uv.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/duration.hpp"
#include "queue/job.hpp"
#include "worker/job_run.hpp"

namespace sheratan {

class ExecRun final : public JobRun {
 public:
  /// Starts the program. A program that cannot be started finishes (on the loop) as
  /// a permanent failure.
  ExecRun(uv_loop_t* loop, const std::string& command, const Job& job, Millis kill_grace, Finish finish);
  ~ExecRun() override;
  ExecRun(const ExecRun&) = delete;
  ExecRun& operator=(const ExecRun&) = delete;
  void stop() override;

  struct Handles;  // defined in exec_run.cpp; freed after its last handle closes

 private:
  Handles* handles_;
};

/// The words of a command the shell would run as it is: plain words (letters, digits
/// and _-./=:,+@%) separated by spaces, the first neither an assignment nor a shell
/// builtin or keyword. Anything else (quotes, $, globs, pipes ...) is nullopt.
std::optional<std::vector<std::string>> plain_command_words(std::string_view command);

/// The outcome a program's exit status and output stand for (see above).
RunOutcome outcome_of_exit(std::int64_t exit_status, int term_signal, const std::string& out, const std::string& err,
                           bool out_overflow);

}  // namespace sheratan
