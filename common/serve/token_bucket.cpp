#include "serve/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace sheratan::serve {

TokenBucket::TokenBucket(double rate, double burst, std::int64_t now_ms)
    : rate_per_ms_(rate / 1000.0), burst_(burst), tokens_(burst), last_ms_(now_ms) {}

std::int64_t TokenBucket::take(std::int64_t now_ms) {
  if (now_ms > last_ms_) {
    tokens_ = std::min(burst_, tokens_ + static_cast<double>(now_ms - last_ms_) * rate_per_ms_);
    last_ms_ = now_ms;
  }
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return 0;
  }
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil((1.0 - tokens_) / rate_per_ms_)));
}

RateLimiter::RateLimiter(double rate, double burst) : rate_(rate), burst_(burst >= 1 ? burst : std::max(1.0, rate)) {}

std::int64_t RateLimiter::take(const std::string& caller, std::int64_t now_ms) {
  if (!enabled()) return 0;
  std::lock_guard lock(mutex_);
  auto bucket = buckets_.try_emplace(caller, rate_, burst_, now_ms).first;
  return bucket->second.take(now_ms);
}

}  // namespace sheratan::serve
