#include "ledger/entry.hpp"

#include "json/canonical.hpp"
#include "support/test_support.hpp"

using namespace sheratan;
using namespace sheratan::ledger;

namespace {

JournalEntry sample() {
  JournalEntry entry;
  entry.seq = 7;
  entry.type = EntryType::hold;
  entry.id = "h\"1\\\n\x01é";
  entry.from = "alice";
  entry.to = "bob";
  entry.amount = 12345;
  entry.reason = "tab\there";
  entry.job = "job-1";
  entry.expires_at = 1'800'000'000'123;
  entry.ts = 1'800'000'000'000;
  entry.prev_hash = std::string(kGenesis);
  return entry;
}

}  // namespace

TEST_CASE("the entry's own canonical text is RFC 8785 of its JSON without hash") {
  JournalEntry entry = sample();
  entry.hash = entry.compute_hash();
  Json printed = entry.to_json();
  CHECK(printed["hash"] == entry.hash);
  printed.erase("hash");
  CHECK(entry.canonical_text() == canonical_json(printed));
  CHECK(canonical_hash(printed) == entry.hash);
  CHECK(printed["amount"] == "1.2345");
  CHECK(printed["expires"] == "2027-01-15T08:00:00.123Z");
}

TEST_CASE("null fields are left out, and every field changes the hash") {
  JournalEntry open;
  open.seq = 1;
  open.type = EntryType::open;
  open.id = "alice";
  open.kind = "user";
  open.prev_hash = std::string(kGenesis);
  Json printed = Json::parse(open.canonical_text());
  CHECK(printed.size() == 6);
  CHECK_FALSE(printed.contains("amount"));

  const std::string base = sample().compute_hash();
  auto changed = [&](auto&& edit) {
    JournalEntry entry = sample();
    edit(entry);
    return entry.compute_hash() != base;
  };
  CHECK(changed([](JournalEntry& e) { e.seq = 8; }));
  CHECK(changed([](JournalEntry& e) { e.amount = 12346; }));
  CHECK(changed([](JournalEntry& e) { e.from = "mallory"; }));
  CHECK(changed([](JournalEntry& e) { e.to = "mallory"; }));
  CHECK(changed([](JournalEntry& e) { e.prev_hash = "x"; }));
  CHECK(changed([](JournalEntry& e) { e.reason.reset(); }));
  CHECK(changed([](JournalEntry& e) { e.ts += 1; }));
  CHECK(changed([](JournalEntry& e) { e.type = EntryType::transfer; }));
}
