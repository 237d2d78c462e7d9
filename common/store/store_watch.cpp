#include "store/store_watch.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <string>
#include <string_view>

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan {

namespace {
// After an event with nothing visible yet, look again after these many ms in turn: doubling up to ~2 s in all covers a
// foreign writer whose fsync is slow on a loaded disk.
constexpr std::uint64_t kSettleDelays[] = {1, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
}  // namespace

struct StoreWatch::Handles {
  // Our own inotify descriptor under a uv_poll rather than a uv_fs_event: libuv drops
  // IN_Q_OVERFLOW (it carries no watch), and an overflowed queue has lost the very
  // events that would have announced a commit, so it must count as a change.
  int inotify_fd = -1;
  uv_poll_t folder_watch{};
  uv_timer_t settle_timer{};
  uv_timer_t reopen_timer{};  // ends a pause in reading the folder (quiet_ms)
  std::uint64_t quiet_ms = 0;
  Store* store = nullptr;
  std::function<void()> on_change;
  std::string db_name;
  std::int64_t seen_version = 0;
  std::size_t settle_step = 0;
  std::uint64_t reported = 0;
  int open_handles = 0;

  void look();
  void start_settle(std::uint64_t delay_ms);
};

namespace {

StoreWatch::Handles* handles_of(void* handle) {
  return static_cast<StoreWatch::Handles*>(static_cast<uv_handle_t*>(handle)->data);
}

void on_closed(uv_handle_t* handle) {
  auto* handles = static_cast<StoreWatch::Handles*>(handle->data);
  if (--handles->open_handles > 0) return;
  if (handles->inotify_fd >= 0) ::close(handles->inotify_fd);
  delete handles;
}

// Reads the pending events; true when one names the database or its -wal/-shm files,
// or when the kernel's queue overflowed (events were lost: assume a change). The reads
// are bounded: another program writing into the folder without pause would otherwise
// keep this loop from ever returning to its timers (a wait's deadline among them).
// What is left is read at the loop's next turn, the descriptor being readable still.
bool drain_events(int fd, std::string_view db_name) {
  constexpr int kMostReads = 64;
  alignas(inotify_event) char buffer[16 * 1024];
  bool relevant = false;
  for (int reads = 0; reads < kMostReads; ++reads) {
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got <= 0) return relevant;  // EAGAIN: drained
    for (ssize_t at = 0; at < got;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      if (event->mask & IN_Q_OVERFLOW) relevant = true;
      // Only the database and its -wal file announce commits; other files in the
      // folder (a drop folder, a worker's root) are none of our business.
      if (event->len > 0 && std::string_view(event->name).rfind(db_name, 0) == 0) relevant = true;
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
  return relevant;
}

void on_readable(uv_poll_t* handle, int, int) {
  StoreWatch::Handles* h = handles_of(handle);
  if (!drain_events(h->inotify_fd, h->db_name)) return;
  h->settle_step = 0;
  h->start_settle(0);
  if (h->quiet_ms == 0) return;
  // Events that come in meanwhile wait in the kernel, which folds repeats of the same
  // event into one: a writer's stream of writes then costs a wake-up per pause.
  uv_poll_stop(&h->folder_watch);
  uv_timer_start(
      &h->reopen_timer,
      [](uv_timer_t* timer) { uv_poll_start(&handles_of(timer)->folder_watch, UV_READABLE, on_readable); }, h->quiet_ms,
      0);
}

}  // namespace

void StoreWatch::Handles::start_settle(std::uint64_t delay_ms) {
  uv_timer_start(
      &settle_timer, [](uv_timer_t* timer) { handles_of(timer)->look(); }, delay_ms, 0);
}

void StoreWatch::Handles::look() {
  std::int64_t version = store->data_version();
  if (version != seen_version) {
    seen_version = version;
    ++reported;
    on_change();
    return;
  }
  // Nothing visible yet: the commit may still be on its way into the -shm index.
  if (settle_step < std::size(kSettleDelays)) start_settle(kSettleDelays[settle_step++]);
}

StoreWatch::StoreWatch(uv_loop_t* loop, Store& store, std::function<void()> on_change, std::uint64_t quiet_ms)
    : handles_(new Handles) {
  handles_->store = &store;
  handles_->on_change = std::move(on_change);
  handles_->quiet_ms = quiet_ms;
  handles_->folder_watch.data = handles_;
  handles_->settle_timer.data = handles_;
  handles_->reopen_timer.data = handles_;
  handles_->open_handles = 3;
  uv_timer_init(loop, &handles_->settle_timer);
  uv_timer_init(loop, &handles_->reopen_timer);
  std::filesystem::path path = std::filesystem::absolute(store.path());
  handles_->db_name = path.filename().string();
  handles_->seen_version = store.data_version();
  std::string folder = path.parent_path().string();
  std::string problem;
  handles_->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (handles_->inotify_fd < 0) {
    problem = std::strerror(errno);
  } else if (inotify_add_watch(handles_->inotify_fd, folder.c_str(),
                               IN_ATTRIB | IN_CREATE | IN_MODIFY | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO) < 0) {
    problem = std::strerror(errno);
  } else if (int code = uv_poll_init(loop, &handles_->folder_watch, handles_->inotify_fd); code != 0) {
    problem = uv_strerror(code);
  }
  if (!problem.empty()) {
    // The poll handle was never initialised; only the timers need their close callbacks.
    handles_->open_handles = 2;
    uv_close(reinterpret_cast<uv_handle_t*>(&handles_->settle_timer), on_closed);
    uv_close(reinterpret_cast<uv_handle_t*>(&handles_->reopen_timer), on_closed);
    handles_ = nullptr;  // freed once the caller's loop runs the close callback
    fail(ExitCode::failed, "cannot watch folder " + quote(folder) + ": " + problem);
  }
  uv_poll_start(&handles_->folder_watch, UV_READABLE, on_readable);
}

StoreWatch::~StoreWatch() {
  if (!handles_) return;
  uv_close(reinterpret_cast<uv_handle_t*>(&handles_->folder_watch), on_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&handles_->settle_timer), on_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&handles_->reopen_timer), on_closed);
}

void StoreWatch::mark_seen() {
  handles_->seen_version = handles_->store->data_version();
}

std::uint64_t StoreWatch::changes_reported() const {
  return handles_->reported;
}

}  // namespace sheratan
