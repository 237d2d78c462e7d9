// GET /v1/accounts/{id}, POST /v1/transfers, POST /v1/settle, GET /v1/journal: the
// ledger over HTTP. Writes go through LedgerWriter, all or nothing, as `batch` does.
#include "cli/error.hpp"
#include "cli/message.hpp"
#include "ledger/ledger_read.hpp"
#include "ledger/ledger_writer.hpp"
#include "serve/query_params.hpp"
#include "serve/request_body.hpp"
#include "serve/router.hpp"

namespace sheratan::serve {

namespace {

using namespace sheratan::ledger;

constexpr std::int64_t kDefaultJournalPage = 1000;
constexpr std::int64_t kMaxJournalPage = 10'000;

Error with_line(const Error& error, std::size_t line) {
  return Error(error.code(), line ? at_line(line, error.what()) : error.what());
}

/// Applies the body's operations in one transaction. For transfers any operation may
/// be named as `batch` takes it, and a line without "op" is a transfer; for settle
/// every line is a settle line.
void apply_operations(Call& call, OpType default_op, bool any_op) {
  JsonBody body = parse_json_body(call.request_body, call.request.get_header_value("Content-Type"));
  std::vector<Operation> ops;
  ops.reserve(body.items.size());
  for (const auto& input : body.items) {
    try {
      const bool named = any_op && input.value.contains("op");
      ops.push_back(parse_operation(input.value, named ? std::nullopt : std::optional(default_op), {}));
    } catch (const Error& error) {
      throw with_line(error, input.line);
    }
  }
  auto records = call.store.write([&] {
    LedgerWriter writer(call.store, call.shared.clock.now());
    std::vector<std::string> out;
    out.reserve(ops.size());
    for (std::size_t i = 0; i < ops.size(); ++i) {
      try {
        out.push_back(writer.apply(ops[i]).json_text());
      } catch (const Error& error) {
        throw with_line(error, body.items[i].line);
      }
    }
    writer.flush();
    return out;
  });
  call.reply(200, render_records(body.shape, records), content_type_of(body.shape));
}

void get_account(Call& call) {
  release_expired_holds(call.store, call.shared.clock.now());
  auto rows = read_accounts(call.store, {call.match(1)});
  call.reply_json(200, rows.front().to_json(true));
}

void journal_page(Call& call) {
  const auto after = query_integer(call.request, "after", 0, std::int64_t{1} << 62).value_or(0);
  const auto limit = query_integer(call.request, "limit", 1, kMaxJournalPage).value_or(kDefaultJournalPage);
  std::string body;
  for_each_entry_after(call.store, after, limit,
                       [&](const JournalEntry& entry) { body += entry.printed_text() + '\n'; });
  call.reply(200, std::move(body), "application/x-ndjson");
}

}  // namespace

void add_ledger_routes(Router& router) {
  router.get(R"(/v1/accounts/([^/]+))", Scope::read, get_account);
  router.post("/v1/transfers", Scope::admin, [](Call& call) { apply_operations(call, OpType::transfer, true); });
  router.post("/v1/settle", Scope::admin, [](Call& call) { apply_operations(call, OpType::settle, false); });
  router.get("/v1/journal", Scope::replicate, journal_page);
}

}  // namespace sheratan::serve
