#include "ledger/import.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "ledger/ledger_writer.hpp"

namespace sheratan::ledger {

MoneyUnits convert_original_amount(const Json& value) {
  if (value.is_string() || value.is_number_integer()) return parse_money_json(value);
  if (!value.is_number_float()) fail(ExitCode::bad_input, "amount " + value.dump() + " is not a number");
  const double number = value.get<double>();
  if (!std::isfinite(number) || std::fabs(number) > 9e14)
    fail(ExitCode::bad_input, "amount " + value.dump() + " is out of range");
  const double scaled = number * static_cast<double>(kMoneyScale);
  const double rounded = std::round(scaled);
  // A float that was meant as four fraction digits lands within its own rounding error.
  if (std::fabs(scaled - rounded) > 1e-6 * std::max(1.0, std::fabs(scaled)))
    fail(ExitCode::bad_input, "amount " + value.dump() + " is not a whole number of 0.0001");
  return static_cast<MoneyUnits>(rounded);
}

namespace {

Json read_balances(const std::string& path) {
  std::ifstream file(path);
  if (!file) fail(ExitCode::failed, "cannot open " + quote(path) + ": " + system_error_text(errno));
  std::stringstream text;
  text << file.rdbuf();
  Json document = parse_json_object(text.str(), 0, path.c_str());
  Json balances = Json::object();
  const Json* source = &document;
  if (document.contains("accounts"))
    source = &document["accounts"];
  else if (document.contains("balances"))
    source = &document["balances"];
  if (!source->is_object()) fail(ExitCode::bad_input, quote(path) + ": accounts must be an object");
  for (auto it = source->begin(); it != source->end(); ++it)
    balances[it.key()] = it->is_object() ? it->value("balance", Json(0)) : *it;
  return balances;
}

std::vector<std::pair<std::size_t, Json>> read_events(const std::string& path,
                                                      const std::function<void(const Json&)>& report,
                                                      std::int64_t& skipped) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(ExitCode::failed, "cannot open " + quote(path) + ": " + system_error_text(errno));
  std::vector<std::pair<std::size_t, Json>> events;
  JsonLinesReader reader(fd);
  for (;;) {
    try {
      auto event = reader.next_object();
      if (!event) break;
      events.emplace_back(reader.line_number(), std::move(*event));
    } catch (const Error& error) {
      report(Json{{"line", reader.line_number()}, {"event_id", nullptr}, {"skipped", error.what()}});
      ++skipped;
    }
  }
  ::close(fd);
  return events;
}

std::string text_field(const Json& event, const char* field) {
  auto found = event.find(field);
  if (found == event.end() || found->is_null()) return {};
  if (found->is_string()) return found->get<std::string>();
  return found->dump();
}

/// The transfer an original event stands for; empty `from` when there is none.
Operation operation_of(const Json& event, std::size_t line, std::set<std::string>& charged_jobs) {
  const std::string type = text_field(event, "type"), account = text_field(event, "account"),
                    to_account = text_field(event, "to_account"), worker = text_field(event, "worker_id"),
                    job = text_field(event, "job_id"), event_id = text_field(event, "event_id");
  if (!event.contains("amount")) fail(ExitCode::bad_input, "field 'amount' is required");
  MoneyUnits amount = convert_original_amount(event.at("amount"));
  Operation op;
  op.id = "import:" + (event_id.empty() ? "line-" + std::to_string(line) : event_id);
  op.reason = text_field(event, "reason");
  if (op.reason->empty()) op.reason = "import " + type;
  if (!job.empty()) op.job = job;
  if (account.empty()) fail(ExitCode::bad_input, "field 'account' is required");
  if (type == "credit" || (type == "adjust" && amount > 0)) {
    op.from = std::string(kMint);
    op.to = account;
  } else if (type == "debit" || (type == "adjust" && amount < 0)) {
    op.from = account;
    op.to = std::string(kMint);
  } else if (type == "charge") {
    op.from = account;
    op.to = to_account.empty() ? std::string(kOperator) : to_account;
    if (!job.empty() && !charged_jobs.insert(job).second)
      fail(ExitCode::conflict, "job " + quote(job) + " was already charged (the original charged it twice)");
  } else if (type == "transfer") {
    op.from = account;
    op.to = to_account.empty() ? worker : to_account;
    if (op.to.empty()) fail(ExitCode::bad_input, "field 'to_account' is required");
  } else {
    fail(ExitCode::bad_input, "field 'type': " + quote(type) + " is not credit, debit, charge, transfer or adjust");
  }
  // Only an adjust's sign says which way it goes; any other negative amount is the
  // original's error, skipped rather than imported the other way round.
  if (amount < 0 && type != "adjust")
    fail(ExitCode::bad_input, "field 'amount': " + quote(format_money(amount)) + " is negative in a " + type);
  op.amount = amount < 0 ? -amount : amount;
  if (*op.amount == 0) fail(ExitCode::bad_input, "amount is zero");
  require_identifier(op.from, "account");
  require_identifier(op.to, "to_account");
  return op;
}

std::string kind_of(const std::string& account, const std::set<std::string>& workers) {
  if (workers.count(account)) return "worker";
  if (account.starts_with("system:")) return "system";
  return "user";
}

}  // namespace

Json import_original(Store& store, const std::string& ledger_json, const std::string& events_jsonl, EpochMillis now,
                     const std::function<void(const Json&)>& report,
                     const std::function<void(std::int64_t)>& progress) {
  const Json original = read_balances(ledger_json);
  std::int64_t imported = 0, duplicates = 0, skipped = 0;
  auto events = read_events(events_jsonl, report, skipped);
  std::set<std::string> workers;
  for (const auto& [line, event] : events)
    if (auto worker = text_field(event, "worker_id"); !worker.empty()) workers.insert(worker);
  Json mismatches = Json::array();
  store.write([&] {
    LedgerWriter writer(store, now);
    std::set<std::string> charged_jobs;
    std::int64_t done = 0;
    for (const auto& [line, event] : events) {
      if (++done % 4096 == 0 && progress) progress(done);
      try {
        Operation op = operation_of(event, line, charged_jobs);
        for (const std::string* account : {&op.from, &op.to}) {
          if (writer.state().account(*account)) continue;
          Operation open;
          open.op = OpType::open;
          open.id = *account;
          open.kind = kind_of(*account, workers);
          writer.apply(open);
        }
        Outcome outcome = writer.apply_reserved(op);
        outcome.duplicate ? ++duplicates : ++imported;
      } catch (const Error& error) {
        ++skipped;
        report(Json{{"line", line}, {"event_id", text_field(event, "event_id")}, {"skipped", error.what()}});
      }
    }
    if (progress) progress(done);
    writer.flush();
    for (auto it = original.begin(); it != original.end(); ++it) {
      AccountState* account = writer.state().account(it.key());
      std::string was;
      try {
        was = format_money(convert_original_amount(*it));
      } catch (const Error&) {
        was = it->dump();
      }
      const std::string now_balance = account ? format_money(account->balance) : "none";
      if (was != now_balance)
        mismatches.push_back(Json{{"account", it.key()}, {"original", was}, {"ledger", now_balance}});
    }
  });
  return Json{{"imported", imported},
              {"duplicates", duplicates},
              {"skipped", skipped},
              {"accounts", original.size()},
              {"mismatches", mismatches}};
}

}  // namespace sheratan::ledger
