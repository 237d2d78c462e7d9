#pragma once
// Rate limits: a token bucket (rate a second, up to burst), and one bucket per caller
// name behind a mutex for the server's threads. Time is passed in (monotonic ms) so
// that tests need no clock.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace sheratan::serve {

class TokenBucket {
 public:
  /// A full bucket of burst tokens, refilled at rate a second. rate must be > 0.
  TokenBucket(double rate, double burst, std::int64_t now_ms);

  /// Takes one token: 0 when there was one, else the ms until one will be there
  /// (at least 1). A refused take takes nothing.
  std::int64_t take(std::int64_t now_ms);

 private:
  // In millionths of a token, so that refill and waits are exact integers.
  std::int64_t micros_per_ms_;
  std::int64_t burst_micros_;
  std::int64_t micros_;
  std::int64_t last_ms_;
};

class RateLimiter {
 public:
  /// rate 0 means no limit; burst below 1 becomes max(1, rate).
  RateLimiter(double rate, double burst);
  bool enabled() const { return rate_ > 0; }
  /// As TokenBucket::take, for the bucket of this caller.
  std::int64_t take(const std::string& caller, std::int64_t now_ms);

 private:
  double rate_, burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, TokenBucket> buckets_;
};

}  // namespace sheratan::serve
