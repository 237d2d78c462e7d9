#pragma once
// One job being run: by a program (ExecRun) or by a built-in action (ActionRun).
// A run reports how it ended exactly once, through the finish callback, from the
// worker's loop, after it has released every handle it held; only then may its owner
// destroy it.

#include <functional>

#include "worker/outcome.hpp"

namespace sheratan {

class JobRun {
 public:
  using Finish = std::function<void(RunOutcome)>;
  virtual ~JobRun() = default;
  /// Asks the run to stop soon (a timeout, a shutdown). Finish is still called, once,
  /// when it has stopped; what it reports then is up to the caller to ignore.
  virtual void stop() = 0;
};

}  // namespace sheratan
