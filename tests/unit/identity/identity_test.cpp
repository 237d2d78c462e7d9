// Unit tests for common/identity: the key file, Ed25519 signing of heartbeats over
// their canonical form, and the server's rules (pinning, freshness, counter, audit).
#include "identity/identity.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "identity/heartbeat_book.hpp"
#include "identity/heartbeat_sender.hpp"
#include "json/canonical.hpp"
#include "store/store.hpp"
#include "support/test_support.hpp"

using namespace sheratan;
using sheratan::testing::error_of;
using sheratan::testing::FakeClock;
using sheratan::testing::TempDir;

namespace {

constexpr EpochMillis kSignedAt = 1'795'000'000'000;  // 2026-11-17

// RFC 8032 section 7.1, test 1: the secret seed with its public key, and the
// signature of the empty message.
const char* kRfcSecret = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2DXWpgBgrEKt9VL/tPJZAc6DuFy89qmIyWvAhpo9wdRGg==";
const char* kRfcPublic = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
const char* kRfcEmptySignature =
    "5VZDAMNgrHKQhuLMgG6CioSHfx645dl02HPgZSJJAVVfuIIVkKM7rMYeOXAc+bRr0lv18FlbviRlUUFDjnoQCw==";

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

HeartbeatFields fields_at(EpochMillis ts, std::int64_t counter, const std::string& host = "gpu-1") {
  HeartbeatFields fields;
  fields.host = host;
  fields.ts = ts;
  fields.counter = counter;
  fields.status = "ok";
  return fields;
}

}  // namespace

TEST_CASE("a key file in the RFC 8032 form signs as the RFC says", "[identity]") {
  TempDir dir;
  write_file(dir.file("k.json"), std::string(R"({"type":"ed25519","public_key":")") + kRfcPublic +
                                     R"(","secret_key":")" + kRfcSecret + R"("})");
  ::chmod(dir.file("k.json").c_str(), 0600);
  Identity identity = Identity::load(dir.file("k.json"));
  CHECK(identity.public_key_base64() == kRfcPublic);
  CHECK(identity.sign("") == kRfcEmptySignature);
}

TEST_CASE("keygen's file is 0600, is not replaced without force, and loads again", "[identity]") {
  TempDir dir;
  const std::string path = dir.file("id.json");
  Identity first = Identity::generate();
  first.save(path, false, kSignedAt);
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK(Identity::load(path).public_key() == first.public_key());

  Identity second = Identity::generate();
  CHECK(error_of([&] { second.save(path, false, kSignedAt); }).code() == ExitCode::conflict);
  CHECK(Identity::load(path).public_key() == first.public_key());
  second.save(path, true, kSignedAt);
  CHECK(Identity::load(path).public_key() == second.public_key());
  // No temporary file is left behind.
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1);
}

TEST_CASE("a key file whose halves disagree or that is not one is refused", "[identity]") {
  TempDir dir;
  Identity other = Identity::generate();
  write_file(dir.file("k.json"), std::string(R"({"type":"ed25519","public_key":")") + other.public_key_base64() +
                                     R"(","secret_key":")" + kRfcSecret + R"("})");
  CHECK(error_of([&] { Identity::load(dir.file("k.json")); }).code() == ExitCode::bad_input);
  write_file(dir.file("n.json"), "not json");
  CHECK(error_of([&] { Identity::load(dir.file("n.json")); }).code() == ExitCode::bad_input);
  CHECK(error_of([&] { Identity::load(dir.file("missing.json")); }).code() == ExitCode::failed);
}

TEST_CASE("a signed heartbeat verifies whatever its key order and spacing; a change breaks it", "[identity]") {
  Identity identity = Identity::generate();
  HeartbeatFields fields = fields_at(kSignedAt, 7);
  fields.facts = Json{{"running", 2}, {"queue", "default"}};
  Json body = sign_heartbeat(fields, identity);
  CHECK(verify_heartbeat(parse_heartbeat(body)));

  // The signature covers the canonical form: keys sorted, no spaces, no signature.
  CHECK(heartbeat_signed_bytes(body).starts_with(
      R"({"counter":7,"facts":{"queue":"default","running":2},"host":"gpu-1")"));
  CHECK(heartbeat_signed_bytes(body).find("signature") == std::string::npos);
  Json reordered = Json::parse(body.dump(2));  // another text of the same value
  CHECK(verify_heartbeat(parse_heartbeat(reordered)));

  for (const char* field : {"host", "ts", "counter", "status", "facts"}) {
    Json changed = body;
    if (std::string(field) == "counter")
      changed["counter"] = 8;
    else if (std::string(field) == "ts")
      changed["ts"] = format_rfc3339(kSignedAt + 1);
    else if (std::string(field) == "facts")
      changed["facts"]["running"] = 3;
    else
      changed[field] = "other";
    INFO(field);
    CHECK_FALSE(verify_heartbeat(parse_heartbeat(changed)));
  }
  Json other_key = body;
  other_key["public_key"] = Identity::generate().public_key_base64();
  CHECK_FALSE(verify_heartbeat(parse_heartbeat(other_key)));
}

TEST_CASE("a heartbeat of the wrong form is bad input naming the field", "[identity]") {
  Json body = sign_heartbeat(fields_at(kSignedAt, 1), Identity::generate());
  auto refused = [&](Json changed, const std::string& words) {
    Error error = error_of([&] { parse_heartbeat(changed); });
    CHECK(error.code() == ExitCode::bad_input);
    CHECK_THAT(error.what(), Catch::Contains(words));
  };
  Json extra = body;
  extra["extra"] = 1;
  refused(extra, "unknown heartbeat field 'extra'");
  Json missing = body;
  missing.erase("counter");
  refused(missing, "'counter' is missing");
  Json negative = body;
  negative["counter"] = -1;
  refused(negative, "'counter'");
  Json short_key = body;
  short_key["public_key"] = "AAAA";
  refused(short_key, "'public_key'");
  Json bad_host = body;
  bad_host["host"] = "a b";
  refused(bad_host, "host name");
  Json bad_ts = body;
  bad_ts["ts"] = "yesterday";
  refused(bad_ts, "yesterday");
}

TEST_CASE("the counter of a sender grows even when the clock does not", "[identity]") {
  CHECK(next_heartbeat_counter(100, 0) == 100);
  CHECK(next_heartbeat_counter(100, 100) == 101);
  CHECK(next_heartbeat_counter(90, 100) == 101);
  CHECK(heartbeat_url("http://h:1") == "http://h:1/v1/heartbeat");
  CHECK(heartbeat_url("http://h:1//") == "http://h:1/v1/heartbeat");
}

TEST_CASE("the server pins on first use, then refuses replays, stale times, forgeries and other keys",
          "[identity][store]") {
  TempDir dir;
  auto store = Store::open(StoreOptions{dir.file("s.db")});
  FakeClock clock(kSignedAt);
  HeartbeatBook book(*store, clock);
  Identity identity = Identity::generate();
  const Millis window = 60'000;
  auto receive = [&](const Json& body) { return book.receive(parse_heartbeat(body), window, "w1").verdict; };

  Json first = sign_heartbeat(fields_at(kSignedAt, 10), identity);
  CHECK(receive(first) == HeartbeatVerdict::pinned);
  CHECK(receive(first) == HeartbeatVerdict::replay);  // the same body again
  CHECK(receive(sign_heartbeat(fields_at(kSignedAt, 10), identity)) == HeartbeatVerdict::replay);
  CHECK(receive(sign_heartbeat(fields_at(kSignedAt, 11), identity)) == HeartbeatVerdict::accepted);
  CHECK(receive(sign_heartbeat(fields_at(kSignedAt - window - 1, 12), identity)) == HeartbeatVerdict::stale);
  CHECK(receive(sign_heartbeat(fields_at(kSignedAt + window + 1, 12), identity)) == HeartbeatVerdict::stale);

  Json forged = sign_heartbeat(fields_at(kSignedAt, 20), identity);
  forged["status"] = "degraded";
  CHECK(receive(forged) == HeartbeatVerdict::bad_signature);
  CHECK(receive(sign_heartbeat(fields_at(kSignedAt, 21), Identity::generate())) == HeartbeatVerdict::key_mismatch);

  auto key = book.find("gpu-1");
  REQUIRE(key);
  CHECK(key->last_counter == 11);
  CHECK(key->heartbeats == 2);
  CHECK(key->fingerprint == key_fingerprint(identity.public_key()));
  CHECK(key->fingerprint.starts_with("SHA256:"));

  auto audit = book.audit(0, 100);
  std::vector<std::string> kinds;
  for (const auto& event : audit)
    kinds.push_back(event.kind);
  CHECK(kinds == std::vector<std::string>{"heartbeat.replay", "heartbeat.replay", "heartbeat.stale", "heartbeat.stale",
                                          "heartbeat.bad_signature", "heartbeat.key_mismatch"});
  CHECK(audit.back().subject == "gpu-1");
  CHECK(audit.back().actor == "w1");
  CHECK(audit.back().detail["pinned"] == key->fingerprint);

  // A stale first heartbeat of a new host pins nothing; a fresh one then does.
  CHECK(receive(sign_heartbeat(fields_at(kSignedAt - 2 * window, 1, "new-host"), identity)) == HeartbeatVerdict::stale);
  CHECK_FALSE(book.find("new-host"));
  CHECK(receive(sign_heartbeat(fields_at(kSignedAt, 1, "new-host"), identity)) == HeartbeatVerdict::pinned);
  CHECK(book.list().size() == 2);
}
