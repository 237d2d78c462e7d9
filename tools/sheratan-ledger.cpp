// sheratan-ledger: the double-entry ledger. Each subcommand parses its flags, calls
// common/ledger/ and prints; the rules live in common/ledger/.
#include <unistd.h>

#include "cli/app.hpp"
#include "cli/batch.hpp"
#include "cli/duration.hpp"
#include "cli/error.hpp"
#include "cli/message.hpp"
#include "cli/prepared_batches.hpp"
#include "cli/progress.hpp"
#include "ledger/import.hpp"
#include "ledger/ledger_read.hpp"
#include "ledger/ledger_writer.hpp"
#include "ledger/reconcile.hpp"
#include "ledger/sync.hpp"
#include "ledger/verify.hpp"
#include "net/bearer_token.hpp"

using namespace sheratan;
using namespace sheratan::ledger;

namespace {

constexpr std::size_t kBatchLines = 10'000;
const std::vector<std::string> kEntryColumns = {"seq", "type", "id", "from", "to", "amount", "ts"};
const std::vector<std::string> kOutcomeColumns = {"seq", "type", "id", "from", "to", "amount", "duplicate"};
const std::vector<std::string> kSettleColumns = {"job_id", "payer",  "worker",   "amount",
                                                 "payout", "margin", "duplicate"};

JsonLinesReader stdin_reader(const char* what) {
  if (stdin_is_terminal())
    fail(ExitCode::usage, std::string("no ") + what + " given: pass arguments or pipe JSON lines on stdin");
  return JsonLinesReader(STDIN_FILENO);
}

Error with_line(const Error& error, std::size_t line) {
  return Error(error.code(), line ? at_line(line, error.what()) : error.what());
}

/// Prints outcomes: JSON lines straight from the entries' text, else through a table.
class OutcomePrinter {
 public:
  OutcomePrinter(const ToolContext& context, std::vector<std::string> columns)
      : json_(context.output_format() == OutputFormat::json), printer_(context.output_format(), std::move(columns)) {}
  void print(const Outcome& outcome, std::optional<std::size_t> line = std::nullopt) {
    if (line) {
      Json record = outcome.to_json();
      record["line"] = *line;
      record["ok"] = true;
      print_json(record);
      return;
    }
    if (json_) {
      outcome.append_json_text(buffer_);
      buffer_ += '\n';
    } else {
      printer_.print(outcome.to_json());
    }
  }
  void print_json(const Json& record) {
    if (json_) {
      buffer_ += record.dump();
      buffer_ += '\n';
    } else {
      printer_.print(record);
    }
  }
  void flush() {
    std::fwrite(buffer_.data(), 1, buffer_.size(), stdout);
    buffer_.clear();
    flush_output();
  }
  void finish() {
    flush();
    printer_.finish();
  }

 private:
  bool json_;
  RecordPrinter printer_;
  std::string buffer_;
};

/// Operations parsed from input lines, with the numbers of their lines for messages.
struct ParsedOps {
  std::vector<std::size_t> lines;
  std::vector<Operation> ops;
};

/// Applies the operations in one transaction, all or nothing; returns their outcomes.
std::vector<Outcome> apply_all(Store& store, EpochMillis now, const ParsedOps& parsed) {
  return store.write([&] {
    LedgerWriter writer(store, now);
    std::vector<Outcome> outcomes;
    outcomes.reserve(parsed.ops.size());
    for (std::size_t i = 0; i < parsed.ops.size(); ++i) {
      try {
        outcomes.push_back(writer.apply(parsed.ops[i]));
      } catch (const Error& error) {
        throw with_line(error, parsed.lines[i]);
      }
    }
    writer.flush();
    return outcomes;
  });
}

ParsedOps parse_all(const std::vector<InputLine>& lines, std::optional<OpType> op, const SettleDefaults& defaults) {
  ParsedOps parsed;
  parsed.lines.reserve(lines.size());
  parsed.ops.reserve(lines.size());
  for (const auto& input : lines) {
    try {
      parsed.ops.push_back(parse_operation(input.value, op, defaults));
    } catch (const Error& error) {
      throw with_line(error, input.line);
    }
    parsed.lines.push_back(input.line);
  }
  return parsed;
}

/// One operation from flags, or JSON lines of that operation from stdin in batches.
void run_operation(ToolContext& context, std::optional<Json> from_flags, OpType op, const SettleDefaults& defaults,
                   const std::vector<std::string>& columns) {
  auto store = context.open_store();
  OutcomePrinter printer(context, columns);
  // Lines are parsed on a reading thread (for_each_prepared_batch) while this one
  // writes the batch before.
  std::function<ParsedOps(std::vector<InputLine>&)> parse = [&](std::vector<InputLine>& lines) {
    return parse_all(lines, op, defaults);
  };
  std::function<void(ParsedOps&)> write = [&](ParsedOps& parsed) {
    for (const auto& outcome : apply_all(*store, context.clock.now(), parsed))
      printer.print(outcome);
    printer.flush();
  };
  if (from_flags) {
    std::vector<InputLine> one{{0, *from_flags}};
    ParsedOps parsed = parse(one);
    write(parsed);
  } else {
    auto reader = stdin_reader("operation");
    if (for_each_prepared_batch(reader, kBatchLines, parse, write) == 0)
      fail(ExitCode::bad_input, "no lines on standard input");
  }
  printer.finish();
}

// ---- open, credit, debit, transfer, hold, post, void ---------------------------

struct MoveFlags {
  std::vector<std::string> args;
  std::optional<std::string> id, reason, job, expires;
  std::string kind = "user";
};

void add_open(CLI::App& app, ToolContext& context) {
  auto flags = std::make_shared<MoveFlags>();
  auto* open = app.add_subcommand("open", "Open accounts (an existing one of the same kind is a duplicate)");
  open->add_option("accounts", flags->args, "Account ids")->required();
  open->add_option("--kind", flags->kind, "user, worker, operator or system (default user; system may go negative)")
      ->check(CLI::IsMember({"user", "worker", "operator", "system"}));
  open->callback([&context, flags] {
    auto store = context.open_store();
    std::vector<InputLine> lines;
    for (const auto& account : flags->args)
      lines.push_back({0, Json{{"account", account}, {"kind", flags->kind}}});
    const ParsedOps parsed = parse_all(lines, OpType::open, {});
    OutcomePrinter printer(context, {"account", "kind", "duplicate"});
    for (const auto& outcome : apply_all(*store, context.clock.now(), parsed))
      printer.print(outcome);
    printer.finish();
  });
}

void add_money_move(CLI::App& app, ToolContext& context, OpType op, const char* name, const char* help) {
  auto flags = std::make_shared<MoveFlags>();
  auto* sub = app.add_subcommand(name, help);
  const bool two_accounts = op == OpType::transfer || op == OpType::hold;
  sub->add_option("args", flags->args,
                  two_accounts ? "FROM TO AMOUNT (with none, JSON lines from stdin)" : "ACCOUNT AMOUNT")
      ->expected(0, 3);
  sub->add_option("--id", flags->id, "Client-supplied id: a repeat with the same content is a duplicate");
  sub->add_option("--reason", flags->reason, "Why, kept with the transfer");
  if (two_accounts) sub->add_option("--job", flags->job, "The job this money is for");
  if (op == OpType::hold) sub->add_option("--expires", flags->expires, "Release the hold after DUR (default 1h)");
  sub->callback([&context, flags, op, two_accounts] {
    std::optional<Json> line;
    const std::size_t wanted = two_accounts ? 3 : 2;
    if (!flags->args.empty() || op != OpType::transfer) {
      if (flags->args.size() != wanted)
        fail(ExitCode::usage,
             std::string(to_string(op)) + " needs " + (two_accounts ? "FROM TO AMOUNT" : "ACCOUNT AMOUNT"));
      line = Json::object();
      if (two_accounts) {
        (*line)["from"] = flags->args[0];
        (*line)["to"] = flags->args[1];
      } else {
        (*line)["account"] = flags->args[0];
      }
      (*line)["amount"] = flags->args[wanted - 1];
      if (flags->id) (*line)["id"] = *flags->id;
      if (flags->reason) (*line)["reason"] = *flags->reason;
      if (flags->job) (*line)["job"] = *flags->job;
      if (flags->expires) (*line)["expires"] = *flags->expires;
    }
    run_operation(context, line, op, {}, kOutcomeColumns);
  });
}

void add_post_void(CLI::App& app, ToolContext& context) {
  auto post_args = std::make_shared<std::vector<std::string>>();
  auto* post = app.add_subcommand("post", "Settle a hold: move its amount (or less) and release the rest");
  post->add_option("args", *post_args, "HOLD-ID [AMOUNT]")->required()->expected(1, 2);
  post->callback([&context, post_args] {
    Json line{{"id", (*post_args)[0]}};
    if (post_args->size() == 2) line["amount"] = (*post_args)[1];
    run_operation(context, line, OpType::post, {}, kOutcomeColumns);
  });
  auto void_id = std::make_shared<std::string>();
  auto* void_hold = app.add_subcommand("void", "Release a pending hold");
  void_hold->add_option("hold-id", *void_id, "The hold's id")->required();
  void_hold->callback([&context, void_id] {
    run_operation(context, Json{{"id", *void_id}}, OpType::void_hold, {}, kOutcomeColumns);
  });
}

// ---- settle, batch -----------------------------------------------------------

struct SettleFlags {
  std::optional<std::string> job, payer, worker, amount, margin, success, latency;
};

SettleDefaults settle_defaults(const SettleFlags& flags) {
  SettleDefaults defaults;
  if (flags.margin) defaults.margin = parse_margin(*flags.margin, "--margin");
  defaults.performance = {flags.success, flags.latency};
  if (flags.success || flags.latency) (void)margin_from_performance(defaults.performance);  // checks them now
  return defaults;
}

void add_settle(CLI::App& app, ToolContext& context) {
  auto flags = std::make_shared<SettleFlags>();
  auto* settle = app.add_subcommand("settle", "Pay for finished jobs, once per job id (flags or JSON lines)");
  settle->add_option("--job", flags->job, "Job id (with none, JSON lines from stdin)");
  settle->add_option("--payer", flags->payer, "Account that pays the job's total");
  settle->add_option("--worker", flags->worker, "Account of the worker that did the job");
  settle->add_option("--amount", flags->amount, "The job's total");
  settle->add_option("--margin", flags->margin, "Operator's margin, 0 to below 1 (default 0.10)");
  settle->add_option("--success", flags->success, "Worker's success rate 0..1, for the original's margin formula");
  settle->add_option("--latency", flags->latency, "Worker's latency in ms, for the original's margin formula");
  settle->callback([&context, flags] {
    SettleDefaults defaults = settle_defaults(*flags);
    std::optional<Json> line;
    if (flags->job || flags->payer || flags->worker || flags->amount) {
      if (!flags->job || !flags->payer || !flags->worker || !flags->amount)
        fail(ExitCode::usage, "--job, --payer, --worker and --amount go together");
      line = Json{
          {"job_id", *flags->job}, {"payer", *flags->payer}, {"worker", *flags->worker}, {"amount", *flags->amount}};
    }
    run_operation(context, line, OpType::settle, defaults, kSettleColumns);
  });
}

/// A line of batch --each: its JSON, or why it could not be read.
struct EachLine {
  std::size_t line = 0;
  std::optional<Json> value;
  std::optional<Error> unreadable;
};

std::vector<EachLine> read_each_line(JsonLinesReader& reader) {
  std::vector<EachLine> lines;
  for (;;) {
    try {
      auto value = reader.next_object();
      if (!value) return lines;
      lines.push_back({reader.line_number(), std::move(value), std::nullopt});
    } catch (const Error& error) {
      if (error.code() != ExitCode::bad_input) throw;
      lines.push_back({reader.line_number(), std::nullopt, error});  // the message names the line
    }
  }
}

/// Applies line by line in one transaction: a refused line changes nothing and is
/// reported; the accepted lines commit together.
void run_batch_each(ToolContext& context, Store& store, const std::vector<EachLine>& lines) {
  OutcomePrinter printer(context, {"line", "ok", "seq", "type", "id", "amount", "error"});
  std::optional<ExitCode> first_failure;
  auto refused = [&](std::size_t line, const Error& error, const std::string& message) {
    if (!first_failure) first_failure = error.code();
    print_error(message);
    return Json{{"line", line}, {"ok", false}, {"code", to_int(error.code())}, {"error", error.what()}};
  };
  std::vector<Json> records = store.write([&] {
    LedgerWriter writer(store, context.clock.now());
    std::vector<Json> out;
    out.reserve(lines.size());
    for (const auto& input : lines) {
      if (input.unreadable) {
        out.push_back(refused(input.line, *input.unreadable, input.unreadable->what()));
        continue;
      }
      try {
        Json record = writer.apply(parse_operation(*input.value, std::nullopt, {})).to_json();
        record["line"] = input.line;
        record["ok"] = true;
        out.push_back(std::move(record));
      } catch (const Error& error) {
        out.push_back(refused(input.line, error, at_line(input.line, error.what())));
      }
    }
    writer.flush();
    return out;
  });
  for (const auto& record : records)
    printer.print_json(record);
  printer.finish();
  if (first_failure) context.exit_status = to_int(*first_failure);
}

void add_batch(CLI::App& app, ToolContext& context) {
  auto each = std::make_shared<bool>(false);
  auto* batch = app.add_subcommand("batch", "Apply JSON lines of any operation: all or nothing, or --each");
  batch->add_flag("--each", *each, "Apply line by line, report each line, commit the accepted lines together");
  batch->callback([&context, each] {
    auto store = context.open_store();
    auto reader = stdin_reader("operations");
    if (*each) {
      auto lines = read_each_line(reader);
      if (lines.empty()) fail(ExitCode::bad_input, "no lines on standard input");
      return run_batch_each(context, *store, lines);
    }
    auto apply = [&](std::vector<InputLine>& lines) {
      const ParsedOps parsed = parse_all(lines, std::nullopt, {});
      OutcomePrinter printer(context, kOutcomeColumns);
      for (const auto& outcome : apply_all(*store, context.clock.now(), parsed))
        printer.print(outcome);
      printer.finish();
    };
    if (for_each_input_batch(reader, 0, apply) == 0) fail(ExitCode::bad_input, "no lines on standard input");
  });
}

// ---- balance, accounts, history, journal ---------------------------------------

void add_reads(CLI::App& app, ToolContext& context) {
  auto ids = std::make_shared<std::vector<std::string>>();
  auto* balance = app.add_subcommand("balance", "Balances: {account, balance, held, available} a line");
  balance->add_option("accounts", *ids, "Accounts (default: all)");
  balance->callback([&context, ids] {
    auto store = context.open_store(false);
    release_expired_holds(*store, context.clock.now());
    RecordPrinter printer(context.output_format(), {"account", "balance", "held", "available"});
    for (const auto& row : read_accounts(*store, *ids))
      printer.print(row.to_json(false));
    printer.finish();
  });

  auto* accounts = app.add_subcommand("accounts", "Every account with its kind and balance");
  accounts->callback([&context] {
    auto store = context.open_store(false);
    release_expired_holds(*store, context.clock.now());
    RecordPrinter printer(context.output_format(), {"account", "kind", "balance", "held", "available", "created"});
    for (const auto& row : read_accounts(*store, {}))
      printer.print(row.to_json(true));
    printer.finish();
  });

  auto hold_filter = std::make_shared<HoldFilter>();
  auto* holds = app.add_subcommand("holds", "Holds, oldest first: pending, posted, voided or expired");
  holds->add_option("--account", hold_filter->account, "Only holds from or to this account");
  holds->add_option("--status", hold_filter->status, "Only holds in this status")
      ->check(CLI::IsMember({"pending", "posted", "voided", "expired"}));
  holds->callback([&context, hold_filter] {
    auto store = context.open_store(false);
    release_expired_holds(*store, context.clock.now());
    RecordPrinter printer(context.output_format(),
                          {"id", "from", "to", "amount", "status", "expires", "posted", "job", "created"});
    for (const auto& hold : read_holds(*store, *hold_filter, context.clock.now()))
      printer.print(hold.to_json());
    printer.finish();
  });

  struct EntryFlags {
    std::string account;
    std::int64_t after = 0, limit = 0;
  };
  auto print_entries = [&context](auto&& produce) {
    const bool json = context.output_format() == OutputFormat::json;
    RecordPrinter printer(context.output_format(), kEntryColumns);
    std::string buffer;
    produce([&](const JournalEntry& entry) {
      if (!json) return printer.print(entry.to_json());
      buffer += entry.printed_text();
      buffer += '\n';
      if (buffer.size() > 1 << 16) {
        std::fwrite(buffer.data(), 1, buffer.size(), stdout);
        buffer.clear();
      }
    });
    std::fwrite(buffer.data(), 1, buffer.size(), stdout);
    printer.finish();
  };
  auto history_flags = std::make_shared<EntryFlags>();
  auto* history = app.add_subcommand("history", "The journal entries that touch an account");
  history->add_option("account", history_flags->account, "Account id")->required();
  history->add_option("-n,--limit", history_flags->limit, "At most N entries")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
  history->callback([&context, history_flags, print_entries] {
    auto store = context.open_store(false);
    print_entries(
        [&](auto&& visit) { for_each_entry_of(*store, history_flags->account, history_flags->limit, visit); });
  });

  auto journal_flags = std::make_shared<EntryFlags>();
  auto* journal = app.add_subcommand("journal", "Journal entries as JSON lines, oldest first");
  journal->add_option("--after", journal_flags->after, "Start after this seq (default 0)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 62));
  journal->add_option("-n,--limit", journal_flags->limit, "At most N entries")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
  journal->callback([&context, journal_flags, print_entries] {
    auto store = context.open_store(false);
    print_entries(
        [&](auto&& visit) { for_each_entry_after(*store, journal_flags->after, journal_flags->limit, visit); });
  });
}

// ---- verify, replay, reconcile, import, sync -------------------------------------

void add_checks(CLI::App& app, ToolContext& context) {
  auto* verify = app.add_subcommand("verify", "Check the chain and every invariant; exit 1 naming the first bad seq");
  verify->callback([&context] {
    auto store = context.open_store(false);
    VerifyReport report;
    {
      ProgressLine progress("verify", "entries");
      report = verify_ledger(*store, [&](std::int64_t entries) { progress.update(entries); });
    }
    write_json_line(report.to_json());
    flush_output();
    if (!report.ok) {
      print_error(report.bad_seq ? "seq " + std::to_string(*report.bad_seq) + ": " + report.reason : report.reason);
      context.exit_status = to_int(ExitCode::failed);
    }
  });

  auto at = std::make_shared<std::int64_t>(0);
  auto* replay = app.add_subcommand("replay", "Balances as they were after a journal entry");
  replay->add_option("--at", *at, "The seq to stop after")
      ->required()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 62));
  replay->callback([&context, at] {
    auto store = context.open_store(false);
    LedgerState state = replay_until(*store, *at);
    std::map<std::string, AccountState*> sorted;
    for (auto& [id, account] : state.accounts())
      sorted[id] = &account;
    RecordPrinter printer(context.output_format(), {"account", "balance", "held"});
    for (const auto& [id, account] : sorted)
      printer.print(
          Json{{"account", id}, {"balance", format_money(account->balance)}, {"held", format_money(account->held)}});
    printer.finish();
  });

  auto* reconcile = app.add_subcommand("reconcile", "Settlement report: charged, paid out, revenue, margins, workers");
  reconcile->callback([&context] {
    auto store = context.open_store(false);
    write_json_line(reconcile_settlements(*store));
    flush_output();
  });
}

void add_import_sync(CLI::App& app, ToolContext& context) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto* import = app.add_subcommand("import", "Import the original ledger.json and ledger_events.jsonl");
  import->add_option("files", *files, "LEDGER.json EVENTS.jsonl")->required()->expected(2);
  import->callback([&context, files] {
    // Both files first: a missing one must not leave a new, empty store behind.
    for (const auto& file : *files)
      if (::access(file.c_str(), R_OK) != 0)
        fail(ExitCode::failed, "cannot open " + quote(file) + ": " + system_error_text(errno));
  auto store = context.open_store();
  Json summary;
  {
    ProgressLine progress("import", "events");
    summary = import_original(
        *store, (*files)[0], (*files)[1], context.clock.now(), [](const Json& record) { write_json_line(record); },
        [&](std::int64_t events) { progress.update(events); });
  }
  write_json_line(summary);
  flush_output();
});

struct SyncFlags {
  std::string from;
  std::optional<std::string> token_file, timeout;
};
auto flags = std::make_shared<SyncFlags>();
auto* sync = app.add_subcommand("sync", "Make this store a replica and catch up from its writer (store or URL)");
sync->add_option("--from", flags->from, "The writer: its store file, or sheratan-serve's http(s)://HOST:PORT")
    ->required();
sync->add_option(
    "--token-file", flags->token_file,
    "Bearer token for an http(s) writer: the file's first line (else SHERATAN_TOKEN_FILE, SHERATAN_TOKEN)");
sync->add_option("--timeout", flags->timeout, "Longest wait for each page from an http(s) writer (default 60s)");
sync->callback([&context, flags] {
  HttpSourceOptions http;
  if (is_http_source(flags->from)) {
    // The token is read from a file or the environment, never from the command line.
    http.token = read_bearer_token(context.config.text(flags->token_file, "SHERATAN_TOKEN_FILE", "serve.token_file"));
    if (flags->timeout) http.timeout_ms = parse_duration_flag(*flags->timeout, "--timeout");
  } else if (flags->token_file || flags->timeout) {
    fail(ExitCode::usage, "--token-file and --timeout are for an http:// or https:// --from");
  }
  auto store = context.open_store();
  auto source = open_sync_source(flags->from, *store, std::move(http));
  SyncReport report;
  {
    ProgressLine progress("sync", "entries");
    report = sync_ledger(*store, *source, context.clock.now(), [&](std::int64_t applied) { progress.update(applied); });
  }
  write_json_line(report.to_json());
  flush_output();
});
}  // namespace

}  // namespace

int main(int argc, char** argv) {
  ToolContext context;
  CLI::App app{
      "sheratan-ledger: the double-entry ledger on the shared Sheratan store.\n"
      "Immutable transfers, holds, exactly-once settlement, a hash-chained journal.",
      "sheratan-ledger"};
  add_global_options(app, context.options, "sheratan-ledger");
  auto move = [](OpType op, const char* name, const char* help) {
    return [=](CLI::App& parent, ToolContext& tool) { add_money_move(parent, tool, op, name, help); };
  };
  add_subcommands(
      app, context, argc, argv,
      {{{"open"}, add_open},
       {{"credit"}, move(OpType::credit, "credit", "Credit an account from system:mint")},
       {{"debit"}, move(OpType::debit, "debit", "Debit an account to system:mint")},
       {{"transfer"}, move(OpType::transfer, "transfer", "Move money: FROM TO AMOUNT, or JSON lines from stdin")},
       {{"batch"}, add_batch},
       {{"hold"}, move(OpType::hold, "hold", "Reserve money for a later post or void (two-phase)")},
       {{"post", "void"}, add_post_void},
       {{"settle"}, add_settle},
       {{"balance", "accounts", "holds", "history", "journal"}, add_reads},
       {{"verify", "replay", "reconcile"}, add_checks},
       {{"import", "sync"}, add_import_sync}});
  app.footer(
      "Exit status: 0 ok, 1 failed or not found, 2 usage, 3 conflict (id reused, insufficient funds, replica),\n"
      "4 bad input, 5 busy. See sheratan-ledger(1), sheratan-jsonl(5) and sheratan(7).");
  return run_tool(app, context, argc, argv);
}
