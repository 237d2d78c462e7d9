// Unit tests for common/worker/round_json: a remote worker's round over HTTP, written
// by one side and read by the other.
#include <catch2/catch.hpp>

#include "cli/error.hpp"
#include "support/test_support.hpp"
#include "worker/round_json.hpp"

using sheratan::Exchange;
using sheratan::ExitCode;
using sheratan::Job;
using sheratan::Json;
using sheratan::RunOutcome;
using sheratan::WaitCheck;
using sheratan::WorkReport;
using sheratan::testing::error_of;

namespace {

WorkReport report(const char* id, RunOutcome outcome) {
  Job job;
  job.id = id;
  job.lease_token = std::string("token-") + id;
  return {job, std::move(outcome), 12};
}

}  // namespace

TEST_CASE("a report reads back as it was sent, for each outcome", "[worker][round]") {
  auto done = sheratan::report_from_json(report_to_json(report("a", RunOutcome::success(Json{{"n", 1}}))));
  CHECK(done.id == "a");
  CHECK(done.token == "token-a");
  CHECK(done.ms == 12);
  CHECK(done.outcome.kind == RunOutcome::Kind::done);
  CHECK(done.outcome.result == Json{{"n", 1}});
  auto retry = sheratan::report_from_json(report_to_json(report("b", RunOutcome::temporary("busy"))));
  CHECK(retry.outcome.kind == RunOutcome::Kind::retry);
  CHECK(retry.outcome.error == "busy");
  auto failed = sheratan::report_from_json(report_to_json(report("c", RunOutcome::permanent("bad"))));
  CHECK(failed.outcome.kind == RunOutcome::Kind::failed);

  CHECK_THAT(error_of([] {
               sheratan::report_from_json(Json{{"id", "a"}, {"token", "t"}, {"outcome", "maybe"}});
             }).what(),
             Catch::Matchers::Contains("'outcome'"));
  CHECK_THAT(error_of([] {
               sheratan::report_from_json(Json{{"id", "a"}, {"outcome", "done"}});
             }).what(),
             Catch::Matchers::Contains("'token'"));
  CHECK(error_of([] {
          sheratan::report_from_json(Json{{"id", "a"}, {"token", "t"}, {"outcome", "done"}, {"ms", -1}});
        }).code() == ExitCode::bad_input);
}

TEST_CASE("a round's answer ties each event to the report of its job", "[worker][round]") {
  std::vector<WorkReport> sent{report("a", RunOutcome::success(nullptr)), report("b", RunOutcome::temporary("x"))};
  Exchange round;
  round.events.push_back({"done", &sent[0].job, Json{{"ms", 12}}});
  round.events.push_back({"retry", &sent[1].job, Json{{"error", "x"}}});
  round.check = WaitCheck{false, 10'500};
  round.unreported.push_back(sent[1]);
  const Json answer = Json::parse(round_to_json(round, 10'000));
  CHECK(answer["check"] == Json{{"done", false}, {"due_in", 500}});

  std::vector<WorkReport> mine{report("a", RunOutcome::success(nullptr)), report("b", RunOutcome::temporary("x"))};
  Exchange back = sheratan::round_from_json(answer, mine, 50'000);
  REQUIRE(back.events.size() == 2);
  CHECK(back.events[0].name == "done");
  CHECK(back.events[0].job == &mine[0].job);
  CHECK(back.events[0].extra == Json{{"ms", 12}});
  CHECK(back.events[1].job == &mine[1].job);
  REQUIRE(back.check);
  CHECK(back.check->next_due == 50'500);  // due_in counts on the reader's clock
  REQUIRE(back.unreported.size() == 1);
  CHECK(back.unreported[0].job.id == "b");
  CHECK_FALSE(back.claim_unavailable);

  CHECK(error_of([&] { sheratan::round_from_json(Json::array(), mine, 0); }).code() == ExitCode::bad_input);
  Json bad_claim = answer;
  bad_claim["claimed"] = Json::array({Json{{"id", "x"}}});
  CHECK_THAT(error_of([&] { sheratan::round_from_json(bad_claim, mine, 0); }).what(),
             Catch::Matchers::Contains("'kind'"));

  std::vector<WorkReport> other{report("z", RunOutcome::success(nullptr))};
  CHECK_THAT(error_of([&] { sheratan::round_from_json(answer, other, 0); }).what(),
             Catch::Matchers::Contains("job 'a', not reported"));
}
