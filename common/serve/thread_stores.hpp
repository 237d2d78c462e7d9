#pragma once
// One store connection per server thread: a SQLite connection is used by one thread
// at a time, and prepared statements are cached per connection. Connections are
// opened on a thread's first request and closed with this object, after the threads
// have ended.

#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "store/store.hpp"

namespace sheratan::serve {

class ThreadStores {
 public:
  explicit ThreadStores(StoreOptions options) : options_(std::move(options)) {}
  /// The calling thread's connection, opened when it has none.
  Store& local();

 private:
  StoreOptions options_;
  std::mutex mutex_;
  std::unordered_map<std::thread::id, std::unique_ptr<Store>> stores_;
};

}  // namespace sheratan::serve
