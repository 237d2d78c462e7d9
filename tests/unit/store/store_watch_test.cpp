// Unit tests for common/store/store_watch: wakes on another connection's commit, in
// the caller's loop; stays idle otherwise.
#include <uv.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <functional>

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

/// A store watched in a loop, and a second connection to commit from.
struct WatchedStore {
  explicit WatchedStore(std::uint64_t quiet_ms = 0) : watch{&loop.loop, *watched, [this] { ++changes; }, quiet_ms} {}
  TempDir dir;
  std::unique_ptr<Store> watched = open_store(dir.file("s.db"));
  std::unique_ptr<Store> other = open_store(dir.file("s.db"));
  Loop loop;
  int changes = 0;
  StoreWatch watch;

  void commit_from_other(const std::string& table = "theirs") {
    other->write([&] { other->exec(("CREATE TABLE " + table + " (x)").c_str()); });
  }
};

}  // namespace

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

TEST_CASE("StoreWatch with a quiet pause folds a burst of commits and still reports the last") {
  TempDir dir;
  auto watched = open_store(dir.file("s.db"));
  auto other = open_store(dir.file("s.db"));
  Loop loop;
  int changes = 0;
  std::int64_t tables_seen = 0;  // at the latest report, through the watched connection
  StoreWatch watch(
      &loop.loop, *watched,
      [&] {
        ++changes;
        auto count = watched->use("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 't%'");
        count.step();
        tables_seen = count.integer(0);
        count.reset();
      },
      500);
  auto commit = [&](int i) {
    other->write([&] { other->exec(("CREATE TABLE t" + std::to_string(i) + " (x)").c_str()); });
  };
  commit(0);
  loop.run_until([&] { return changes > 0; }, 5000);
  REQUIRE(changes == 1);
  // The folder is not read for 500 ms now. Twenty more commits land in the loop, one
  // a turn of a 1 ms timer, as a busy writer's would: without the pause each would be
  // read and reported on its own; the last must still be reported once it ends.
  struct Burst {
    std::function<void()> next;
    int left = 20;
  } burst;
  int next_table = 1;
  burst.next = [&] { commit(next_table++); };
  uv_timer_t committer{};
  uv_timer_init(&loop.loop, &committer);
  committer.data = &burst;
  uv_timer_start(
      &committer,
      [](uv_timer_t* timer) {
        auto* b = static_cast<Burst*>(timer->data);
        b->next();
        if (--b->left == 0) uv_timer_stop(timer);
      },
      1, 1);
  loop.run_until([&] { return tables_seen == 21; }, 10'000);
  uv_close(reinterpret_cast<uv_handle_t*>(&committer), nullptr);
  CHECK(tables_seen == 21);
  CHECK(changes <= 3);  // folded: a report or two for the burst, not one per commit
}
