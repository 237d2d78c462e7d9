#include "ledger/operation.hpp"

#include "support/test_support.hpp"

using namespace sheratan;
using namespace sheratan::ledger;
using sheratan::testing::error_of;

namespace {

std::string refusal(const Json& line) {
  auto error = error_of([&] { parse_operation(line, std::nullopt, {}); });
  CHECK(error.code() == ExitCode::bad_input);
  return error.what();
}

}  // namespace

TEST_CASE("bad lines name their field") {
  CHECK(refusal({{"from", "a"}}) == "field 'op' is required");
  CHECK(refusal({{"op", "transfer"}, {"from", "a"}, {"to", "b"}}) == "field 'amount' is required");
  CHECK(refusal({{"op", "transfer"}, {"from", "a"}, {"to", "b"}, {"amount", "1.23456"}}).find("fraction digits") !=
        std::string::npos);
  CHECK(refusal({{"op", "transfer"}, {"from", "a"}, {"to", "b"}, {"amount", 1.5}}).find("field 'amount'") == 0);
  CHECK(refusal({{"op", "transfer"}, {"from", "a"}, {"to", "b"}, {"amount", "0"}}).find("above zero") !=
        std::string::npos);
  CHECK(refusal({{"op", "transfer"}, {"from", ""}, {"to", "b"}, {"amount", "1"}}) == "field 'from' must not be empty");
  CHECK(refusal({{"op", "transfer"}, {"from", "a\nb"}, {"to", "b"}, {"amount", "1"}}).find("control") !=
        std::string::npos);
  CHECK(refusal({{"op", "credit"}, {"account", "a"}, {"amount", "1"}, {"to", "b"}}) == "field 'to' is unknown");
  CHECK(refusal({{"op", "hold"}, {"from", "a"}, {"to", "b"}, {"amount", "1"}, {"expires", "soon"}}).size() > 0);
  CHECK(refusal({{"op", "settle"}, {"job_id", "j"}, {"payer", "system:operator"}, {"worker", "w"}, {"amount", "1"}})
            .find("must not be") != std::string::npos);
}

TEST_CASE("settle lines: explicit, and the queue's done jobs") {
  SettleDefaults defaults;
  auto explicit_line = parse_settle_line(
      {{"job_id", "j1"}, {"payer", "p"}, {"worker", "w"}, {"amount", "10"}, {"margin", 0.2}}, defaults);
  CHECK(explicit_line.margin.num * 5 == explicit_line.margin.den);
  Json job{{"id", "j2"},    {"status", "done"}, {"cost", "5.0000"}, {"labels", {{"payer", "p"}}},
           {"worker", "w"}, {"kind", "x"}};
  auto from_queue = parse_settle_line(job, defaults);
  CHECK(from_queue.job_id == "j2");
  CHECK(from_queue.amount == 5 * kMoneyScale);
  CHECK_FALSE(from_queue.skipped);
  job["cost"] = nullptr;
  CHECK(parse_settle_line(job, defaults).skipped == "no cost");
  job["status"] = "ready";
  CHECK(error_of([&] { parse_settle_line(job, defaults); }).code() == ExitCode::bad_input);
}
