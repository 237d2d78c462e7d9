// Unit tests for common/cli/money: parse_money, parse_money_json, format_money.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/error.hpp"
#include "cli/money.hpp"
#include "support/test_support.hpp"

using sheratan::Error;
using sheratan::ExitCode;
using sheratan::format_money;
using sheratan::MoneyUnits;
using sheratan::parse_money;
using sheratan::parse_money_json;

using sheratan::testing::error_of;

namespace {

Error money_error(const std::string& text) {
  INFO("text: \"" << text << "\"");
  Error error = error_of([&] { parse_money(text); });
  CHECK(error.code() == ExitCode::bad_input);
  CHECK_THAT(error.what(), Catch::Matchers::StartsWith("amount '" + text + "'"));
  return error;
}

constexpr MoneyUnits kMax = std::numeric_limits<MoneyUnits>::max();
constexpr MoneyUnits kMin = std::numeric_limits<MoneyUnits>::min();

}  // namespace

TEST_CASE("parse_money reads whole and fractional amounts", "[cli][money]") {
  CHECK(sheratan::kMoneyScale == 10'000);
  CHECK(parse_money("90") == 900'000);
  CHECK(parse_money("90.5") == 905'000);
  CHECK(parse_money("90.0000") == 900'000);
  CHECK(parse_money("1.2345") == 12'345);
  CHECK(parse_money("0.0001") == 1);
  CHECK(parse_money("-0.0001") == -1);
  CHECK(parse_money("-12.5") == -125'000);
  CHECK(parse_money("0.0000") == 0);
  CHECK(parse_money("0") == 0);
  CHECK(parse_money("-0") == 0);
  CHECK(parse_money("007.10") == 71'000);
}

TEST_CASE("parse_money refuses a fifth fraction digit instead of rounding", "[cli][money]") {
  Error error = money_error("1.23456");
  CHECK_THAT(error.what(), Catch::Matchers::Contains("more than 4 fraction digits"));
  CHECK_THAT(money_error("0.00001").what(), Catch::Matchers::Contains("more than 4 fraction digits"));
  CHECK_THAT(money_error("-1.00000").what(), Catch::Matchers::Contains("more than 4 fraction digits"));
}

TEST_CASE("parse_money refuses text that is not a number", "[cli][money]") {
  for (const char* text :
       {"abc", "", "1.", ".5", "-", "+", "+1", "+0.5", "1.2.3", "1,5", " 1", "1 ", "1e3", "0x10", "--1", "1.-5"}) {
    Error error = money_error(text);
    CHECK_THAT(error.what(), Catch::Matchers::Contains("is not a number"));
  }
}

TEST_CASE("parse_money refuses amounts that overflow int64 units", "[cli][money]") {
  Error error = money_error("999999999999999999999");
  CHECK_THAT(error.what(), Catch::Matchers::Contains("too large"));
  CHECK_THAT(money_error("-999999999999999999999").what(), Catch::Matchers::Contains("too large"));
  // 922337203685478 whole units is more than INT64_MAX / 10000.
  CHECK_THAT(money_error("922337203685478").what(), Catch::Matchers::Contains("too large"));
  // A large amount that fits is read exactly.
  CHECK(parse_money("92233720368546.1234") == 922'337'203'685'461'234LL);
}

TEST_CASE("parse_money_json takes strings and integers only", "[cli][money]") {
  CHECK(parse_money_json(nlohmann::json("90.5")) == 905'000);
  CHECK(parse_money_json(nlohmann::json(90)) == 900'000);
  CHECK(parse_money_json(nlohmann::json(0)) == 0);
  CHECK(parse_money_json(nlohmann::json(-3)) == -30'000);
  CHECK(parse_money_json(nlohmann::json(std::uint64_t{7})) == 70'000);

  SECTION("a JSON float would hide rounding, so it is refused") {
    Error error = error_of([] { parse_money_json(nlohmann::json(1.5)); });
    CHECK(error.code() == ExitCode::bad_input);
    CHECK_THAT(error.what(), Catch::Matchers::Contains("1.5") && Catch::Matchers::Contains("decimal string"));
  }
  SECTION("other types are refused") {
    for (const auto& value :
         {nlohmann::json(true), nlohmann::json(nullptr), nlohmann::json::array(), nlohmann::json::object()}) {
      INFO(value.dump());
      CHECK(error_of([&] { parse_money_json(value); }).code() == ExitCode::bad_input);
    }
  }
  SECTION("a huge integer is too large") {
    Error error = error_of([] { parse_money_json(nlohmann::json(std::numeric_limits<std::uint64_t>::max())); });
    CHECK(error.code() == ExitCode::bad_input);
    CHECK_THAT(error.what(), Catch::Matchers::Contains("too large"));
  }
  SECTION("a bad string names itself") {
    Error error = error_of([] { parse_money_json(nlohmann::json("1.23456")); });
    CHECK(error.code() == ExitCode::bad_input);
    CHECK_THAT(error.what(),
               Catch::Matchers::Contains("'1.23456'") && Catch::Matchers::Contains("more than 4 fraction digits"));
  }
}

TEST_CASE("format_money writes exactly four fraction digits", "[cli][money]") {
  CHECK(format_money(0) == "0.0000");
  CHECK(format_money(1) == "0.0001");
  CHECK(format_money(-1) == "-0.0001");
  CHECK(format_money(900'000) == "90.0000");
  CHECK(format_money(905'000) == "90.5000");
  CHECK(format_money(12'345) == "1.2345");
  CHECK(format_money(-125'000) == "-12.5000");
  CHECK(format_money(-10'000) == "-1.0000");
  CHECK(format_money(kMax) == "922337203685477.5807");
  // The most negative value cannot be negated in int64; format_money must not overflow
  // (the sanitizer build turns signed overflow into a failure).
  CHECK(format_money(kMin) == "-922337203685477.5808");
  CHECK(format_money(kMin + 1) == "-922337203685477.5807");
}

TEST_CASE("format_money and parse_money round trip", "[cli][money]") {
  for (MoneyUnits units :
       {MoneyUnits{0}, MoneyUnits{1}, MoneyUnits{-1}, MoneyUnits{9'999}, MoneyUnits{10'000}, MoneyUnits{-10'001},
        MoneyUnits{123'456'789}, MoneyUnits{-987'654'321'000}, MoneyUnits{922'337'203'685'469'999LL}}) {
    INFO(units);
    CHECK(parse_money(format_money(units)) == units);
  }
  for (const char* text : {"0.0000", "90.0000", "-0.0001", "12.3400"})
    CHECK(format_money(parse_money(text)) == text);
}

TEST_CASE("parse_money reads back the largest amounts format_money writes", "[cli][money][bug]") {
  // format_money(INT64_MAX) is "922337203685477.5807", a value that fits in int64 units;
  // reading it back should give the same value, not "too large".
  const std::string largest = format_money(kMax);
  CHECK(parse_money(largest) == kMax);
  CHECK(parse_money("922337203685470") == 9'223'372'036'854'700'000LL);
  CHECK(parse_money(format_money(-kMax)) == -kMax);
}
