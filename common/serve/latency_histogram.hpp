#pragma once
// A Prometheus histogram of latencies, filled by many request threads at once:
// fixed buckets of atomic counters, no lock.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace sheratan::serve {

class LatencyHistogram {
 public:
  /// Upper bounds in milliseconds (the last bucket, +Inf, is implied).
  static constexpr std::array<std::int64_t, 11> kBoundsMs{1, 5, 10, 25, 50, 100, 250, 1'000, 5'000, 30'000, 300'000};

  void observe(std::int64_t ms);
  /// The family in the text format (HELP, TYPE, _bucket, _sum, _count), in seconds.
  std::string render(const char* name, const char* help) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBoundsMs.size() + 1> buckets_{};  // not cumulative
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::int64_t> sum_ms_{0};
};

}  // namespace sheratan::serve
