// Unit tests for common/serve/latency_histogram: buckets by upper bound, cumulative in
// the text format, sum and count in seconds.
#include "serve/latency_histogram.hpp"

#include <catch2/catch.hpp>

using sheratan::serve::LatencyHistogram;

TEST_CASE("a latency histogram renders cumulative buckets, the sum and the count in seconds") {
  LatencyHistogram histogram;
  for (std::int64_t ms : {0, 1, 2, 40, 400'000, -5})  // a clock step back counts as 0
    histogram.observe(ms);
  const std::string text = histogram.render("x_seconds", "Help.");
  CHECK(text.rfind("# HELP x_seconds Help.\n# TYPE x_seconds histogram\n", 0) == 0);
  CHECK_THAT(text, Catch::Contains("x_seconds_bucket{le=\"0.001\"} 3\n"));  // 0, 1 and the -5
  CHECK_THAT(text, Catch::Contains("x_seconds_bucket{le=\"0.005\"} 4\n"));
  CHECK_THAT(text, Catch::Contains("x_seconds_bucket{le=\"0.05\"} 5\n"));
  CHECK_THAT(text, Catch::Contains("x_seconds_bucket{le=\"300\"} 5\n"));
  CHECK_THAT(text, Catch::Contains("x_seconds_bucket{le=\"+Inf\"} 6\n"));
  CHECK_THAT(text, Catch::Contains("x_seconds_sum 400.043\n"));
  CHECK_THAT(text, Catch::EndsWith("x_seconds_count 6\n"));
}
