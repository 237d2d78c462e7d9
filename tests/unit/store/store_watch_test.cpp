// Unit tests for common/store/store_watch: wakes on another connection's commit, in
// the caller's loop; stays idle otherwise.
#include <uv.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "store/store.hpp"
#include "store/store_watch.hpp"
#include "support/test_support.hpp"

using sheratan::Store;
using sheratan::StoreOptions;
using sheratan::StoreWatch;
using sheratan::testing::TempDir;

namespace {

/// A loop that is closed after everything in it has.
struct Loop {
  uv_loop_t loop{};
  uv_timer_t deadline{};
  Loop() {
    uv_loop_init(&loop);
    uv_timer_init(&loop, &deadline);
  }
  ~Loop() {
    uv_close(reinterpret_cast<uv_handle_t*>(&deadline), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
  }
  /// Runs until done() or ms pass.
  template <typename Done>
  void run_until(Done done, std::uint64_t ms) {
    bool expired = false;
    deadline.data = &expired;
    uv_timer_start(
        &deadline, [](uv_timer_t* timer) { *static_cast<bool*>(timer->data) = true; }, ms, 0);
    while (!done() && !expired)
      uv_run(&loop, UV_RUN_ONCE);
    uv_timer_stop(&deadline);
  }
};

std::unique_ptr<Store> open_store(const std::string& path) {
  StoreOptions options;
  options.path = path;
  return Store::open(options);
}

}  // namespace

/// A store watched in a loop, and a second connection to commit from.
struct WatchedStore {
  TempDir dir;
  std::unique_ptr<Store> watched = open_store(dir.file("s.db"));
  std::unique_ptr<Store> other = open_store(dir.file("s.db"));
  Loop loop;
  int changes = 0;
  StoreWatch watch{&loop.loop, *watched, [this] { ++changes; }};

  void commit_from_other() {
    other->write([&] { other->exec("CREATE TABLE theirs (x)"); });
  }
};

TEST_CASE("StoreWatch reports another connection's commit and not its own") {
  WatchedStore w;
  w.watched->write([&] { w.watched->exec("CREATE TABLE own (x)"); });
  w.loop.run_until([] { return false; }, 50);
  CHECK(w.changes == 0);
  w.commit_from_other();
  w.loop.run_until([&] { return w.changes > 0; }, 5000);
  CHECK(w.changes == 1);
  CHECK(w.watch.changes_reported() == 1);
  // A file of another name in the folder is none of its business.
  { std::ofstream(w.dir.file("unrelated.txt")) << "x"; }
  w.loop.run_until([] { return false; }, 50);
  CHECK(w.changes == 1);
}

TEST_CASE("StoreWatch takes an overflowed inotify queue as a change") {
  WatchedStore w;
  // Fill the kernel's queue (fs.inotify.max_queued_events, 16,384 by default) with
  // events on an unrelated file, alternating names so that none merge, and then
  // commit: the commit's own events are lost, only the overflow tells of it.
  std::ifstream limit_file("/proc/sys/fs/inotify/max_queued_events");
  long limit = 16384;
  limit_file >> limit;
  for (long i = 0; i <= limit; ++i)
    std::ofstream(w.dir.file(i % 2 ? "a.txt" : "b.txt"), std::ios::app) << 'x';
  w.commit_from_other();
  w.loop.run_until([&] { return w.changes > 0; }, 5000);
  CHECK(w.changes == 1);
}
