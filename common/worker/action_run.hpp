#pragma once
// Runs a job with a built-in action, off the worker's loop: a thread of its own per
// run (actions block on files and the network), handing the outcome back to the loop
// through an ActionMailbox. A quick action (noop) runs at once, without a thread.
// stop() sets the flag the action looks at; the run still finishes through the
// mailbox, so nothing it touches outlives it.

#include <uv.h>

#include <functional>
#include <memory>

#include "queue/job.hpp"
#include "worker/actions/action.hpp"
#include "worker/job_run.hpp"

namespace sheratan {

/// Hands work from any thread to the loop (one uv_async_t for all runs).
class ActionMailbox {
 public:
  explicit ActionMailbox(uv_loop_t* loop);
  /// Closes the handle; the owner runs the loop afterwards to finish closing it.
  ~ActionMailbox();
  ActionMailbox(const ActionMailbox&) = delete;
  ActionMailbox& operator=(const ActionMailbox&) = delete;
  /// Queues delivery to run on the loop; safe from any thread.
  void post(std::function<void()> delivery);

  struct Handles;

 private:
  Handles* handles_;
};

class ActionRun final : public JobRun {
 public:
  ActionRun(ActionMailbox& mailbox, const ActionSpec& action, const Job& job, const Sandbox& root, Finish finish);
  ~ActionRun() override;
  ActionRun(const ActionRun&) = delete;
  ActionRun& operator=(const ActionRun&) = delete;
  void stop() override;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

/// Runs an action and turns what it throws into an outcome.
RunOutcome run_action(const ActionSpec& action, const Json& params, const ActionContext& context);

}  // namespace sheratan
