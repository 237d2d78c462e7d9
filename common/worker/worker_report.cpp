// Reporting results: what has finished since the last round goes to the broker in one
// batch; what could not be reported (a busy store, a server out of reach) is kept, in
// the order it finished, and reported again a second later.
#include "cli/error.hpp"
#include "cli/message.hpp"
#include "worker/worker.hpp"

namespace sheratan {

void Worker::print_events(std::vector<WorkEvent>& printed) {
  for (auto& event : printed)
    events_.job_event(event.name, *event.job, std::move(event.extra));
  printed.clear();
}

void Worker::retry_reports_later(std::vector<WorkReport> batch, const std::string& why) {
  if (released_all_ && !batch.empty()) {
    // Stopping, and past the grace period: a worker that cannot report must still end.
    // The results are lost, not the jobs: their leases run out and they run again.
    print_warning(why + ": " + std::to_string(batch.size()) +
                  " result(s) not reported; their jobs run again when their leases run out");
    return;
  }
  print_warning(why + (batch.empty() ? " (trying again in 1s)" : " (reporting again in 1s)"));
  // These finished first: they go first next time.
  for (auto& report : reports_)
    batch.push_back(std::move(report));
  reports_ = std::move(batch);
  uv_timer_start(
      &retry_timer_, [](uv_timer_t* timer) { static_cast<Worker*>(timer->data)->kick(); }, kRetryMs, 0);
}

void Worker::flush_reports() {
  uv_timer_stop(&report_timer_);
  if (reports_.empty()) return;
  if (rounds_full()) {
    round_deferred_ = true;  // reported when a round is back
    return;
  }
  std::vector<WorkReport> batch = std::move(reports_);
  reports_.clear();
  begin_round(std::move(batch), 0);
}

}  // namespace sheratan
