// The worker's rounds off its loop (worker/round_thread.hpp), against a broker that
// stands in for a server: rounds run on other threads, at most two at a time, and
// every job claimed is run and reported exactly once before a --drain worker ends.
// (Waits have a deadline; nothing sleeps.)
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "cli/timestamp.hpp"
#include "worker/event_log.hpp"
#include "worker/worker.hpp"

namespace {

using sheratan::Exchange;
using sheratan::Job;
using sheratan::WorkReport;

class ServerLikeBroker final : public sheratan::JobBroker {
 public:
  ServerLikeBroker(int jobs, std::thread::id loop_thread) : unclaimed_(jobs), loop_thread_(loop_thread) {}

  Exchange exchange(std::vector<WorkReport>& reports, const sheratan::ClaimRequest& claim) override {
    const int now_in = ++in_flight_;
    int seen = most_in_flight_.load();
    while (now_in > seen && !most_in_flight_.compare_exchange_weak(seen, now_in)) {
    }
    if (std::this_thread::get_id() == loop_thread_) ++rounds_on_loop_;
    {
      // A claim takes a moment, as it does on a server: long enough for the worker to
      // send its next round meanwhile, when it has one to send.
      std::unique_lock lock(overlap_mutex_);
      overlap_.notify_all();
      if (claim.limit > 0)
        overlap_.wait_for(lock, std::chrono::milliseconds(50), [&] { return in_flight_.load() >= 2; });
    }
    Exchange round;
    {
      std::lock_guard lock(mutex_);
      ++rounds_;
      for (auto& report : reports) {
        ++reported_[report.job.id];
        round.events.push_back({"done", &report.job, sheratan::Json::object()});
      }
      const std::int64_t take = std::min<std::int64_t>(claim.limit, unclaimed_);
      for (std::int64_t i = 0; i < take; ++i)
        round.claimed.push_back(leased_job("job-" + std::to_string(unclaimed_--)));
      if (claim.limit > 0 && take < claim.limit) round.check = sheratan::WaitCheck{false, std::nullopt};
    }
    --in_flight_;
    return round;
  }
  std::optional<std::set<std::string>> extend(const std::vector<Job*>&, sheratan::Millis) override {
    return std::set<std::string>{};
  }
  std::optional<std::set<std::string>> release(const std::vector<Job*>& jobs) override {
    released_ += static_cast<int>(jobs.size());
    return std::set<std::string>{};
  }
  std::unique_ptr<sheratan::ChangeWatch> watch(uv_loop_t*, std::function<void()>) override { return nullptr; }
  bool rounds_off_loop() const override { return true; }

  std::map<std::string, int> reported_;
  std::int64_t unclaimed_;
  int rounds_ = 0;
  std::atomic<int> in_flight_{0}, most_in_flight_{0}, rounds_on_loop_{0}, released_{0};

 private:
  static Job leased_job(const std::string& id) {
    Job job;
    job.id = id;
    job.spec.kind = "noop";
    job.spec.params = sheratan::Json::object();
    job.spec.timeout_ms = 60'000;
    job.status = sheratan::JobStatus::leased;
    job.lease_token = "token-" + id;
    job.lease_until = std::int64_t{1} << 50;
    job.attempts = 1;
    return job;
  }

  std::mutex mutex_;
  std::mutex overlap_mutex_;
  std::condition_variable overlap_;
  std::thread::id loop_thread_;
};

}  // namespace

TEST_CASE("a worker whose broker is remote runs its rounds off the loop, two at most, and loses no job",
          "[worker][round]") {
  sheratan::SystemClock clock;
  ServerLikeBroker broker(3'000, std::this_thread::get_id());
  sheratan::WorkerOptions options;
  options.id = "remote-test";
  options.concurrency = 4;
  options.mode = sheratan::WorkerMode::drain;
  sheratan::EventLog events(sheratan::EventStyle::none, options.id, clock);
  sheratan::Worker worker(broker, clock, options, events);
  CHECK(worker.run() == 0);

  CHECK(broker.unclaimed_ == 0);
  CHECK(broker.reported_.size() == 3'000);
  int reported_twice = 0;
  for (const auto& [id, times] : broker.reported_)
    reported_twice += times != 1;
  CHECK(reported_twice == 0);
  CHECK(broker.released_ == 0);
  CHECK(broker.rounds_on_loop_ == 0);
  CHECK(broker.most_in_flight_ == 2);  // they overlapped, and never more than two
  CHECK(broker.rounds_ > 1);
}
