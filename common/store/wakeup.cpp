#include "store/wakeup.hpp"

#include <uv.h>

#include <csignal>
#include <memory>

#include "cli/error.hpp"
#include "store/store_watch.hpp"

namespace sheratan {

// StoreWatch does the watching (folder events, data_version, settle checks); this
// adds the blocking part: a loop of its own, the due timer and the signals.
struct StoreWaiter::Loop {
  uv_loop_t loop{};
  uv_timer_t due_timer{};
  uv_signal_t sigint{};
  uv_signal_t sigterm{};
  std::unique_ptr<StoreWatch> watch;

  // State of one wait() call.
  const std::function<WaitCheck()>* check = nullptr;
  const Clock* clock = nullptr;
  std::optional<std::int64_t> deadline;
  std::optional<WaitOutcome> outcome;
  StoreWaiter* owner = nullptr;

  void close_all() {
    watch.reset();
    for (uv_handle_t* handle : {reinterpret_cast<uv_handle_t*>(&due_timer), reinterpret_cast<uv_handle_t*>(&sigint),
                                reinterpret_cast<uv_handle_t*>(&sigterm)})
      uv_close(handle, nullptr);
    // A wait() whose first check was done stopped the loop without running it; the
    // stop flag would keep this run from closing anything. A NOWAIT run clears it.
    uv_run(&loop, UV_RUN_NOWAIT);
    uv_run(&loop, UV_RUN_DEFAULT);  // the close callbacks free what the handles own
    uv_loop_close(&loop);
  }
};

namespace {

StoreWaiter::Loop* loop_of(void* handle) {
  return static_cast<StoreWaiter::Loop*>(static_cast<uv_handle_t*>(handle)->data);
}

void stop_with(void* handle, WaitOutcome outcome) {
  StoreWaiter::Loop* loop = loop_of(handle);
  loop->outcome = outcome;
  uv_stop(&loop->loop);
}

}  // namespace

StoreWaiter::StoreWaiter(Store& store) : store_(store), loop_(new Loop) {
  loop_->owner = this;
  uv_loop_init(&loop_->loop);
  uv_timer_init(&loop_->loop, &loop_->due_timer);
  uv_signal_init(&loop_->loop, &loop_->sigint);
  uv_signal_init(&loop_->loop, &loop_->sigterm);
  for (uv_handle_t* handle :
       {reinterpret_cast<uv_handle_t*>(&loop_->due_timer), reinterpret_cast<uv_handle_t*>(&loop_->sigint),
        reinterpret_cast<uv_handle_t*>(&loop_->sigterm)})
    handle->data = loop_;
  try {
    // Changes seen outside a wait() come in at the next one, whose check sees them anyway.
    loop_->watch = std::make_unique<StoreWatch>(&loop_->loop, store, [this] {
      if (loop_->check) run_check();
    });
  } catch (...) {
    loop_->close_all();
    delete loop_;
    throw;
  }
}

StoreWaiter::~StoreWaiter() {
  loop_->close_all();
  delete loop_;
}

void StoreWaiter::run_check() {
  Loop& l = *loop_;
  ++checks_run_;
  WaitCheck result = (*l.check)();
  if (result.done) {
    l.outcome = WaitOutcome::done;
    uv_stop(&l.loop);
    return;
  }
  arm_due_timer(result.next_due);
}

void StoreWaiter::arm_due_timer(std::optional<EpochMillis> next_due) {
  Loop& l = *loop_;
  std::optional<std::int64_t> delay;
  if (next_due) delay = std::max<std::int64_t>(0, *next_due - l.clock->now());
  if (l.deadline) {
    std::int64_t until_deadline = std::max<std::int64_t>(0, *l.deadline - monotonic_millis());
    if (!delay || until_deadline < *delay) delay = until_deadline;
  }
  if (!delay) {
    uv_timer_stop(&l.due_timer);
    return;
  }
  uv_timer_start(
      &l.due_timer,
      [](uv_timer_t* timer) {
        Loop* loop = loop_of(timer);
        if (loop->deadline && monotonic_millis() >= *loop->deadline) {
          // One last look: a job that became due exactly at the deadline still counts.
          ++loop->owner->checks_run_;
          WaitCheck last = (*loop->check)();
          loop->outcome = last.done ? WaitOutcome::done : WaitOutcome::deadline;
          uv_stop(&loop->loop);
          return;
        }
        loop->owner->run_check();
      },
      static_cast<std::uint64_t>(*delay), 0);
}

WaitOutcome StoreWaiter::wait(const std::function<WaitCheck()>& check, std::optional<std::int64_t> deadline_monotonic,
                              const Clock& clock) {
  Loop& l = *loop_;
  l.check = &check;
  l.clock = &clock;
  l.deadline = deadline_monotonic;
  l.outcome.reset();
  uv_signal_start(
      &l.sigint, [](uv_signal_t* handle, int) { stop_with(handle, WaitOutcome::interrupted); }, SIGINT);
  uv_signal_start(
      &l.sigterm, [](uv_signal_t* handle, int) { stop_with(handle, WaitOutcome::terminated); }, SIGTERM);
  l.watch->mark_seen();
  run_check();
  while (!l.outcome)
    uv_run(&l.loop, UV_RUN_ONCE);
  l.check = nullptr;
  uv_timer_stop(&l.due_timer);
  uv_signal_stop(&l.sigint);
  uv_signal_stop(&l.sigterm);
  return *l.outcome;
}

int exit_code_for(WaitOutcome outcome) {
  switch (outcome) {
    case WaitOutcome::done:
      return to_int(ExitCode::ok);
    case WaitOutcome::deadline:
      return to_int(ExitCode::failed);
    case WaitOutcome::interrupted:
      return to_int(ExitCode::interrupted);
    case WaitOutcome::terminated:
      return to_int(ExitCode::terminated);
  }
  return to_int(ExitCode::failed);
}

}  // namespace sheratan
