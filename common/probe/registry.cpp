#include "probe/registry.hpp"

#include <set>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "store/sql/probe_queries.hpp"

namespace sheratan {

namespace {

Host read_host(const Statement& row) {
  Host host;
  host.spec.name = row.text(0);
  host.spec.url = row.text(1);
  host.spec.path = row.text(2);
  host.spec.expect_low = static_cast<int>(row.integer(3));
  host.spec.expect_high = static_cast<int>(row.integer(4));
  host.spec.critical = row.integer(5) != 0;
  host.created_at = row.integer(6);
  host.stats.status = parse_host_status(row.text_view(7));
  host.stats.status_since = row.optional_integer(8);
  host.stats.latency_ms_ema = sqlite3_column_double(row.handle(), 9);
  host.stats.success_ema = sqlite3_column_double(row.handle(), 10);
  host.stats.samples = row.integer(11);
  host.stats.consecutive_failures = row.integer(12);
  host.stats.consecutive_successes = row.integer(13);
  host.stats.last_seen = row.optional_integer(14);
  host.stats.last_probe = row.optional_integer(15);
  host.stats.last_error = row.optional_text(16);
  host.stats.cooldown_until = row.optional_integer(17);
  for (const auto& capability : Json::parse(row.text_view(18)))
    host.spec.capabilities.push_back(
        {capability.at("kind").get<std::string>(), capability.at("cost").get<MoneyUnits>()});
  return host;
}

void bind_double(Statement& statement, int index, double value) {
  sqlite3_bind_double(statement.handle(), index, value);
}

}  // namespace

Json RecordedResult::to_json() const {
  Json out = result.to_json();
  out["status"] = std::string(to_string(status));
  out["previous_status"] = std::string(to_string(previous));
  return out;
}

Host HostRegistry::add(const HostSpec& spec) {
  check_host_name(spec.name);
  check_host_url(spec.url);
  check_health_path(spec.path);
  if (spec.expect_low < 100 || spec.expect_high > 599 || spec.expect_low > spec.expect_high)
    fail(ExitCode::bad_input, "expect-status must lie within 100-599");
  std::set<std::string> kinds;
  for (const auto& capability : spec.capabilities)
    if (!kinds.insert(capability.kind).second)
      fail(ExitCode::bad_input, "capability " + quote(capability.kind) + " is given twice");
  return store_.write([&] {
    auto upsert = store_.use(sql::kUpsertHost);
    upsert.bind(1, spec.name)
        .bind(2, spec.url)
        .bind(3, spec.path)
        .bind(4, spec.expect_low)
        .bind(5, spec.expect_high)
        .bind(6, spec.critical ? 1 : 0)
        .bind(7, clock_.now())
        .run();
    store_.use(sql::kDeleteCapabilities).bind(1, spec.name).run();
    for (const auto& capability : spec.capabilities)
      store_.use(sql::kInsertCapability).bind(1, spec.name).bind(2, capability.kind).bind(3, capability.cost).run();
    return *find(spec.name);
  });
}

bool HostRegistry::remove(const std::string& name) {
  return store_.write([&] {
    store_.use(sql::kDeleteHost).bind(1, name).run();
    return store_.changes() > 0;
  });
}

std::optional<Host> HostRegistry::find(const std::string& name) {
  return store_.read([&]() -> std::optional<Host> {
    auto row = store_.use(sql::kHostByName);
    row.bind(1, name);
    if (!row.step()) return std::nullopt;
    return read_host(row);
  });
}

std::vector<Host> HostRegistry::list() {
  return store_.read([&] {
    std::vector<Host> hosts;
    auto rows = store_.use(sql::kAllHosts);
    while (rows.step())
      hosts.push_back(read_host(rows));
    return hosts;
  });
}

namespace {

/// A result from columns host, ts, ok, http_status, latency_ms, error.
ProbeResult read_result(const Statement& rows) {
  ProbeResult result;
  result.host = rows.text(0);
  result.ts = rows.integer(1);
  result.ok = rows.integer(2) != 0;
  if (auto status = rows.optional_integer(3)) result.http_status = static_cast<long>(*status);
  result.latency_ms = rows.integer(4);
  result.error = rows.optional_text(5);
  return result;
}

}  // namespace

std::vector<ProbeResult> HostRegistry::results(const std::string& name, std::int64_t limit) {
  return store_.read([&] {
    std::vector<ProbeResult> out;
    auto rows = store_.use(sql::kProbeResultsOfHost);
    rows.bind(1, name).bind(2, limit);
    while (rows.step())
      out.push_back(read_result(rows));
    return out;
  });
}

std::vector<std::pair<std::int64_t, ProbeResult>> HostRegistry::results_after(std::int64_t seq, std::int64_t limit) {
  return store_.read([&] {
    std::vector<std::pair<std::int64_t, ProbeResult>> out;
    auto rows = store_.use(sql::kProbeResultsAfter);
    rows.bind(1, seq).bind(2, limit);
    while (rows.step())
      out.emplace_back(rows.integer(6), read_result(rows));
    return out;
  });
}

std::vector<RecordedResult> HostRegistry::record(const std::vector<ProbeResult>& results, const DampingRules& rules,
                                                 std::int64_t retention) {
  return store_.write([&] {
    std::vector<RecordedResult> recorded;
    for (const auto& result : results) {
      auto host = find(result.host);
      if (!host) continue;
      const HostStats stats = apply_probe_result(host->stats, result, rules);
      store_.use(sql::kInsertProbeResult)
          .bind(1, result.host)
          .bind(2, result.ts)
          .bind(3, result.ok ? 1 : 0)
          .bind(4, result.http_status ? std::optional<std::int64_t>(*result.http_status) : std::nullopt)
          .bind(5, result.latency_ms)
          .bind(6, result.error)
          .run();
      store_.use(sql::kTrimProbeResults).bind(1, result.host).bind(2, retention).run();
      auto update = store_.use(sql::kUpdateHostStats);
      update.bind(1, result.host)
          .bind(2, to_string(stats.status))
          .bind(3, stats.status_since)
          .bind(6, stats.samples)
          .bind(7, stats.consecutive_failures)
          .bind(8, stats.consecutive_successes)
          .bind(9, stats.last_seen)
          .bind(10, stats.last_probe)
          .bind(11, stats.last_error)
          .bind(12, stats.cooldown_until);
      bind_double(update, 4, stats.latency_ms_ema);
      bind_double(update, 5, stats.success_ema);
      update.run();
      recorded.push_back({result, host->stats.status, stats.status});
    }
    return recorded;
  });
}

std::vector<HostRegistry::Offer> HostRegistry::offering(const std::string& kind) {
  return store_.read([&] {
    std::vector<Offer> offers;
    {
      auto rows = store_.use(sql::kHostsOffering);
      rows.bind(1, kind);
      while (rows.step())
        offers.push_back({read_host(rows), rows.integer(19), 0});
    }
    for (auto& offer : offers) {
      auto count = store_.use(sql::kLeasedByWorker);
      count.bind(1, offer.host.spec.name);
      count.step();
      offer.active_jobs = count.integer(0);
    }
    return offers;
  });
}

}  // namespace sheratan
