#include "serve/change_feed.hpp"

#include <uv.h>

#include <future>
#include <memory>

#include "store/store_watch.hpp"

namespace sheratan::serve {

struct ChangeFeed::Loop {
  uv_loop_t loop{};
  uv_async_t stop_signal{};
  std::unique_ptr<Store> store;
  std::unique_ptr<StoreWatch> watch;
};

namespace {

// The server's own commits (remote workers' rounds, posted jobs) write the -wal file
// page by page; read at every write, the folder's events took a tenth of the server's
// time in a remote worker's drain. A pause of 2 ms after each read folds them; a
// commit reaches waiters at most that much later.
constexpr std::uint64_t kQuietMs = 2;

void run_feed(ChangeFeed::Loop& l, const StoreOptions& options, std::function<void()> announce,
              std::promise<void> ready) {
  uv_loop_init(&l.loop);
  uv_async_init(&l.loop, &l.stop_signal, [](uv_async_t* handle) {
    auto* loop = static_cast<ChangeFeed::Loop*>(handle->data);
    loop->watch.reset();  // closes its handles; the loop ends when they are closed
    uv_close(reinterpret_cast<uv_handle_t*>(&loop->stop_signal), nullptr);
  });
  l.stop_signal.data = &l;
  try {
    l.store = Store::open(options);
    l.watch = std::make_unique<StoreWatch>(&l.loop, *l.store, std::move(announce), kQuietMs);
    ready.set_value();
  } catch (...) {
    ready.set_exception(std::current_exception());
    uv_close(reinterpret_cast<uv_handle_t*>(&l.stop_signal), nullptr);
  }
  uv_run(&l.loop, UV_RUN_DEFAULT);
  uv_loop_close(&l.loop);
  l.store.reset();
}

}  // namespace

ChangeFeed::ChangeFeed(const StoreOptions& options) : loop_(new Loop) {
  std::promise<void> ready;
  auto armed = ready.get_future();
  thread_ = std::thread([this, options, ready = std::move(ready)]() mutable {
    run_feed(
        *loop_, options, [this] { announce(); }, std::move(ready));
  });
  try {
    armed.get();
  } catch (...) {
    thread_.join();
    delete loop_;
    throw;
  }
}

ChangeFeed::~ChangeFeed() {
  stop();
  uv_async_send(&loop_->stop_signal);
  thread_.join();
  delete loop_;
}

void ChangeFeed::announce() {
  {
    std::lock_guard lock(mutex_);
    ++generation_;
  }
  changed_.notify_all();
}

std::uint64_t ChangeFeed::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

void ChangeFeed::wait(std::uint64_t seen, TimePoint until) const {
  std::unique_lock lock(mutex_);
  changed_.wait_until(lock, until, [&] { return stopping_ || generation_ != seen; });
}

void ChangeFeed::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
}

bool ChangeFeed::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

}  // namespace sheratan::serve
