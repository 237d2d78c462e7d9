#include "store/wakeup.hpp"

#include <uv.h>

#include <csignal>
#include <filesystem>
#include <string>

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan {

namespace {
// After an event with nothing visible yet, look again after these many ms (in turn).
// Doubling up to ~2 s in all covers a foreign writer whose fsync is slow on a loaded disk.
constexpr std::int64_t kSettleDelays[] = {1, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
}  // namespace

struct StoreWaiter::Loop {
  uv_loop_t loop{};
  uv_fs_event_t folder_watch{};
  uv_timer_t due_timer{};
  uv_timer_t settle_timer{};
  uv_signal_t sigint{};
  uv_signal_t sigterm{};

  // State of one wait() call.
  const std::function<WaitCheck()>* check = nullptr;
  const Clock* clock = nullptr;
  std::optional<std::int64_t> deadline;
  std::int64_t seen_version = 0;
  std::size_t settle_step = 0;
  std::optional<WaitOutcome> outcome;
  StoreWaiter* owner = nullptr;
  std::string db_name;
};

namespace {

StoreWaiter::Loop* loop_of(uv_handle_t* handle) {
  return static_cast<StoreWaiter::Loop*>(handle->data);
}

}  // namespace

StoreWaiter::StoreWaiter(Store& store) : store_(store), loop_(new Loop) {
  loop_->owner = this;
  uv_loop_init(&loop_->loop);
  for (uv_handle_t* handle :
       {reinterpret_cast<uv_handle_t*>(&loop_->folder_watch), reinterpret_cast<uv_handle_t*>(&loop_->due_timer),
        reinterpret_cast<uv_handle_t*>(&loop_->settle_timer), reinterpret_cast<uv_handle_t*>(&loop_->sigint),
        reinterpret_cast<uv_handle_t*>(&loop_->sigterm)})
    handle->data = loop_;
  uv_fs_event_init(&loop_->loop, &loop_->folder_watch);
  uv_timer_init(&loop_->loop, &loop_->due_timer);
  uv_timer_init(&loop_->loop, &loop_->settle_timer);
  uv_signal_init(&loop_->loop, &loop_->sigint);
  uv_signal_init(&loop_->loop, &loop_->sigterm);
  std::filesystem::path path = std::filesystem::absolute(store.path());
  loop_->db_name = path.filename().string();
  std::string folder = path.parent_path().string();
  int code = uv_fs_event_start(
      &loop_->folder_watch,
      [](uv_fs_event_t* handle, const char* filename, int, int) {
        Loop* loop = loop_of(reinterpret_cast<uv_handle_t*>(handle));
        // Only the database and its -wal file announce commits; other files in the
        // folder (a drop folder, logs) are none of our business.
        if (filename && std::string_view(filename).rfind(loop->db_name, 0) != 0) return;
        loop->settle_step = 0;
        uv_timer_start(
            &loop->settle_timer,
            [](uv_timer_t* timer) {
              Loop* l = loop_of(reinterpret_cast<uv_handle_t*>(timer));
              l->owner->on_change();
            },
            0, 0);
      },
      folder.c_str(), 0);
  if (code != 0) {
    uv_loop_close(&loop_->loop);
    delete loop_;
    fail(ExitCode::failed, "cannot watch folder " + quote(folder) + ": " + uv_strerror(code));
  }
}

StoreWaiter::~StoreWaiter() {
  for (uv_handle_t* handle :
       {reinterpret_cast<uv_handle_t*>(&loop_->folder_watch), reinterpret_cast<uv_handle_t*>(&loop_->due_timer),
        reinterpret_cast<uv_handle_t*>(&loop_->settle_timer), reinterpret_cast<uv_handle_t*>(&loop_->sigint),
        reinterpret_cast<uv_handle_t*>(&loop_->sigterm)})
    uv_close(handle, nullptr);
  uv_run(&loop_->loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop_->loop);
  delete loop_;
}

void StoreWaiter::on_change() {
  Loop& l = *loop_;
  std::int64_t version = store_.data_version();
  if (version != l.seen_version) {
    l.seen_version = version;
    run_check();
    return;
  }
  // Nothing visible yet: the commit may still be on its way into the -shm index.
  if (l.settle_step < std::size(kSettleDelays)) {
    uv_timer_start(
        &l.settle_timer, [](uv_timer_t* timer) { loop_of(reinterpret_cast<uv_handle_t*>(timer))->owner->on_change(); },
        static_cast<std::uint64_t>(kSettleDelays[l.settle_step++]), 0);
  }
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
        Loop* loop = loop_of(reinterpret_cast<uv_handle_t*>(timer));
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
  l.seen_version = store_.data_version();
  uv_signal_start(
      &l.sigint,
      [](uv_signal_t* handle, int) {
        Loop* loop = loop_of(reinterpret_cast<uv_handle_t*>(handle));
        loop->outcome = WaitOutcome::interrupted;
        uv_stop(&loop->loop);
      },
      SIGINT);
  uv_signal_start(
      &l.sigterm,
      [](uv_signal_t* handle, int) {
        Loop* loop = loop_of(reinterpret_cast<uv_handle_t*>(handle));
        loop->outcome = WaitOutcome::terminated;
        uv_stop(&loop->loop);
      },
      SIGTERM);
  run_check();
  while (!l.outcome)
    uv_run(&l.loop, UV_RUN_ONCE);
  uv_timer_stop(&l.due_timer);
  uv_timer_stop(&l.settle_timer);
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
