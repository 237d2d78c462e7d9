#include "probe/host.hpp"

#include <charconv>

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan {

namespace {

Json optional_time(const std::optional<EpochMillis>& ms) {
  return ms ? Json(format_rfc3339(*ms)) : Json(nullptr);
}

double rounded(double value, double scale) {
  return static_cast<double>(static_cast<std::int64_t>(value * scale + 0.5)) / scale;
}

std::optional<int> parse_status(std::string_view text) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 100 || value > 599) return std::nullopt;
  return value;
}

}  // namespace

std::string HostSpec::probe_url() const {
  std::string joined = url;
  while (!joined.empty() && joined.back() == '/')
    joined.pop_back();
  return joined + path;
}

std::string_view to_string(HostStatus status) {
  switch (status) {
    case HostStatus::unknown:
      return "unknown";
    case HostStatus::up:
      return "up";
    case HostStatus::degraded:
      return "degraded";
    case HostStatus::down:
      return "down";
  }
  return "unknown";
}

HostStatus parse_host_status(std::string_view text) {
  for (auto status : {HostStatus::up, HostStatus::degraded, HostStatus::down})
    if (to_string(status) == text) return status;
  return HostStatus::unknown;
}

Json Host::to_json() const {
  Json capabilities = Json::array();
  for (const auto& capability : spec.capabilities)
    capabilities.push_back(Json{{"kind", capability.kind}, {"cost", format_money(capability.cost)}});
  return Json{{"name", spec.name},
              {"url", spec.url},
              {"path", spec.path},
              {"expect_status", std::to_string(spec.expect_low) + "-" + std::to_string(spec.expect_high)},
              {"critical", spec.critical},
              {"capabilities", capabilities},
              {"status", std::string(to_string(stats.status))},
              {"status_since", optional_time(stats.status_since)},
              {"latency_ms_ema", rounded(stats.latency_ms_ema, 10)},
              {"success_ema", rounded(stats.success_ema, 10000)},
              {"samples", stats.samples},
              {"consecutive_failures", stats.consecutive_failures},
              {"consecutive_successes", stats.consecutive_successes},
              {"last_seen", optional_time(stats.last_seen)},
              {"last_probe", optional_time(stats.last_probe)},
              {"last_error", stats.last_error ? Json(*stats.last_error) : Json(nullptr)},
              {"cooldown_until", optional_time(stats.cooldown_until)},
              {"created_at", format_rfc3339(created_at)}};
}

void check_host_name(std::string_view name) {
  if (name.empty() || name.size() > 64)
    fail(ExitCode::bad_input, "host name " + quote(name) + " must have 1 to 64 characters");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == '_' || c == ':';
    if (!ok) fail(ExitCode::bad_input, "host name " + quote(name) + " may hold only letters, digits and .-_:");
  }
}

void check_host_url(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("http://"))
    rest = url.substr(7);
  else if (url.starts_with("https://"))
    rest = url.substr(8);
  else
    fail(ExitCode::bad_input, "url " + quote(url) + " must start with http:// or https://");
  if (rest.empty() || rest.front() == '/' || rest.front() == ':')
    fail(ExitCode::bad_input, "url " + quote(url) + " names no host");
  if (url.find_first_of(" \t\r\n?#") != std::string_view::npos)
    fail(ExitCode::bad_input, "url " + quote(url) + " must hold no spaces, query or fragment");
}

void check_health_path(std::string_view path) {
  if (!path.starts_with("/") || path.find_first_of(" \t\r\n#") != std::string_view::npos)
    fail(ExitCode::bad_input, "path " + quote(path) + " must start with / and hold no spaces");
}

Capability parse_capability(std::string_view text) {
  auto equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0 || equals + 1 == text.size())
    fail(ExitCode::bad_input, "capability " + quote(text) + " must be KIND=COST, such as llm_call=100");
  Capability capability{std::string(text.substr(0, equals)), 0};
  try {
    capability.cost = parse_money(text.substr(equals + 1));
  } catch (const Error& error) {
    fail(ExitCode::bad_input, "capability " + quote(text) + ": " + error.what());
  }
  if (capability.cost < 0) fail(ExitCode::bad_input, "capability " + quote(text) + ": the cost must not be negative");
  return capability;
}

std::pair<int, int> parse_status_range(std::string_view text) {
  auto dash = text.find('-');
  auto low = parse_status(text.substr(0, dash));
  auto high = dash == std::string_view::npos ? low : parse_status(text.substr(dash + 1));
  if (!low || !high || *low > *high)
    fail(ExitCode::bad_input, "expect-status " + quote(text) + " must be a status or a range such as 200-299");
  return {*low, *high};
}

}  // namespace sheratan
