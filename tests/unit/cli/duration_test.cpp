// Unit tests for common/cli/duration: parse_duration, parse_duration_json, format_duration.
#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "cli/duration.hpp"
#include "cli/error.hpp"
#include "support/test_support.hpp"

using sheratan::Error;
using sheratan::ExitCode;
using sheratan::format_duration;
using sheratan::Millis;
using sheratan::parse_duration;
using sheratan::parse_duration_json;

using sheratan::testing::error_of;

namespace {

constexpr Millis kHundredYears = 100LL * 365 * 24 * 3600 * 1000;

// Runs f, which must throw sheratan::Error; returns it for inspection.
void require_bad_duration(const std::string& text) {
  INFO("text: \"" << text << "\"");
  Error error = error_of([&] { parse_duration(text); });
  CHECK(error.code() == ExitCode::bad_input);
  CHECK_THAT(error.what(), Catch::Matchers::Contains("'" + text + "'"));
  CHECK_THAT(error.what(), Catch::Matchers::StartsWith("invalid duration"));
}

}  // namespace

TEST_CASE("parse_duration reads each unit", "[cli][duration]") {
  CHECK(parse_duration("250ms") == 250);
  CHECK(parse_duration("30s") == 30'000);
  CHECK(parse_duration("5m") == 300'000);
  CHECK(parse_duration("2h") == 7'200'000);
  CHECK(parse_duration("1d") == 86'400'000);
}

TEST_CASE("parse_duration reads sums, bare seconds and zero", "[cli][duration]") {
  CHECK(parse_duration("1m30s") == 90'000);
  CHECK(parse_duration("1h1m1s1ms") == 3'661'001);
  CHECK(parse_duration("1.5") == 1'500);
  CHECK(parse_duration("1.5s") == 1'500);
  CHECK(parse_duration("0.25m") == 15'000);
  CHECK(parse_duration("2") == 2'000);
  CHECK(parse_duration("0") == 0);
  CHECK(parse_duration("0ms") == 0);
}

TEST_CASE("parse_duration accepts exactly 100 years and refuses more", "[cli][duration]") {
  CHECK(parse_duration("36500d") == kHundredYears);
  Error error = error_of([] { parse_duration("36501d"); });
  CHECK(error.code() == ExitCode::bad_input);
  CHECK_THAT(error.what(), Catch::Matchers::Contains("'36501d'") && Catch::Matchers::Contains("100 years"));
}

TEST_CASE("parse_duration refuses malformed text naming it", "[cli][duration]") {
  for (const char* text : {"", "abc", "ms", "5x", "5 s", "-5s", "-1", "1..5s", ".", "30sec", "5s-"})
    require_bad_duration(text);
}

TEST_CASE("parse_duration explains unknown units", "[cli][duration]") {
  Error error = error_of([] { parse_duration("5w"); });
  CHECK(error.code() == ExitCode::bad_input);
  CHECK_THAT(error.what(), Catch::Matchers::Contains("'5w'") && Catch::Matchers::Contains("unknown unit"));
}

TEST_CASE("parse_duration_json takes strings and numbers of seconds", "[cli][duration]") {
  CHECK(parse_duration_json(nlohmann::json("30s")) == 30'000);
  CHECK(parse_duration_json(nlohmann::json("1m30s")) == 90'000);
  CHECK(parse_duration_json(nlohmann::json(2)) == 2'000);
  CHECK(parse_duration_json(nlohmann::json(0)) == 0);
  CHECK(parse_duration_json(nlohmann::json(1.5)) == 1'500);
  CHECK(parse_duration_json(nlohmann::json(0.25)) == 250);
  CHECK(parse_duration_json(nlohmann::json(std::uint64_t{60})) == 60'000);
}

TEST_CASE("parse_duration_json refuses negatives, other types and huge values", "[cli][duration]") {
  SECTION("negative integer") {
    Error error = error_of([] { parse_duration_json(nlohmann::json(-1)); });
    CHECK(error.code() == ExitCode::bad_input);
    CHECK_THAT(error.what(), Catch::Matchers::Contains("-1") && Catch::Matchers::Contains("negative"));
  }
  SECTION("negative fraction") {
    Error error = error_of([] { parse_duration_json(nlohmann::json(-0.5)); });
    CHECK(error.code() == ExitCode::bad_input);
    CHECK_THAT(error.what(), Catch::Matchers::Contains("negative"));
  }
  SECTION("boolean") {
    Error error = error_of([] { parse_duration_json(nlohmann::json(true)); });
    CHECK(error.code() == ExitCode::bad_input);
    CHECK_THAT(error.what(), Catch::Matchers::Contains("true"));
  }
  SECTION("null, array and object") {
    for (const auto& value : {nlohmann::json(nullptr), nlohmann::json::array({1}), nlohmann::json::object()}) {
      INFO(value.dump());
      CHECK(error_of([&] { parse_duration_json(value); }).code() == ExitCode::bad_input);
    }
  }
  SECTION("too large") {
    // 100 years is 3,153,600,000 s; one more second is too long.
    CHECK(parse_duration_json(nlohmann::json(3'153'600'000LL)) == kHundredYears);
    Error error = error_of([] { parse_duration_json(nlohmann::json(3'153'600'001LL)); });
    CHECK(error.code() == ExitCode::bad_input);
    CHECK_THAT(error.what(), Catch::Matchers::Contains("3153600001") && Catch::Matchers::Contains("100 years"));
    CHECK(error_of([] { parse_duration_json(nlohmann::json(1e300)); }).code() == ExitCode::bad_input);
  }
  SECTION("a bad string names the text") {
    Error error = error_of([] { parse_duration_json(nlohmann::json("soon")); });
    CHECK(error.code() == ExitCode::bad_input);
    CHECK_THAT(error.what(), Catch::Matchers::Contains("'soon'"));
  }
}

TEST_CASE("format_duration gives the shortest exact rendering", "[cli][duration]") {
  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(1) == "1ms");
  CHECK(format_duration(250) == "250ms");
  CHECK(format_duration(1'500) == "1500ms");
  CHECK(format_duration(1'000) == "1s");
  CHECK(format_duration(90'000) == "90s");
  CHECK(format_duration(300'000) == "5m");
  CHECK(format_duration(5'400'000) == "90m");
  CHECK(format_duration(7'200'000) == "2h");
  CHECK(format_duration(86'400'000) == "1d");
  CHECK(format_duration(90'000'000) == "25h");
}

TEST_CASE("format_duration output parses back to the same value", "[cli][duration]") {
  for (Millis ms : {Millis{0}, Millis{1}, Millis{999}, Millis{1'500}, Millis{61'000}, Millis{3'600'000},
                    Millis{90'000'000}, kHundredYears}) {
    INFO(ms);
    CHECK(parse_duration(format_duration(ms)) == ms);
  }
}
