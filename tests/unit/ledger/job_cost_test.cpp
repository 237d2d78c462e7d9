// Unit tests for common/ledger/job_cost: a job's cost held at claim, posted at ack or
// voided, and settle charging the payer exactly once whichever comes first.
#include "ledger/job_cost.hpp"

#include "ledger/ledger_read.hpp"
#include "ledger/verify.hpp"
#include "store/store.hpp"
#include "support/test_support.hpp"

using namespace sheratan;
using namespace sheratan::ledger;
using sheratan::testing::TempDir;

namespace {

struct Ledger {
  TempDir dir;
  std::unique_ptr<Store> store;

  Ledger() {
    StoreOptions options;
    options.path = dir.file("s.db");
    options.durable = false;
    store = Store::open(options);
    store->write([&] {
      LedgerWriter writer(*store, 1'000);
      Operation open;
      open.op = OpType::open;
      open.id = "alice";
      writer.apply(open);
      writer.apply(parse_operation(Json{{"op", "credit"}, {"account", "alice"}, {"amount", "100"}}, std::nullopt, {}));
      writer.flush();
    });
  }
  template <typename Body>
  auto apply(Body&& body) {
    return store->write([&] {
      LedgerWriter writer(*store, 1'000);
      auto result = [&] {
        if constexpr (std::is_void_v<decltype(body(writer))>) {
          body(writer);
          return 0;
        } else {
          return body(writer);
        }
      }();
      writer.flush();
      return result;
    });
  }
  Outcome settle(const std::string& job) {
    return apply([&](LedgerWriter& writer) {
      return writer.apply(parse_operation(
          Json{{"op", "settle"}, {"job_id", job}, {"payer", "alice"}, {"worker", "w1"}, {"amount", "10"}}, std::nullopt,
          {}));
    });
  }
  AccountRow account(const std::string& id) { return read_accounts(*store, {id}).at(0); }
};

Job costly_job(const std::string& id, const std::string& token) {
  Job job;
  job.id = id;
  job.lease_token = token;
  job.spec.cost = 100'000;  // 10.0000
  job.spec.labels = Json{{"payer", "alice"}};
  return job;
}

}  // namespace

TEST_CASE("job cost: only a positive cost with a string payer label is held") {
  Job job = costly_job("j", "t");
  CHECK(job_cost(job)->payer == "alice");
  job.spec.labels = Json{{"payer", 3}};
  CHECK(!job_cost(job));
  job = costly_job("j", "t");
  job.spec.cost = 0;
  CHECK(!job_cost(job));
  CHECK(cost_hold_id(costly_job("j1", "tok")) == "settle:j1:hold:tok");
}

TEST_CASE("job cost: held, posted at ack, then settle pays the worker only, once") {
  Ledger ledger;
  const Job job = costly_job("j1", "t1");
  ledger.apply([&](LedgerWriter& writer) { hold_job_cost(writer, job, 60'000); });
  CHECK(ledger.account("alice").held == 100'000);
  CHECK(std::string(ledger.apply([&](LedgerWriter& writer) { return post_job_cost(writer, job); })) == "posted");
  CHECK(ledger.account("alice").balance == 900'000);
  CHECK(ledger.account("alice").held == 0);
  Outcome first = ledger.settle("j1");
  CHECK(first.record["held"] == true);
  CHECK(first.record["duplicate"] == false);
  Outcome second = ledger.settle("j1");
  CHECK(second.record["duplicate"] == true);
  CHECK(ledger.account("alice").balance == 900'000);
  CHECK(ledger.account("w1").balance == 90'000);
  CHECK(ledger.account("system:operator").balance == 10'000);
  CHECK(verify_ledger(*ledger.store).ok);
}

TEST_CASE("job cost: settled before the ack, the ack voids the hold") {
  Ledger ledger;
  const Job job = costly_job("j1", "t1");
  ledger.apply([&](LedgerWriter& writer) { hold_job_cost(writer, job, 60'000); });
  CHECK(ledger.settle("j1").record["duplicate"] == false);
  CHECK(std::string(ledger.apply([&](LedgerWriter& writer) { return post_job_cost(writer, job); })) == "voided");
  CHECK(ledger.account("alice").balance == 900'000);
  CHECK(ledger.account("alice").held == 0);
  CHECK(verify_ledger(*ledger.store).ok);
}

TEST_CASE("job cost: a failed claim's hold is voided; a new claim holds afresh") {
  Ledger ledger;
  ledger.apply([&](LedgerWriter& writer) { hold_job_cost(writer, costly_job("j1", "t1"), 60'000); });
  CHECK(std::string(ledger.apply(
            [&](LedgerWriter& writer) { return void_job_cost(writer, costly_job("j1", "t1")); })) == "voided");
  CHECK(std::string(ledger.apply(
            [&](LedgerWriter& writer) { return void_job_cost(writer, costly_job("j1", "t1")); })) == "none");
  ledger.apply([&](LedgerWriter& writer) { hold_job_cost(writer, costly_job("j1", "t2"), 60'000); });
  CHECK(ledger.account("alice").held == 100'000);
  // Not enough for a second job's cost while the first is held.
  Job big = costly_job("j2", "t3");
  big.spec.cost = 950'000;
  CHECK_THROWS_AS(ledger.apply([&](LedgerWriter& writer) { hold_job_cost(writer, big, 60'000); }), Error);
  CHECK(ledger.account("alice").held == 100'000);
}
