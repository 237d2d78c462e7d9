#pragma once
// A host in the registry: where and how it is probed, what it can run at what cost,
// and what the probes have found (status and statistics, as the original mesh kept
// them). Parsing of the registry's inputs lives here too, so that bad input is
// refused before anything is written.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/money.hpp"
#include "cli/timestamp.hpp"
#include "json/jsonl.hpp"

namespace sheratan {

struct Capability {
  std::string kind;
  MoneyUnits cost = 0;
};

struct HostSpec {
  std::string name;
  std::string url;
  std::string path = "/health";
  int expect_low = 200, expect_high = 299;
  bool critical = false;
  std::vector<Capability> capabilities;

  /// url and path joined with exactly one slash between them.
  std::string probe_url() const;
};

enum class HostStatus { unknown, up, degraded, down };
std::string_view to_string(HostStatus status);
HostStatus parse_host_status(std::string_view text);

struct HostStats {
  HostStatus status = HostStatus::unknown;
  std::optional<EpochMillis> status_since;
  double latency_ms_ema = 750;  // the original's starting values
  double success_ema = 0.85;
  std::int64_t samples = 0;
  std::int64_t consecutive_failures = 0;
  std::int64_t consecutive_successes = 0;
  std::optional<EpochMillis> last_seen;  // last success
  std::optional<EpochMillis> last_probe;
  std::optional<std::string> last_error;
  std::optional<EpochMillis> cooldown_until;
};

struct Host {
  HostSpec spec;
  HostStats stats;
  EpochMillis created_at = 0;
  Json to_json() const;
};

/// Letters, digits and ".-_:", 1 to 64 characters. Throws Error(bad_input).
void check_host_name(std::string_view name);
/// An http:// or https:// URL with a host part. Throws Error(bad_input).
void check_host_url(std::string_view url);
/// "/health": starts with a slash, no spaces. Throws Error(bad_input).
void check_health_path(std::string_view path);
/// "llm_call=100" or "read_file=0.5": KIND=COST with money as in sheratan(7).
Capability parse_capability(std::string_view text);
/// "200" or "200-299", statuses 100 to 599. Returns {low, high}.
std::pair<int, int> parse_status_range(std::string_view text);

}  // namespace sheratan
