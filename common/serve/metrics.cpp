#include "serve/metrics.hpp"

#include <map>

#include "ledger/ledger_read.hpp"
#include "probe/registry.hpp"
#include "queue/queue.hpp"
#include "state/state_machine.hpp"
#include "store/sql/ledger_queries.hpp"

namespace sheratan::serve {

namespace {

/// Writes one metric family: its HELP and TYPE lines, then its samples.
class MetricsText {
 public:
  void family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(const char* name, const std::string& labels, double value) {
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += ' ';
    std::string number = std::to_string(value);
    number.erase(number.find_last_not_of('0') + 1);
    if (number.back() == '.') number.pop_back();
    out_ += number;
    out_ += '\n';
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

/// label="value" with the escapes of the text format.
std::string label(const char* name, std::string_view value) {
  std::string out = std::string(name) + "=\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

void job_metrics(MetricsText& text, const QueueStats& stats) {
  static constexpr const char* kStatuses[] = {"pending", "ready", "leased", "done", "dead", "canceled", "blocked"};
  std::map<std::string, std::map<std::string, std::int64_t>> by_queue;
  std::map<std::string, std::int64_t> totals;
  for (const auto& row : stats.counts) {
    by_queue[row.queue][row.status] += row.count;
    totals[row.status] += row.count;
  }
  text.family("sheratan_jobs", "gauge", "Jobs in the store by queue and status.");
  for (const auto& [queue, counts] : by_queue)
    for (const char* status : kStatuses) {
      auto found = counts.find(status);
      text.sample("sheratan_jobs", label("queue", queue) + "," + label("status", status),
                  static_cast<double>(found == counts.end() ? 0 : found->second));
    }
  text.family("sheratan_jobs_done_total", "counter", "Done jobs the store holds (purge lowers it).");
  text.sample("sheratan_jobs_done_total", "", static_cast<double>(totals["done"]));
  text.family("sheratan_jobs_dead_total", "counter", "Dead jobs the store holds (purge lowers it).");
  text.sample("sheratan_jobs_dead_total", "", static_cast<double>(totals["dead"]));
  text.family("sheratan_oldest_ready_age_seconds", "gauge", "Age of the oldest ready job by queue.");
  for (const auto& [queue, age_ms] : stats.oldest_ready_age)
    text.sample("sheratan_oldest_ready_age_seconds", label("queue", queue), static_cast<double>(age_ms) / 1000.0);
}

void ledger_metrics(MetricsText& text, Store& store) {
  std::int64_t entries = 0;
  if (auto last = store.use(sql::kLastLedgerEntry); last.step()) entries = last.integer(0);
  text.family("sheratan_ledger_entries_total", "counter", "Entries in the ledger's journal.");
  text.sample("sheratan_ledger_entries_total", "", static_cast<double>(entries));
  std::map<std::string, MoneyUnits> balance_by_kind;
  std::size_t accounts = 0;
  for (const auto& row : ledger::read_accounts(store, {})) {
    balance_by_kind[row.kind] += row.balance;
    ++accounts;
  }
  text.family("sheratan_ledger_accounts", "gauge", "Accounts in the ledger.");
  text.sample("sheratan_ledger_accounts", "", static_cast<double>(accounts));
  text.family("sheratan_ledger_balance", "gauge", "Sum of the balances by account kind, in money units.");
  for (const auto& [kind, units] : balance_by_kind)
    text.sample("sheratan_ledger_balance", label("kind", kind), static_cast<double>(units) / 10'000.0);
}

void host_metrics(MetricsText& text, const std::vector<Host>& hosts) {
  std::map<std::string, std::int64_t> by_status{{"unknown", 0}, {"up", 0}, {"degraded", 0}, {"down", 0}};
  for (const auto& host : hosts)
    ++by_status[std::string(to_string(host.stats.status))];
  text.family("sheratan_hosts", "gauge", "Registered hosts by status.");
  for (const auto& [status, count] : by_status)
    text.sample("sheratan_hosts", label("status", status), static_cast<double>(count));
  text.family("sheratan_host_up", "gauge", "1 when the host is up, else 0.");
  for (const auto& host : hosts)
    text.sample("sheratan_host_up", label("host", host.spec.name), host.stats.status == HostStatus::up ? 1 : 0);
}

void state_metrics(MetricsText& text, SystemState current) {
  text.family("sheratan_state", "gauge", "1 for the current system state, 0 for the others.");
  for (auto state : {SystemState::operational, SystemState::degraded, SystemState::reflective, SystemState::recovery,
                     SystemState::paused})
    text.sample("sheratan_state", label("state", to_string(state)), state == current ? 1 : 0);
}

}  // namespace

std::string render_metrics(Store& store, const Clock& clock, const ServerFigures& server) {
  MetricsText text;
  store.read([&] {
    JobQueue queue(store, clock);
    job_metrics(text, queue.stats());
    ledger_metrics(text, store);
    HostRegistry registry(store, clock);
    host_metrics(text, registry.list());
    StateMachine machine(store, clock);
    state_metrics(text, machine.current());
  });
  text.family("sheratan_http_requests_total", "counter", "Requests answered by this server, by status.");
  for (const auto& [status, count] : server.requests)
    text.sample("sheratan_http_requests_total", label("code", std::to_string(status)), static_cast<double>(count));
  text.family("sheratan_claims_waiting", "gauge", "Claims held by this server waiting for a job.");
  text.sample("sheratan_claims_waiting", "", static_cast<double>(server.claims_waiting));
  text.family("sheratan_event_streams", "gauge", "Event streams (/v1/events) this server holds open.");
  text.sample("sheratan_event_streams", "", static_cast<double>(server.event_streams));
  return text.take() + server.claim_latency;
}

}  // namespace sheratan::serve
