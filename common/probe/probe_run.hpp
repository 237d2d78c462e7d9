#pragma once
// `sheratan-probe run`: rounds of probes over every registered host, on one libuv loop.
// A round reads the registry, probes every host at once (HttpProber), records the
// results in one transaction and reports each one. Without --once, one timer is armed
// for the start of the next round (an interval after this round's start); nothing
// else runs between rounds. SIGINT/SIGTERM abandon a round in flight, recording none
// of it.

#include <uv.h>

#include <exception>
#include <functional>
#include <memory>
#include <optional>

#include "probe/http_prober.hpp"
#include "probe/registry.hpp"

namespace sheratan {

struct ProbeRunOptions {
  bool once = false;
  Millis interval_ms = 30'000;
  Millis timeout_ms = 2'500;
  std::int64_t concurrency = 500;
  std::int64_t retention = 100;
  DampingRules rules;
};

class ProbeRunner {
 public:
  using Reporter = std::function<void(const RecordedResult&)>;

  ProbeRunner(Store& store, const Clock& clock, ProbeRunOptions options, Reporter report);
  ~ProbeRunner();
  ProbeRunner(const ProbeRunner&) = delete;
  ProbeRunner& operator=(const ProbeRunner&) = delete;

  /// Runs until --once's round ends or a signal. Returns the exit status: 0; 1 after
  /// --once when a critical host is down; 130/143 after SIGINT/SIGTERM.
  int run();

  std::uint64_t rounds() const { return rounds_; }

 private:
  void start_round();
  void end_round();
  void stop(int status);
  void guarded(void (ProbeRunner::*step)());

  Store& store_;
  const Clock& clock_;
  ProbeRunOptions options_;
  Reporter report_;
  HostRegistry registry_;
  uv_loop_t loop_{};
  uv_timer_t round_timer_{};
  uv_signal_t sigint_{}, sigterm_{};
  std::unique_ptr<HttpProber> prober_;
  std::vector<ProbeResult> results_;
  std::int64_t round_started_ = 0;  // monotonic ms
  std::uint64_t rounds_ = 0;
  std::optional<int> exit_status_;
  std::exception_ptr error_;
};

}  // namespace sheratan
