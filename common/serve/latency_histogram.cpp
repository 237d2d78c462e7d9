#include "serve/latency_histogram.hpp"

#include <algorithm>
#include <cstdio>

namespace sheratan::serve {

namespace {

std::string seconds_text(std::int64_t ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", static_cast<double>(ms) / 1000.0);
  return text;
}

}  // namespace

void LatencyHistogram::observe(std::int64_t ms) {
  ms = std::max<std::int64_t>(0, ms);
  const auto bound = std::lower_bound(kBoundsMs.begin(), kBoundsMs.end(), ms);
  buckets_[static_cast<std::size_t>(bound - kBoundsMs.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_ms_.fetch_add(ms, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::string LatencyHistogram::render(const char* name, const char* help) const {
  const std::string base(name);
  std::string out = "# HELP " + base + " " + help + "\n# TYPE " + base + " histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    const std::string le = i < kBoundsMs.size() ? seconds_text(kBoundsMs[i]) : "+Inf";
    out += base + "_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += base + "_sum " + seconds_text(sum_ms_.load(std::memory_order_relaxed)) + "\n";
  out += base + "_count " + std::to_string(count_.load(std::memory_order_relaxed)) + "\n";
  return out;
}

}  // namespace sheratan::serve
