#pragma once
// The server's one watch on the store: a thread runs a libuv loop with a StoreWatch
// (see store/store_watch.hpp) on a connection of its own, and each commit by another
// connection (any process, the server's own threads included) moves a generation
// counter and wakes every thread blocked in wait(). Long-polls and event streams
// share it, so a thousand waiting requests cost one inotify watch, not a thousand.
// Promise: a waiter that read generation() before looking at the store is woken by
// any commit made after that read, at most 2 ms late (the watch pauses that long
// after each read of the folder, so that a busy writer does not wake it at every
// write); nothing polls.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "store/store.hpp"

namespace sheratan::serve {

class ChangeFeed {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  /// Opens its connection and starts watching; returns once the watch is armed.
  /// Throws Error when the store cannot be opened or its folder watched.
  explicit ChangeFeed(const StoreOptions& options);
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  std::uint64_t generation() const;
  /// Blocks until the generation differs from seen, until passes, or stop().
  void wait(std::uint64_t seen, TimePoint until) const;
  /// Wakes every waiter; later waits return at once.
  void stop();
  bool stopping() const;

  struct Loop;  // libuv handles, defined in change_feed.cpp

 private:
  void announce();

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::uint64_t generation_ = 0;
  bool stopping_ = false;
  Loop* loop_ = nullptr;
  std::thread thread_;
};

}  // namespace sheratan::serve
