// Unit tests for common/serve/token_bucket: burst, refill, the wait it reports, one
// bucket per caller.
#include "serve/token_bucket.hpp"

#include <catch2/catch.hpp>

using namespace sheratan::serve;

TEST_CASE("a full bucket gives burst tokens at once, then refuses with the wait") {
  TokenBucket bucket(2, 3, 1000);  // 2 a second, 3 at most
  CHECK(bucket.take(1000) == 0);
  CHECK(bucket.take(1000) == 0);
  CHECK(bucket.take(1000) == 0);
  CHECK(bucket.take(1000) == 500);  // one token every 500 ms
  CHECK(bucket.take(1250) == 250);  // a refusal takes nothing
  CHECK(bucket.take(1500) == 0);
  CHECK(bucket.take(1500) == 500);
}

TEST_CASE("refill stops at the burst") {
  TokenBucket bucket(10, 2, 0);
  CHECK(bucket.take(0) == 0);
  CHECK(bucket.take(0) == 0);
  // A long quiet spell refills to 2, not more.
  CHECK(bucket.take(60'000) == 0);
  CHECK(bucket.take(60'000) == 0);
  CHECK(bucket.take(60'000) == 100);
}

TEST_CASE("time going backwards does not add tokens") {
  TokenBucket bucket(1, 1, 5000);
  CHECK(bucket.take(5000) == 0);
  CHECK(bucket.take(4000) > 0);
  CHECK(bucket.take(5999) == 1);
  CHECK(bucket.take(6000) == 0);
}

TEST_CASE("a rate limiter keeps one bucket per caller; rate 0 is no limit") {
  RateLimiter limiter(1, 2);
  CHECK(limiter.take("a", 0) == 0);
  CHECK(limiter.take("a", 0) == 0);
  CHECK(limiter.take("a", 0) == 1000);
  CHECK(limiter.take("b", 0) == 0);
  RateLimiter open(0, 0);
  CHECK_FALSE(open.enabled());
  for (int i = 0; i < 1000; ++i)
    CHECK(open.take("a", 0) == 0);
}

TEST_CASE("a burst below 1 becomes the rate, at least 1") {
  RateLimiter limiter(3, 0);
  CHECK(limiter.take("a", 0) == 0);
  CHECK(limiter.take("a", 0) == 0);
  CHECK(limiter.take("a", 0) == 0);
  CHECK(limiter.take("a", 0) > 0);
  RateLimiter slow(0.5, 0);
  CHECK(slow.take("a", 0) == 0);
  CHECK(slow.take("a", 0) == 2000);
}
