#include "ledger/ledger_writer.hpp"

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "ledger/journal_rows.hpp"
#include "store/ids.hpp"
#include "store/sql/ledger_queries.hpp"

namespace sheratan::ledger {

namespace {

std::string pending_key(EntryType type, const std::string& id) {
  return std::string(to_string(type)) + " " + id;
}

bool reserved_id(const std::string& id) {
  return id.starts_with("settle:") || id.starts_with("import:");
}

std::string optional_text(const std::optional<std::string>& value) {
  return value ? quote(*value) : "none";
}

/// The first field in which an existing transfer differs from a request, if any.
void require_same_content(const JournalEntry& existing, const JournalEntry& requested) {
  auto differ = [&](const char* field, const std::string& was, const std::string& now) {
    fail(ExitCode::conflict,
         "id " + quote(existing.id) + " exists with another " + field + " (" + was + ", not " + now + ")");
  };
  if (existing.type != requested.type)
    fail(ExitCode::conflict,
         "id " + quote(existing.id) + " names a " + to_string(existing.type) + ", not a " + to_string(requested.type));
  if (existing.from != requested.from) differ("from", optional_text(existing.from), optional_text(requested.from));
  if (existing.to != requested.to) differ("to", optional_text(existing.to), optional_text(requested.to));
  if (existing.amount != requested.amount)
    differ("amount", format_money(existing.amount.value_or(0)), format_money(requested.amount.value_or(0)));
  if (existing.reason != requested.reason)
    differ("reason", optional_text(existing.reason), optional_text(requested.reason));
  if (existing.job != requested.job) differ("job", optional_text(existing.job), optional_text(requested.job));
}

}  // namespace

Json Outcome::to_json() const {
  if (!entry) return record;
  Json out = entry->to_json();
  out["duplicate"] = duplicate;
  return out;
}

std::string Outcome::json_text() const {
  std::string text;
  append_json_text(text);
  return text;
}

void Outcome::append_json_text(std::string& out) const {
  if (!entry) {
    out += record.dump();
    return;
  }
  const std::string text = printed.empty() ? entry->printed_text() : std::string();
  const std::string& line = printed.empty() ? text : printed;
  out.append(line, 0, line.size() - 1);  // without its closing brace
  out += duplicate ? ",\"duplicate\":true}" : ",\"duplicate\":false}";
}

std::string cost_hold_prefix(const std::string& job_id) {
  return "settle:" + job_id + ":hold:";
}

std::optional<std::string> replica_source(Store& store) {
  Statement row = store.use(sql::kLedgerMeta);
  row.bind(1, "replica_of");
  if (!row.step()) return std::nullopt;
  return row.text(0);
}

LedgerWriter::LedgerWriter(Store& store, EpochMillis now, Mode mode)
    : store_(store), now_(now), state_(account_loader(store), hold_loader(store)), last_hash_(kGenesis) {
  if (mode == Mode::write) {
    if (auto source = replica_source(store_))
      fail(ExitCode::conflict,
           "store " + quote(store_.path()) + " is a replica of " + quote(*source) + ": ledger writes go to its writer");
  }
  Statement last = store_.use(sql::kLastLedgerEntry);
  if (last.step()) {
    last_seq_ = last.integer(0);
    last_hash_ = last.text(1);
  }
  last.reset();
  if (mode == Mode::write) expire_due_holds();
}

void LedgerWriter::expire_due_holds() {
  for (;;) {
    std::vector<std::string> due;
    {
      Statement rows = store_.use(sql::kDueLedgerHolds);
      rows.bind(1, now_).bind(2, 1000);
      while (rows.step())
        due.push_back(rows.text(0));
    }
    for (const auto& id : due) {
      HoldState* hold = state_.hold(id);
      if (!hold || hold->status != HoldStatus::pending) continue;
      JournalEntry entry;
      entry.type = EntryType::expire;
      entry.id = id;
      entry.from = hold->from;
      entry.to = hold->to;
      entry.amount = hold->amount;
      entry.ts = now_;
      append(std::move(entry));
    }
    if (due.size() < 1000) return;
    flush();  // the next query must not see these holds as pending
  }
}

const JournalEntry& LedgerWriter::append(JournalEntry entry, std::string* printed) {
  entry.seq = last_seq_ + 1;
  entry.prev_hash = last_hash_;
  std::string text = entry.seal();
  state_.apply(entry);  // throws with nothing changed
  if (printed) *printed = std::move(text);
  last_seq_ = entry.seq;
  last_hash_ = entry.hash;
  pending_ids_[pending_key(entry.type, entry.id)] = pending_.size();
  if (entry.type == EntryType::post && entry.job && entry.id.starts_with(cost_hold_prefix(*entry.job)))
    pending_cost_posts_[*entry.job] = pending_.size();
  pending_.push_back(std::move(entry));
  return pending_.back();
}

Outcome LedgerWriter::appended(JournalEntry entry) {
  Outcome outcome;
  outcome.entry = append(std::move(entry), &outcome.printed);
  return outcome;
}

void LedgerWriter::append_verified(JournalEntry entry) {
  auto bad = [&](const std::string& why) { fail(ExitCode::failed, "seq " + std::to_string(entry.seq) + ": " + why); };
  if (entry.seq != last_seq_ + 1) bad("expected seq " + std::to_string(last_seq_ + 1) + " (a gap in the journal)");
  if (entry.prev_hash != last_hash_) bad("prev_hash does not match the hash of the entry before it");
  if (entry.compute_hash() != entry.hash) bad("hash does not match the entry's content");
  try {
    state_.apply(entry);
  } catch (const Error& error) {
    bad(std::string("breaks a rule: ") + error.what());
  }
  last_seq_ = entry.seq;
  last_hash_ = entry.hash;
  pending_.push_back(std::move(entry));
}

void LedgerWriter::flush() {
  insert_journal_entries(store_, pending_);
  save_state(store_, state_);
  pending_.clear();
  pending_ids_.clear();
  pending_cost_posts_.clear();
}

std::optional<JournalEntry> LedgerWriter::posted_cost_hold(const std::string& job_id) {
  auto found = pending_cost_posts_.find(job_id);
  if (found != pending_cost_posts_.end()) return pending_[found->second];
  if (!any_cost_holds_) {
    // Most stores never hold a job's cost: one look per session spares every settle a query.
    Statement any = store_.use(sql::kAnyLedgerHoldInIdRange);
    any.bind(1, "settle:").bind(2, "settle;");
    any_cost_holds_ = any.step() && any.integer(0) != 0;
  }
  if (!*any_cost_holds_) return std::nullopt;
  // Hold ids of a job share a prefix: one range of the (id, type) index holds them all.
  std::string from = cost_hold_prefix(job_id), to = from;
  to.back() = static_cast<char>(to.back() + 1);
  Statement row = store_.use(sql::kLedgerPostInIdRange);
  row.bind(1, from).bind(2, to);
  if (!row.step()) return std::nullopt;
  return read_journal_entry(row);
}

std::optional<JournalEntry> LedgerWriter::job_charge(const std::string& job_id) {
  if (auto charge = find_entry("settle:" + job_id + ":charge", std::nullopt)) return charge;
  return posted_cost_hold(job_id);
}

std::optional<JournalEntry> LedgerWriter::find_entry(const std::string& id, std::optional<EntryType> type) {
  for (EntryType candidate :
       {EntryType::transfer, EntryType::hold, EntryType::post, EntryType::void_hold, EntryType::expire}) {
    if (type ? candidate != *type : (candidate != EntryType::transfer && candidate != EntryType::hold)) continue;
    auto found = pending_ids_.find(pending_key(candidate, id));
    if (found != pending_ids_.end()) return pending_[found->second];
  }
  if (type) {
    Statement row = store_.use(sql::kLedgerEntryOfHold);
    row.bind(1, id).bind(2, to_string(*type));
    if (!row.step()) return std::nullopt;
    return read_journal_entry(row);
  }
  Statement rows = store_.use(sql::kLedgerEntriesById);
  rows.bind(1, id);
  while (rows.step()) {
    const std::string_view found = rows.text_view(1);
    if (found == to_string(EntryType::transfer) || found == to_string(EntryType::hold)) return read_journal_entry(rows);
  }
  return std::nullopt;
}

Outcome LedgerWriter::apply(const Operation& op) {
  return apply_checked(op, false);
}

Outcome LedgerWriter::apply_reserved(const Operation& op) {
  return apply_checked(op, true);
}

Outcome LedgerWriter::apply_checked(const Operation& op, bool reserved_ids) {
  switch (op.op) {
    case OpType::open:
      return apply_open(op);
    case OpType::credit:
    case OpType::debit:
    case OpType::transfer:
      return apply_move(op, EntryType::transfer, reserved_ids);
    case OpType::hold:
      return apply_move(op, EntryType::hold, reserved_ids);
    case OpType::post:
    case OpType::void_hold:
      return apply_post_or_void(op);
    case OpType::settle:
      return apply_settle(op.settle);
  }
  fail(ExitCode::failed, "unknown operation");
}

Outcome LedgerWriter::apply_open(const Operation& op) {
  Outcome outcome;
  if (AccountState* existing = state_.account(op.id)) {
    if (existing->kind != op.kind)
      fail(ExitCode::conflict, "account " + quote(op.id) + " exists with another kind (" + quote(existing->kind) +
                                   ", not " + quote(op.kind) + ")");
    outcome.duplicate = true;
  } else {
    JournalEntry entry;
    entry.type = EntryType::open;
    entry.id = op.id;
    entry.kind = op.kind;
    entry.ts = now_;
    append(std::move(entry));
  }
  outcome.record = Json{{"account", op.id}, {"kind", op.kind}, {"duplicate", outcome.duplicate}};
  return outcome;
}

Outcome LedgerWriter::apply_move(const Operation& op, EntryType type, bool reserved_ids) {
  if (!reserved_ids && reserved_id(op.id))
    fail(ExitCode::bad_input, "field 'id': ids beginning with 'settle:' or 'import:' are reserved");
  JournalEntry entry;
  entry.type = type;
  entry.id = op.id.empty() ? new_uuid_v7(now_) : op.id;
  entry.from = op.from;
  entry.to = op.to;
  entry.amount = op.amount;
  entry.reason = op.reason;
  entry.job = op.job;
  entry.ts = now_;
  if (type == EntryType::hold) entry.expires_at = now_ + op.expires_ms;
  if (!op.id.empty()) {
    if (auto existing = find_entry(op.id, std::nullopt)) {
      require_same_content(*existing, entry);
      return Outcome{std::move(existing), {}, true, {}};
    }
  }
  return appended(std::move(entry));
}

Outcome LedgerWriter::apply_post_or_void(const Operation& op) {
  const bool post = op.op == OpType::post;
  HoldState* hold = state_.hold(op.id);
  if (!hold) fail(ExitCode::failed, "no hold " + quote(op.id));
  const MoneyUnits amount = post ? op.amount.value_or(hold->amount) : hold->amount;
  const HoldStatus wanted = post ? HoldStatus::posted : HoldStatus::voided;
  if (hold->status == wanted) {
    if (post && hold->posted != amount)
      fail(ExitCode::conflict, "hold " + quote(op.id) + " was posted with another amount (" +
                                   format_money(hold->posted.value_or(0)) + ", not " + format_money(amount) + ")");
    auto existing = find_entry(op.id, post ? EntryType::post : EntryType::void_hold);
    if (!existing) fail(ExitCode::failed, "hold " + quote(op.id) + " has no journal entry for its end");
    return Outcome{std::move(existing), {}, true, {}};
  }
  JournalEntry entry;
  entry.type = post ? EntryType::post : EntryType::void_hold;
  entry.id = op.id;
  entry.from = hold->from;
  entry.to = hold->to;
  entry.amount = amount;
  entry.ts = now_;
  // A post moves the money: it names the hold's job, so that reconcile counts it.
  if (post)
    if (auto held = find_entry(op.id, EntryType::hold)) entry.job = held->job;
  return appended(std::move(entry));
}

Outcome LedgerWriter::apply_settle(const SettleRequest& request) {
  Outcome outcome;
  if (request.skipped) {
    outcome.record = Json{{"job_id", request.job_id}, {"skipped", *request.skipped}};
    return outcome;
  }
  const Split split = split_settlement(request.amount, request.margin);
  outcome.record = Json{{"job_id", request.job_id},
                        {"payer", request.payer},
                        {"worker", request.worker},
                        {"amount", format_money(request.amount)},
                        {"payout", format_money(split.payout)},
                        {"revenue", format_money(split.revenue)},
                        {"margin", format_margin(request.margin)}};
  if (auto charge = job_charge(request.job_id)) return settle_charged(request, *charge, std::move(outcome));
  // The charge first: it is the only step that can be refused, so a refusal changes nothing.
  JournalEntry charge;
  charge.type = EntryType::transfer;
  charge.id = "settle:" + request.job_id + ":charge";
  charge.from = request.payer;
  charge.to = std::string(kOperator);
  charge.amount = request.amount;
  charge.reason = "settle";
  charge.job = request.job_id;
  charge.ts = now_;
  append(std::move(charge));
  pay_out(request, split.payout);
  outcome.record["duplicate"] = false;
  return outcome;
}

Outcome LedgerWriter::settle_charged(const SettleRequest& request, const JournalEntry& charge, Outcome outcome) {
  const Split split = split_settlement(request.amount, request.margin);
  auto differ = [&](const char* field, const std::string& was, const std::string& now) {
    fail(ExitCode::conflict,
         "job " + quote(request.job_id) + " was settled with another " + field + " (" + was + ", not " + now + ")");
  };
  if (charge.from != request.payer) differ("payer", quote(charge.from.value_or("")), quote(request.payer));
  if (charge.amount != request.amount)
    differ("amount", format_money(charge.amount.value_or(0)), format_money(request.amount));
  auto payout = find_entry("settle:" + request.job_id + ":payout", std::nullopt);
  const bool held = charge.type == EntryType::post;
  if (held && !payout && split.payout > 0) {
    // The cost was held at claim and posted at ack: that was the charge; pay the worker.
    pay_out(request, split.payout);
    outcome.record["held"] = true;
    outcome.record["duplicate"] = false;
    return outcome;
  }
  const MoneyUnits paid = payout ? payout->amount.value_or(0) : 0;
  if (payout && payout->to != request.worker) differ("worker", quote(payout->to.value_or("")), quote(request.worker));
  if (paid != split.payout)
    differ("margin", "a payout of " + format_money(paid), "one of " + format_money(split.payout));
  if (held) outcome.record["held"] = true;
  outcome.duplicate = true;
  outcome.record["duplicate"] = true;
  return outcome;
}

void LedgerWriter::pay_out(const SettleRequest& request, MoneyUnits payout_amount) {
  if (!state_.account(request.worker)) {
    JournalEntry open;
    open.type = EntryType::open;
    open.id = request.worker;
    open.kind = "worker";
    open.ts = now_;
    append(std::move(open));
  }
  if (payout_amount <= 0) return;
  JournalEntry payout;
  payout.type = EntryType::transfer;
  payout.id = "settle:" + request.job_id + ":payout";
  payout.from = std::string(kOperator);
  payout.to = request.worker;
  payout.amount = payout_amount;
  payout.reason = "settle";
  payout.job = request.job_id;
  payout.ts = now_;
  append(std::move(payout));
}

}  // namespace sheratan::ledger
