#include "probe/probe_run.hpp"

#include <csignal>

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan {

namespace {

ProbeRunner* runner_of(void* handle) {
  return static_cast<ProbeRunner*>(static_cast<uv_handle_t*>(handle)->data);
}

}  // namespace

ProbeRunner::ProbeRunner(Store& store, const Clock& clock, ProbeRunOptions options, Reporter report)
    : store_(store), clock_(clock), options_(options), report_(std::move(report)), registry_(store, clock) {
  if (options_.interval_ms < 1) fail(ExitCode::usage, "--interval must be positive");
  if (options_.retention < 1) fail(ExitCode::bad_input, "probe.retention must be at least 1");
  if (options_.rules.down_after < 1 || options_.rules.up_after < 1)
    fail(ExitCode::bad_input, "probe.down_after and probe.up_after must be at least 1");
  uv_loop_init(&loop_);
  uv_timer_init(&loop_, &round_timer_);
  round_timer_.data = this;
  for (uv_signal_t* signal : {&sigint_, &sigterm_}) {
    uv_signal_init(&loop_, signal);
    signal->data = this;
  }
  prober_ = std::make_unique<HttpProber>(&loop_, clock_, options_.concurrency, options_.timeout_ms);
}

ProbeRunner::~ProbeRunner() {
  prober_.reset();
  uv_close(reinterpret_cast<uv_handle_t*>(&round_timer_), nullptr);
  for (uv_signal_t* signal : {&sigint_, &sigterm_})
    uv_close(reinterpret_cast<uv_handle_t*>(signal), nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);  // the close callbacks free what the handles own
  uv_loop_close(&loop_);
}

int ProbeRunner::run() {
  uv_signal_start(
      &sigint_, [](uv_signal_t* handle, int) { runner_of(handle)->stop(to_int(ExitCode::interrupted)); }, SIGINT);
  uv_signal_start(
      &sigterm_, [](uv_signal_t* handle, int) { runner_of(handle)->stop(to_int(ExitCode::terminated)); }, SIGTERM);
  guarded(&ProbeRunner::start_round);
  while (!exit_status_)
    uv_run(&loop_, UV_RUN_ONCE);
  if (error_) std::rethrow_exception(error_);
  return *exit_status_;
}

void ProbeRunner::guarded(void (ProbeRunner::*step)()) {
  // Exceptions must not unwind through libuv's C frames: they end the run instead.
  try {
    (this->*step)();
  } catch (...) {
    error_ = std::current_exception();
    stop(to_int(ExitCode::failed));
  }
}

void ProbeRunner::stop(int status) {
  prober_->cancel();
  uv_timer_stop(&round_timer_);
  exit_status_ = status;
}

void ProbeRunner::start_round() {
  round_started_ = monotonic_millis();
  ++rounds_;
  results_.clear();
  std::vector<ProbeTarget> targets;
  for (const auto& host : registry_.list())
    targets.push_back({host.spec.name, host.spec.probe_url(), host.spec.expect_low, host.spec.expect_high});
  if (targets.empty() && rounds_ == 1) print_info("no hosts registered (sheratan-probe add NAME URL)");
  prober_->start_round(
      std::move(targets), [this](ProbeResult result) { results_.push_back(std::move(result)); },
      [this] { guarded(&ProbeRunner::end_round); });
}

void ProbeRunner::end_round() {
  std::vector<RecordedResult> recorded;
  try {
    recorded = registry_.record(results_, options_.rules, options_.retention);
  } catch (const Error& error) {
    if (options_.once || error.code() != ExitCode::unavailable) throw;
    print_warning(std::string(error.what()) + " (this round's results are lost; probing goes on)");
  }
  for (const auto& line : recorded)
    report_(line);
  if (options_.once) {
    bool critical_down = false;
    for (const auto& host : registry_.list())
      critical_down = critical_down || (host.spec.critical && host.stats.status == HostStatus::down);
    exit_status_ = to_int(critical_down ? ExitCode::failed : ExitCode::ok);
    return;
  }
  const std::int64_t next = round_started_ + options_.interval_ms;
  uv_timer_start(
      &round_timer_, [](uv_timer_t* timer) { runner_of(timer)->guarded(&ProbeRunner::start_round); },
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, next - monotonic_millis())), 0);
}

}  // namespace sheratan
