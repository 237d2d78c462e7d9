#include "ledger/operation.hpp"

#include <initializer_list>

#include "cli/duration.hpp"
#include "cli/error.hpp"
#include "cli/message.hpp"
#include "ledger/entry.hpp"
#include "ledger/ledger_state.hpp"

namespace sheratan::ledger {

const char* to_string(OpType op) {
  switch (op) {
    case OpType::open:
      return "open";
    case OpType::credit:
      return "credit";
    case OpType::debit:
      return "debit";
    case OpType::transfer:
      return "transfer";
    case OpType::hold:
      return "hold";
    case OpType::post:
      return "post";
    case OpType::void_hold:
      return "void";
    case OpType::settle:
      return "settle";
  }
  return "?";
}

namespace {

constexpr OpType kAllOps[] = {OpType::open, OpType::credit, OpType::debit,     OpType::transfer,
                              OpType::hold, OpType::post,   OpType::void_hold, OpType::settle};

bool valid_utf8(std::string_view text) {
  try {
    (void)Json(std::string(text)).dump();
    return true;
  } catch (const Json::type_error&) {
    return false;
  }
}

void reject_unknown_fields(const Json& line, std::initializer_list<const char*> known) {
  for (auto it = line.begin(); it != line.end(); ++it) {
    bool ok = false;
    for (const char* name : known)
      ok = ok || it.key() == name;
    if (!ok) fail(ExitCode::bad_input, "field " + quote(it.key()) + " is unknown");
  }
}

std::optional<std::string> optional_text(const Json& line, const char* field) {
  auto found = line.find(field);
  if (found == line.end() || found->is_null()) return std::nullopt;
  if (!found->is_string()) fail(ExitCode::bad_input, "field " + quote(field) + " must be a string");
  std::string value = found->get<std::string>();
  if (value.size() > 4096) fail(ExitCode::bad_input, "field " + quote(field) + " is longer than 4096 bytes");
  return value;
}

std::string identifier(const Json& line, const char* field) {
  auto value = optional_text(line, field);
  if (!value) fail(ExitCode::bad_input, "field " + quote(field) + " is required");
  require_identifier(*value, field);
  return *value;
}

std::string optional_identifier(const Json& line, const char* field) {
  auto value = optional_text(line, field);
  if (!value) return {};
  require_identifier(*value, field);
  return *value;
}

MoneyUnits required_amount(const Json& line, const char* field = "amount") {
  auto found = line.find(field);
  if (found == line.end() || found->is_null()) fail(ExitCode::bad_input, "field " + quote(field) + " is required");
  return parse_positive_amount(*found, field);
}

std::optional<std::string> decimal_text(const Json& line, const char* field) {
  auto found = line.find(field);
  if (found == line.end() || found->is_null()) return std::nullopt;
  if (found->is_string()) return found->get<std::string>();
  if (found->is_number()) return found->dump();
  fail(ExitCode::bad_input, "field " + quote(field) + " must be a number");
}

Margin line_margin(const Json& line, const SettleDefaults& defaults) {
  auto margin = line.find("margin");
  if (margin != line.end() && !margin->is_null()) return parse_margin_json(*margin);
  Performance performance{decimal_text(line, "success"), decimal_text(line, "latency_ms")};
  if (performance.success || performance.latency_ms) return margin_from_performance(performance);
  if (defaults.margin) return *defaults.margin;
  if (defaults.performance.success || defaults.performance.latency_ms)
    return margin_from_performance(defaults.performance);
  return kDefaultMargin;
}

void require_settle_accounts(const SettleRequest& request) {
  if (request.payer == kOperator || request.worker == kOperator)
    fail(ExitCode::bad_input, "payer and worker must not be " + quote(kOperator));
  if (request.payer == kMint || request.worker == kMint)
    fail(ExitCode::bad_input, "payer and worker must not be " + quote(kMint));
}

/// A line of `sheratan-queue ls --json`: a done job with its cost, labels.payer and worker.
SettleRequest settle_from_job(const Json& line, const SettleDefaults& defaults) {
  SettleRequest request;
  request.job_id = identifier(line, "id");
  auto status = optional_text(line, "status");
  if (status != "done")
    fail(ExitCode::bad_input, "job " + quote(request.job_id) + " is " + quote(status.value_or("without a status")) +
                                  ", not done: only done jobs are settled");
  auto labels = line.find("labels");
  auto cost = line.find("cost");
  if (cost == line.end() || cost->is_null()) {
    request.skipped = "no cost";
    return request;
  }
  if (labels == line.end() || !labels->is_object() || !labels->contains("payer")) {
    request.skipped = "no payer label";
    return request;
  }
  request.payer = identifier(*labels, "payer");
  request.worker = identifier(line, "worker");
  request.amount = parse_positive_amount(*cost, "cost");
  request.margin = line_margin(Json::object(), defaults);
  require_settle_accounts(request);
  return request;
}

}  // namespace

void require_identifier(const std::string& value, const char* field) {
  if (value.empty()) fail(ExitCode::bad_input, "field " + quote(field) + " must not be empty");
  if (value.size() > 256) fail(ExitCode::bad_input, "field " + quote(field) + " is longer than 256 bytes");
  for (char c : value)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      fail(ExitCode::bad_input, "field " + quote(field) + " holds a control character");
  if (!valid_utf8(value)) fail(ExitCode::bad_input, "field " + quote(field) + " is not valid UTF-8");
}

MoneyUnits parse_positive_amount(const Json& value, const char* field) {
  MoneyUnits units = 0;
  try {
    units = parse_money_json(value);
  } catch (const Error& error) {
    fail(error.code(), std::string("field ") + quote(field) + ": " + error.what());
  }
  if (units <= 0)
    fail(ExitCode::bad_input, std::string("field ") + quote(field) + ": amount " +
                                  quote(value.is_string() ? value.get<std::string>() : value.dump()) +
                                  " must be above zero");
  return units;
}

MoneyUnits parse_positive_amount(const std::string& text, const char* field) {
  return parse_positive_amount(Json(text), field);
}

SettleRequest parse_settle_line(const Json& line, const SettleDefaults& defaults) {
  if (!line.contains("job_id")) {
    // Without job_id the line is a job as sheratan-queue prints it; with neither, say both.
    if (!line.contains("id"))
      fail(ExitCode::bad_input,
           "field 'job_id' is required (a settle line is {job_id, payer, worker, amount}, or a done job as "
           "sheratan-queue prints it, with its 'id')");
    return settle_from_job(line, defaults);
  }
  reject_unknown_fields(line, {"op", "job_id", "payer", "worker", "amount", "margin", "success", "latency_ms"});
  SettleRequest request;
  request.job_id = identifier(line, "job_id");
  request.payer = identifier(line, "payer");
  request.worker = identifier(line, "worker");
  request.amount = required_amount(line);
  request.margin = line_margin(line, defaults);
  require_settle_accounts(request);
  return request;
}

Operation parse_operation(const Json& line, std::optional<OpType> default_op, const SettleDefaults& defaults) {
  Operation op;
  auto name = optional_text(line, "op");
  if (!name && !default_op) fail(ExitCode::bad_input, "field 'op' is required");
  if (name) {
    bool known = false;
    for (OpType candidate : kAllOps)
      if (*name == to_string(candidate)) {
        op.op = candidate;
        known = true;
      }
    if (!known)
      fail(ExitCode::bad_input,
           "field 'op': " + quote(*name) + " is not open, credit, debit, transfer, hold, post, void or settle");
    if (default_op && op.op != *default_op)
      fail(ExitCode::bad_input,
           "field 'op': " + quote(*name) + " does not belong here (" + to_string(*default_op) + " lines only)");
  } else {
    op.op = *default_op;
  }
  switch (op.op) {
    case OpType::open:
      reject_unknown_fields(line, {"op", "account", "kind"});
      op.id = identifier(line, "account");
      op.kind = optional_text(line, "kind").value_or("user");
      require_account_kind(op.kind);
      break;
    case OpType::credit:
    case OpType::debit: {
      reject_unknown_fields(line, {"op", "account", "amount", "id", "reason"});
      std::string account = identifier(line, "account");
      op.from = op.op == OpType::credit ? std::string(kMint) : account;
      op.to = op.op == OpType::credit ? account : std::string(kMint);
      op.amount = required_amount(line);
      op.id = optional_identifier(line, "id");
      op.reason = optional_text(line, "reason");
      break;
    }
    case OpType::transfer:
    case OpType::hold:
      if (op.op == OpType::hold)
        reject_unknown_fields(line, {"op", "from", "to", "amount", "id", "reason", "job", "expires"});
      else
        reject_unknown_fields(line, {"op", "from", "to", "amount", "id", "reason", "job"});
      op.from = identifier(line, "from");
      op.to = identifier(line, "to");
      op.amount = required_amount(line);
      op.id = optional_identifier(line, "id");
      op.reason = optional_text(line, "reason");
      if (auto job = optional_text(line, "job")) {
        require_identifier(*job, "job");
        op.job = job;
      }
      if (op.op == OpType::hold && line.contains("expires")) {
        op.expires_ms = parse_duration_field(line.at("expires"), "expires");
        if (op.expires_ms <= 0) fail(ExitCode::bad_input, "field 'expires' must be above zero");
      }
      break;
    case OpType::post:
    case OpType::void_hold:
      if (op.op == OpType::post)
        reject_unknown_fields(line, {"op", "id", "amount"});
      else
        reject_unknown_fields(line, {"op", "id"});
      op.id = identifier(line, "id");
      if (op.op == OpType::post && line.contains("amount") && !line.at("amount").is_null())
        op.amount = required_amount(line);
      break;
    case OpType::settle:
      op.settle = parse_settle_line(line, defaults);
      break;
  }
  return op;
}

}  // namespace sheratan::ledger
