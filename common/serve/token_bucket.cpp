#include "serve/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace sheratan::serve {

namespace {
constexpr std::int64_t kMicros = 1'000'000;
}

TokenBucket::TokenBucket(double rate, double burst, std::int64_t now_ms)
    : micros_per_ms_(std::max<std::int64_t>(1, std::llround(rate * 1000.0))),
      burst_micros_(std::llround(burst * static_cast<double>(kMicros))),
      micros_(burst_micros_),
      last_ms_(now_ms) {}

std::int64_t TokenBucket::take(std::int64_t now_ms) {
  if (now_ms > last_ms_) {
    micros_ = std::min(burst_micros_, micros_ + (now_ms - last_ms_) * micros_per_ms_);
    last_ms_ = now_ms;
  }
  if (micros_ >= kMicros) {
    micros_ -= kMicros;
    return 0;
  }
  return (kMicros - micros_ + micros_per_ms_ - 1) / micros_per_ms_;
}

RateLimiter::RateLimiter(double rate, double burst) : rate_(rate), burst_(burst >= 1 ? burst : std::max(1.0, rate)) {}

std::int64_t RateLimiter::take(const std::string& caller, std::int64_t now_ms) {
  if (!enabled()) return 0;
  std::lock_guard lock(mutex_);
  auto bucket = buckets_.try_emplace(caller, rate_, burst_, now_ms).first;
  return bucket->second.take(now_ms);
}

}  // namespace sheratan::serve
