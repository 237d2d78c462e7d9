#include "ledger/entry.hpp"

#include "json/canonical.hpp"
#include "support/test_support.hpp"

using namespace sheratan;
using namespace sheratan::ledger;

namespace {

JournalEntry sample_entry() {
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
  JournalEntry entry = sample_entry();
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

  const std::string base = sample_entry().compute_hash();
  auto changed = [&](auto&& edit) {
    JournalEntry entry = sample_entry();
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

TEST_CASE("a printed entry parses back to the same entry and hash") {
  JournalEntry entry = sample_entry();
  entry.seal();
  JournalEntry parsed = parse_journal_entry(Json::parse(entry.printed_text()));
  CHECK(parsed.printed_text() == entry.printed_text());
  CHECK(parsed.compute_hash() == entry.hash);
  CHECK(parsed.hash == entry.hash);
  // Null stands for absent, as in the canonical form.
  Json with_null = Json::parse(entry.printed_text());
  with_null["kind"] = nullptr;
  CHECK(parse_journal_entry(with_null).compute_hash() == entry.hash);
}

TEST_CASE("a journal line that is not an entry is refused naming the field") {
  using sheratan::testing::error_of;
  JournalEntry entry = sample_entry();
  entry.seal();
  const Json good = Json::parse(entry.printed_text());
  auto refused = [&](auto&& edit) {
    Json line = good;
    edit(line);
    Error error = error_of([&] { parse_journal_entry(line); });
    CHECK(error.code() == ExitCode::bad_input);
    return std::string(error.what());
  };
  CHECK(refused([](Json& l) { l["amount"] = "1.23456"; }) ==
        "field 'amount': amount '1.23456' has more than 4 fraction digits");
  CHECK(refused([](Json& l) { l["amount"] = 5; }) == "field 'amount' must be a string, not integer");
  CHECK(refused([](Json& l) { l["seq"] = 0; }) == "field 'seq' must be a positive integer, not 0");
  CHECK(refused([](Json& l) { l["seq"] = -3; }) == "field 'seq' must be a positive integer, not -3");
  CHECK(refused([](Json& l) { l["seq"] = 1.5; }) == "field 'seq' must be a positive integer, not 1.5");
  CHECK(refused([](Json& l) { l["seq"] = Json::parse("18446744073709551615"); }) ==
        "field 'seq' must be a positive integer, not 18446744073709551615");
  CHECK(refused([](Json& l) { l["type"] = "mint"; }) == "field 'type': entry type 'mint' is unknown");
  CHECK(refused([](Json& l) { l["ts"] = "yesterday"; }).starts_with("field 'ts': "));
  CHECK(refused([](Json& l) { l["extra"] = 1; }) == "field 'extra' is not part of a journal entry");
  CHECK(refused([](Json& l) { l.erase("hash"); }) == "field 'hash' is missing");
  CHECK(refused([](Json& l) { l.erase("prev_hash"); }) == "field 'prev_hash' is missing");
  CHECK(refused([](Json& l) { l = Json::array(); }) == "a journal entry must be a JSON object, not array");
}
