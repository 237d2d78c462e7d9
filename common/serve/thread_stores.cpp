#include "serve/thread_stores.hpp"

namespace sheratan::serve {

Store& ThreadStores::local() {
  const auto self = std::this_thread::get_id();
  {
    std::lock_guard lock(mutex_);
    auto found = stores_.find(self);
    if (found != stores_.end()) return *found->second;
  }
  // Opening (and migrating) happens outside the lock; only this thread uses the entry.
  auto store = Store::open(options_);
  std::lock_guard lock(mutex_);
  return *stores_.emplace(self, std::move(store)).first->second;
}

}  // namespace sheratan::serve
