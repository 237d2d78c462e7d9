#pragma once
// Waiting for the store to change, without polling: a StoreWatch (folder events,
// PRAGMA data_version, settle checks; see store_watch.hpp) on a loop of its own, and
// one timer armed for the earliest due moment the check reports (a run_at, a lease
// expiry) and for the caller's deadline. The caller blocks in wait(); a tool that runs
// its own loop (the worker) uses StoreWatch directly. Idle, nothing runs at all.

#include <cstdint>
#include <functional>
#include <optional>

#include "cli/timestamp.hpp"
#include "store/store.hpp"

namespace sheratan {

/// What a check reports: whether the wait is over, and else when to look again at the
/// latest (an absolute wall-clock moment such as the next run_at), if ever.
struct WaitCheck {
  bool done = false;
  std::optional<EpochMillis> next_due;
};

enum class WaitOutcome { done, deadline, interrupted, terminated };

class StoreWaiter {
 public:
  explicit StoreWaiter(Store& store);
  ~StoreWaiter();
  StoreWaiter(const StoreWaiter&) = delete;
  StoreWaiter& operator=(const StoreWaiter&) = delete;

  /// Runs check now and after every committed change (and at each due moment) until it
  /// reports done, the deadline (monotonic ms) passes, or SIGINT/SIGTERM arrives.
  WaitOutcome wait(const std::function<WaitCheck()>& check, std::optional<std::int64_t> deadline_monotonic,
                   const Clock& clock);

  /// Number of times the check ran; the benchmarks use it to show an idle waiter stays idle.
  std::uint64_t checks_run() const { return checks_run_; }

 public:
  struct Loop;  // libuv handles; defined in wakeup.cpp

 private:
  friend struct Loop;
  void run_check();
  void arm_due_timer(std::optional<EpochMillis> next_due);

  Store& store_;
  Loop* loop_;
  std::uint64_t checks_run_ = 0;
};

/// Exit code for an interrupted wait (130 for SIGINT, 143 for SIGTERM).
int exit_code_for(WaitOutcome outcome);

}  // namespace sheratan
