#pragma once
// Reading JSON lines on a second thread: the lines of each batch are read, parsed and
// prepared there (for a push: the gates and the job spec, a third of its time) while
// the caller's thread writes the batch before. A bulk push then keeps both cores busy.
//
// What is written is what for_each_input_batch would write: batches are handled in
// order, and an error at line N (malformed, refused) reaches the caller after every
// batch before line N's was handled, and before anything of line N's batch was.

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "cli/batch.hpp"

namespace sheratan {

/// An eventfd that stops a JsonLinesReader blocked on its input (interrupt_on).
class ReadInterrupt {
 public:
  ReadInterrupt();
  ~ReadInterrupt();
  ReadInterrupt(const ReadInterrupt&) = delete;
  ReadInterrupt& operator=(const ReadInterrupt&) = delete;
  int fd() const { return fd_; }
  void signal();

 private:
  int fd_;
};

/// A queue of at most `capacity` batches from the reading thread to the caller's, and
/// of the handled ones back, so that a batch is freed on the thread that allocated it
/// (glibc frees another thread's memory under that thread's arena lock).
template <typename Batch>
class BatchChannel {
 public:
  explicit BatchChannel(std::size_t capacity) : capacity_(capacity) {}

  /// Waits for room; false when the taker has given up.
  bool put(Batch batch) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return canceled_ || ready_.size() < capacity_; });
    if (canceled_) return false;
    ready_.push_back(std::move(batch));
    changed_.notify_all();
    return true;
  }

  /// No more batches; `error`, when set, is what stopped the reading.
  void close(std::exception_ptr error) {
    std::lock_guard lock(mutex_);
    closed_ = true;
    error_ = std::move(error);
    changed_.notify_all();
  }

  /// The next batch, or nullopt once the channel is closed and drained.
  std::optional<Batch> take() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return closed_ || !ready_.empty(); });
    if (ready_.empty()) return std::nullopt;
    Batch batch = std::move(ready_.front());
    ready_.pop_front();
    changed_.notify_all();
    return batch;
  }

  void give_back(Batch batch) {
    std::lock_guard lock(mutex_);
    spent_.push_back(std::move(batch));
  }

  /// Frees the batches given back, on the calling thread and outside the lock.
  void free_spent() {
    std::deque<Batch> spent;
    {
      std::lock_guard lock(mutex_);
      spent.swap(spent_);
    }
  }

  void cancel() {
    std::lock_guard lock(mutex_);
    canceled_ = true;
    changed_.notify_all();
  }

  void rethrow_error() const {
    std::lock_guard lock(mutex_);
    if (error_) std::rethrow_exception(error_);
  }

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Batch> ready_;
  std::deque<Batch> spent_;
  bool closed_ = false;
  bool canceled_ = false;
  std::exception_ptr error_;
};

/// Like for_each_input_batch, with prepare(lines) run on a reading thread and
/// handle(batch) on the caller's. Returns the number of lines read. If handle() throws,
/// the reading thread is interrupted (even when blocked on an open pipe) and joined
/// before the error goes on.
template <typename Batch>
std::size_t for_each_prepared_batch(JsonLinesReader& reader, std::size_t max_lines,
                                    const std::function<Batch(std::vector<InputLine>&)>& prepare,
                                    const std::function<void(Batch&)>& handle) {
  // One batch waits while the next is read and the one before it is handled.
  BatchChannel<Batch> channel(1);
  ReadInterrupt interrupt;
  reader.interrupt_on(interrupt.fd());
  struct Uninterrupt {  // the reader outlives the eventfd, whatever happens here
    JsonLinesReader& reader;
    ~Uninterrupt() { reader.interrupt_on(-1); }
  } uninterrupt{reader};
  std::size_t total = 0;
  std::thread reading([&] {
    try {
      total = for_each_input_batch(reader, max_lines, [&](std::vector<InputLine>& lines) {
        channel.free_spent();
        Batch batch = prepare(lines);
        // The parsed lines are freed on this thread too.
        lines.clear();
        // False when the taker gave up: stop reading.
        if (!channel.put(std::move(batch))) throw ReadInterrupted{};
      });
      channel.close(nullptr);
    } catch (const ReadInterrupted&) {
      channel.close(nullptr);
    } catch (...) {
      channel.close(std::current_exception());
    }
  });
  auto stop_reading = [&] {
    channel.cancel();
    interrupt.signal();
    reading.join();
  };
  try {
    while (auto batch = channel.take()) {
      handle(*batch);
      channel.give_back(std::move(*batch));
    }
  } catch (...) {
    stop_reading();
    throw;
  }
  stop_reading();
  channel.rethrow_error();
  return total;
}

}  // namespace sheratan
