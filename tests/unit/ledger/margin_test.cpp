#include "ledger/margin.hpp"

#include "support/test_support.hpp"

using namespace sheratan;
using namespace sheratan::ledger;
using sheratan::testing::error_of;

TEST_CASE("split: the worker gets total x (1 - margin) rounded down, the operator the rest") {
  auto split = split_settlement(parse_money("105.5555"), parse_margin("0.10"));
  CHECK(format_money(split.payout) == "94.9999");
  CHECK(format_money(split.revenue) == "10.5556");
  split = split_settlement(parse_money("100"), kDefaultMargin);
  CHECK(format_money(split.payout) == "90.0000");
  CHECK(format_money(split.revenue) == "10.0000");
  split = split_settlement(parse_money("0.0001"), kDefaultMargin);
  CHECK(split.payout == 0);
  CHECK(split.revenue == 1);
  split = split_settlement(parse_money("100"), parse_margin("0"));
  CHECK(split.revenue == 0);
}

TEST_CASE("split: exact at the largest amounts (no overflow, no floating point)") {
  const MoneyUnits total = INT64_MAX;
  auto split = split_settlement(total, parse_margin("0.333333333"));
  CHECK(split.payout + split.revenue == total);
  CHECK(split.payout == static_cast<MoneyUnits>(static_cast<WideInt>(total) * 666666667 / 1000000000));
}

TEST_CASE("margins parse exactly and refuse what is not 0 <= m < 1") {
  CHECK(parse_margin("0.1").num == 1);
  CHECK(parse_margin("0.1").den == 10);
  CHECK(parse_margin("0.125").den == 8);
  CHECK(parse_margin_json(Json(0.25)).den == 4);
  for (const char* bad : {"1", "1.0", "-0.1", "abc", "", ".", "0.", "0.1234567891", "1e-1"})
    CHECK(error_of([&] { parse_margin(bad); }).code() == ExitCode::bad_input);
  CHECK(error_of([] { parse_margin_json(Json::array()); }).code() == ExitCode::bad_input);
}

TEST_CASE("the original's margin formula, exactly and clamped") {
  CHECK(format_margin(margin_from_performance({"0.85", "750"})) == "0.18");
  CHECK(format_margin(margin_from_performance({"1", "0"})) == "0.10");
  CHECK(format_margin(margin_from_performance({"0", "1500"})) == "0.40");
  CHECK(format_margin(margin_from_performance({"0.5", "99999"})) == "0.30");
  // 0.10 + 0.10 * 1/1500 is no finite decimal: the fraction stays exact.
  Margin odd = margin_from_performance({"1", "1"});
  CHECK(odd.num * 15000 == odd.den * 1501);
  CHECK(format_margin(odd) == "0.100066");
  CHECK(error_of([] { margin_from_performance({"1.5", "0"}); }).code() == ExitCode::bad_input);
  CHECK(error_of([] { margin_from_performance({"0.9", "-1"}); }).code() == ExitCode::bad_input);
}
