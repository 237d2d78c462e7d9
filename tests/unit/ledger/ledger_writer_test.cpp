#include "ledger/ledger_writer.hpp"

#include <thread>

#include "ledger/ledger_read.hpp"
#include "ledger/reconcile.hpp"
#include "ledger/sync.hpp"
#include "ledger/verify.hpp"
#include "store/store.hpp"
#include "support/test_support.hpp"

using namespace sheratan;
using namespace sheratan::ledger;
using sheratan::testing::error_of;
using sheratan::testing::TempDir;

namespace {

std::unique_ptr<Store> open_store(const std::string& path) {
  StoreOptions options;
  options.path = path;
  options.durable = false;
  return Store::open(options);
}

Operation parse(const Json& line) {
  return parse_operation(line, std::nullopt, {});
}

Outcome apply_line(Store& store, const Json& line, EpochMillis now = 1'000) {
  return store.write([&] {
    LedgerWriter writer(store, now);
    Outcome outcome = writer.apply(parse(line));
    writer.flush();
    return outcome;
  });
}

MoneyUnits balance(Store& store, const std::string& account) {
  return read_accounts(store, {account}).at(0).balance;
}

std::int64_t entries(Store& store) {
  Statement count = store.use("SELECT count(*) FROM ledger_journal");
  count.step();
  return count.integer(0);
}

}  // namespace

TEST_CASE("credit, transfer and settle keep every invariant; verify agrees") {
  TempDir dir;
  auto store = open_store(dir.file("s.db"));
  apply_line(*store, {{"op", "open"}, {"account", "alice"}});
  apply_line(*store, {{"op", "credit"}, {"account", "alice"}, {"amount", "1000"}});
  auto settled = apply_line(*store, {{"op", "settle"},
                                     {"job_id", "j1"},
                                     {"payer", "alice"},
                                     {"worker", "w1"},
                                     {"amount", "100"},
                                     {"margin", "0.10"}});
  CHECK(settled.record["payout"] == "90.0000");
  CHECK(balance(*store, "alice") == 900 * kMoneyScale);
  CHECK(balance(*store, "w1") == 90 * kMoneyScale);
  CHECK(balance(*store, std::string(kOperator)) == 10 * kMoneyScale);
  auto report = verify_ledger(*store);
  CHECK(report.ok);
  CHECK(report.entries == 5);
  auto reconciled = reconcile_settlements(*store);
  CHECK(reconciled["revenue"] == "10.0000");
}

TEST_CASE("a refused operation writes nothing and leaves the session usable") {
  TempDir dir;
  auto store = open_store(dir.file("s.db"));
  apply_line(*store, {{"op", "open"}, {"account", "a"}});
  apply_line(*store, {{"op", "open"}, {"account", "b"}});
  apply_line(*store, {{"op", "credit"}, {"account", "a"}, {"amount", "5"}});
  const auto before = entries(*store);
  CHECK(error_of([&] {
          apply_line(*store, {{"op", "transfer"}, {"from", "a"}, {"to", "b"}, {"amount", "6"}});
        }).code() == ExitCode::conflict);
  CHECK(error_of([&] {
          apply_line(*store, {{"op", "transfer"}, {"from", "a"}, {"to", "x"}, {"amount", "1"}});
        }).code() == ExitCode::failed);
  CHECK(error_of([&] {
          apply_line(*store, {{"op", "settle"}, {"job_id", "j"}, {"payer", "a"}, {"worker", "w"}, {"amount", "6"}});
        }).code() == ExitCode::conflict);
  CHECK(entries(*store) == before);
  store->write([&] {
    LedgerWriter writer(*store, 2'000);
    CHECK_THROWS(writer.apply(parse({{"op", "transfer"}, {"from", "a"}, {"to", "b"}, {"amount", "9"}})));
    writer.apply(parse({{"op", "transfer"}, {"from", "a"}, {"to", "b"}, {"amount", "2"}}));
    writer.flush();
  });
  CHECK(balance(*store, "b") == 2 * kMoneyScale);
  CHECK(verify_ledger(*store).ok);
}

TEST_CASE("idempotency: same id and content is a duplicate, other content a conflict naming the field") {
  TempDir dir;
  auto store = open_store(dir.file("s.db"));
  apply_line(*store, {{"op", "open"}, {"account", "a"}});
  apply_line(*store, {{"op", "open"}, {"account", "b"}});
  apply_line(*store, {{"op", "credit"}, {"account", "a"}, {"amount", "5"}});
  Json transfer{{"op", "transfer"}, {"from", "a"}, {"to", "b"}, {"amount", "1"}, {"id", "t1"}};
  CHECK_FALSE(apply_line(*store, transfer).duplicate);
  CHECK(apply_line(*store, transfer).duplicate);
  Json other = transfer;
  other["amount"] = "2";
  auto error = error_of([&] { apply_line(*store, other); });
  CHECK(error.code() == ExitCode::conflict);
  CHECK(std::string(error.what()).find("another amount") != std::string::npos);
  // A duplicate within one session too.
  store->write([&] {
    LedgerWriter writer(*store, 3'000);
    Json t2{{"op", "transfer"}, {"from", "a"}, {"to", "b"}, {"amount", "1"}, {"id", "t2"}};
    CHECK_FALSE(writer.apply(parse(t2)).duplicate);
    CHECK(writer.apply(parse(t2)).duplicate);
    writer.flush();
  });
  CHECK(balance(*store, "b") == 2 * kMoneyScale);
}

TEST_CASE("holds: post, void, expiry on the next write") {
  TempDir dir;
  auto store = open_store(dir.file("s.db"));
  apply_line(*store, {{"op", "open"}, {"account", "a"}});
  apply_line(*store, {{"op", "open"}, {"account", "b"}});
  apply_line(*store, {{"op", "credit"}, {"account", "a"}, {"amount", "10"}});
  apply_line(*store, {{"op", "hold"}, {"from", "a"}, {"to", "b"}, {"amount", "4"}, {"id", "h1"}, {"expires", "1s"}},
             1'000);
  CHECK(read_accounts(*store, {"a"}).at(0).held == 4 * kMoneyScale);
  // Not yet expired at 1.999 s; expired at 2 s.
  apply_line(*store, {{"op", "open"}, {"account", "c"}}, 1'999);
  CHECK(read_accounts(*store, {"a"}).at(0).held == 4 * kMoneyScale);
  apply_line(*store, {{"op", "open"}, {"account", "d"}}, 2'000);
  CHECK(read_accounts(*store, {"a"}).at(0).held == 0);
  CHECK(error_of([&] { apply_line(*store, {{"op", "post"}, {"id", "h1"}}, 2'001); }).code() == ExitCode::conflict);
  apply_line(*store, {{"op", "hold"}, {"from", "a"}, {"to", "b"}, {"amount", "4"}, {"id", "h2"}}, 3'000);
  auto posted = apply_line(*store, {{"op", "post"}, {"id", "h2"}, {"amount", "1"}}, 3'001);
  CHECK(posted.entry->amount == kMoneyScale);
  CHECK(balance(*store, "a") == 9 * kMoneyScale);
  CHECK(read_accounts(*store, {"a"}).at(0).held == 0);
  CHECK(verify_ledger(*store).ok);
}

TEST_CASE("four connections writing at once: exact balances and an intact chain") {
  TempDir dir;
  {
    auto store = open_store(dir.file("s.db"));
    apply_line(*store, {{"op", "open"}, {"account", "src"}});
    apply_line(*store, {{"op", "open"}, {"account", "dst"}});
    apply_line(*store, {{"op", "credit"}, {"account", "src"}, {"amount", "1000"}});
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      auto store = open_store(dir.file("s.db"));
      for (int i = 0; i < 100; ++i)
        apply_line(*store, {{"op", "transfer"}, {"from", "src"}, {"to", "dst"}, {"amount", "0.5"}});
    });
  for (auto& thread : threads)
    thread.join();
  auto store = open_store(dir.file("s.db"));
  CHECK(balance(*store, "dst") == 200 * kMoneyScale);
  auto report = verify_ledger(*store);
  CHECK(report.ok);
  CHECK(report.entries == 403);
}

TEST_CASE("sync: a replica applies the writer's entries and refuses writes") {
  TempDir dir;
  auto writer = open_store(dir.file("w.db"));
  apply_line(*writer, {{"op", "open"}, {"account", "a"}});
  apply_line(*writer, {{"op", "credit"}, {"account", "a"}, {"amount", "3"}});
  auto replica = open_store(dir.file("r.db"));
  auto report = sync_from_store(*replica, dir.file("w.db"), 5'000);
  CHECK(report.applied == 2);
  CHECK(balance(*replica, "a") == 3 * kMoneyScale);
  CHECK(error_of([&] { apply_line(*replica, {{"op", "open"}, {"account", "b"}}); }).code() == ExitCode::conflict);
  // An altered entry on the writer stops the replica before it.
  apply_line(*writer, {{"op", "credit"}, {"account", "a"}, {"amount", "1"}});
  apply_line(*writer, {{"op", "credit"}, {"account", "a"}, {"amount", "1"}});
  writer->exec("UPDATE ledger_journal SET amount = 99 WHERE seq = 4");
  auto error = error_of([&] { sync_from_store(*replica, dir.file("w.db"), 6'000); });
  CHECK(error.code() == ExitCode::failed);
  CHECK(std::string(error.what()).find("seq 4") != std::string::npos);
  CHECK(balance(*replica, "a") == 4 * kMoneyScale);
  CHECK(verify_ledger(*replica).ok);
}

namespace {

/// A source that serves a list of entries in pages of two, with a line that could not
/// be read after the given count: what the HTTP source gives sync, without a server.
class ListSource final : public SyncSource {
 public:
  explicit ListSource(std::vector<JournalEntry> entries) : entries_(std::move(entries)) {}
  const std::string& name() const override { return name_; }
  std::int64_t page_size() const override { return 2; }
  std::optional<JournalEntry> entry_at(std::int64_t seq) override {
    for (const auto& entry : entries_)
      if (entry.seq == seq) return entry;
    return std::nullopt;
  }
  SyncPage entries_after(std::int64_t seq) override {
    ++pages;
    SyncPage page;
    for (const auto& entry : entries_) {
      if (entry.seq <= seq) continue;
      if (unreadable_after && entry.seq > *unreadable_after) {
        page.unreadable = Error(ExitCode::bad_input, "seq " + std::to_string(entry.seq) + ": unreadable");
        break;
      }
      if (static_cast<std::int64_t>(page.entries.size()) == page_size()) break;
      page.entries.push_back(entry);
    }
    return page;
  }
  std::optional<std::int64_t> unreadable_after;
  int pages = 0;

 private:
  std::vector<JournalEntry> entries_;
  std::string name_ = "http://writer:8100";
};

std::vector<JournalEntry> journal_of(Store& store) {
  std::vector<JournalEntry> out;
  for_each_entry_after(store, 0, 0, [&](const JournalEntry& entry) { out.push_back(entry); });
  return out;
}

}  // namespace

TEST_CASE("sync from any source: pages applied in order, a bad line stops after the good ones") {
  TempDir dir;
  auto writer = open_store(dir.file("w.db"));
  apply_line(*writer, {{"op", "open"}, {"account", "a"}});
  for (int i = 0; i < 4; ++i)
    apply_line(*writer, {{"op", "credit"}, {"account", "a"}, {"amount", "1"}});
  ListSource source(journal_of(*writer));
  source.unreadable_after = 3;
  auto replica = open_store(dir.file("r.db"));
  auto error = error_of([&] { sync_ledger(*replica, source, 5'000); });
  CHECK(error.code() == ExitCode::bad_input);
  CHECK(std::string(error.what()) == "seq 4: unreadable");
  CHECK(entries(*replica) == 3);
  CHECK(verify_ledger(*replica).ok);
  // Once the line reads, the rest follows; pages of two, the last one short.
  source.unreadable_after.reset();
  source.pages = 0;
  auto report = sync_ledger(*replica, source, 6'000);
  CHECK(report.applied == 2);
  CHECK(report.last_seq == 5);
  CHECK(report.from == "http://writer:8100");
  CHECK(source.pages == 2);
  CHECK(balance(*replica, "a") == 4 * kMoneyScale);
  CHECK(replica_source(*replica) == "http://writer:8100");
}
