#include "store/store_watch.hpp"

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
  uv_fs_event_t folder_watch{};
  uv_timer_t settle_timer{};
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
  if (--handles->open_handles == 0) delete handles;
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

StoreWatch::StoreWatch(uv_loop_t* loop, Store& store, std::function<void()> on_change) : handles_(new Handles) {
  handles_->store = &store;
  handles_->on_change = std::move(on_change);
  handles_->folder_watch.data = handles_;
  handles_->settle_timer.data = handles_;
  uv_fs_event_init(loop, &handles_->folder_watch);
  uv_timer_init(loop, &handles_->settle_timer);
  handles_->open_handles = 2;
  std::filesystem::path path = std::filesystem::absolute(store.path());
  handles_->db_name = path.filename().string();
  handles_->seen_version = store.data_version();
  std::string folder = path.parent_path().string();
  int code = uv_fs_event_start(
      &handles_->folder_watch,
      [](uv_fs_event_t* handle, const char* filename, int, int) {
        Handles* h = handles_of(handle);
        // Only the database and its -wal file announce commits; other files in the
        // folder (a drop folder, a worker's root) are none of our business.
        if (filename && std::string_view(filename).rfind(h->db_name, 0) != 0) return;
        h->settle_step = 0;
        h->start_settle(0);
      },
      folder.c_str(), 0);
  if (code != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&handles_->folder_watch), on_closed);
    uv_close(reinterpret_cast<uv_handle_t*>(&handles_->settle_timer), on_closed);
    handles_ = nullptr;  // freed once the caller's loop runs the close callbacks
    fail(ExitCode::failed, "cannot watch folder " + quote(folder) + ": " + uv_strerror(code));
  }
}

StoreWatch::~StoreWatch() {
  if (!handles_) return;
  uv_close(reinterpret_cast<uv_handle_t*>(&handles_->folder_watch), on_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&handles_->settle_timer), on_closed);
}

void StoreWatch::mark_seen() {
  handles_->seen_version = handles_->store->data_version();
}

std::uint64_t StoreWatch::changes_reported() const {
  return handles_->reported;
}

}  // namespace sheratan
