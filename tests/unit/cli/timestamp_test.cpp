// Unit tests for common/cli/timestamp: format_rfc3339, parse_rfc3339 and the clocks.
#include <catch2/catch.hpp>

#include <cstdio>
#include <ctime>
#include <string>

#include "cli/error.hpp"
#include "cli/timestamp.hpp"
#include "support/test_support.hpp"

using sheratan::EpochMillis;
using sheratan::Error;
using sheratan::ExitCode;
using sheratan::format_rfc3339;
using sheratan::parse_rfc3339;

using sheratan::testing::error_of;

namespace {

// 2026-11-26T19:20:00Z: 20,783 days after the epoch, plus 19:20.
constexpr EpochMillis kExample = (20'783LL * 86'400 + 19 * 3'600 + 20 * 60) * 1'000;

}  // namespace

TEST_CASE("format_rfc3339 writes UTC with milliseconds", "[cli][timestamp]") {
  CHECK(format_rfc3339(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339(1) == "1970-01-01T00:00:00.001Z");
  CHECK(format_rfc3339(kExample) == "2026-11-26T19:20:00.000Z");
  CHECK(format_rfc3339(kExample + 123) == "2026-11-26T19:20:00.123Z");
  CHECK(format_rfc3339(951'782'400'000) == "2000-02-29T00:00:00.000Z");  // a leap day
  CHECK(format_rfc3339(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(format_rfc3339(-1'000) == "1969-12-31T23:59:59.000Z");
}

TEST_CASE("format_rfc3339 agrees with gmtime_r from year 0 to 9999", "[cli][timestamp]") {
  // Steps of five days and 7,919 s walk every month, leap days and times of day.
  for (EpochMillis ms = -62'167'219'200'000; ms < 253'402'300'800'000; ms += (5 * 86'400 + 7'919) * 1'000LL + 37) {
    const std::time_t seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    std::tm utc{};
    REQUIRE(gmtime_r(&seconds, &utc) != nullptr);
    char expected[64];
    std::snprintf(expected, sizeof expected, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                  utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(ms - seconds * 1000LL));
    REQUIRE(format_rfc3339(ms) == expected);
  }
  CHECK(format_rfc3339(-62'167'219'200'001) == "-001-12-31T23:59:59.999Z");
  CHECK(format_rfc3339(253'402'300'800'000) == "10000-01-01T00:00:00.000Z");
}

TEST_CASE("parse_rfc3339 reads Z, fractions and offsets", "[cli][timestamp]") {
  CHECK(parse_rfc3339("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_rfc3339("1970-01-01T00:00:00.000Z") == 0);
  CHECK(parse_rfc3339("2026-11-26T19:20:00Z") == kExample);
  CHECK(parse_rfc3339("2026-11-26T19:20:00.123Z") == kExample + 123);
  CHECK(parse_rfc3339("2026-11-26T19:20:00.1Z") == kExample + 100);
  CHECK(parse_rfc3339("2026-11-26T19:20:00.12Z") == kExample + 120);
  // Digits past the millisecond are truncated, not rounded.
  CHECK(parse_rfc3339("2026-11-26T19:20:00.123999Z") == kExample + 123);
  CHECK(parse_rfc3339("2026-11-26t19:20:00z") == kExample);
  CHECK(parse_rfc3339("2026-11-26 19:20:00Z") == kExample);

  SECTION("offsets are subtracted to reach UTC") {
    CHECK(parse_rfc3339("2026-11-26T21:20:00+02:00") == kExample);
    CHECK(parse_rfc3339("2026-11-26T21:20:00.123+02:00") == kExample + 123);
    CHECK(parse_rfc3339("2026-11-26T13:50:00-05:30") == kExample);
    CHECK(parse_rfc3339("2026-11-26T19:20:00+00:00") == kExample);
    CHECK(parse_rfc3339("2026-11-26T19:20:00-00:00") == kExample);
    // An offset can move the date: 01:00 at +02:00 is 23:00 the day before in UTC.
    CHECK(parse_rfc3339("1970-01-02T01:00:00+02:00") == 23LL * 3'600'000);
  }
  SECTION("before the epoch") {
    CHECK(parse_rfc3339("1969-12-31T23:59:59.999Z") == -1);
    CHECK(parse_rfc3339("1969-12-31T23:59:59Z") == -1'000);
  }
}

TEST_CASE("format_rfc3339 and parse_rfc3339 round trip", "[cli][timestamp]") {
  for (EpochMillis ms :
       {EpochMillis{0}, EpochMillis{1}, EpochMillis{999}, EpochMillis{-1}, EpochMillis{-86'400'001}, kExample,
        kExample + 7, EpochMillis{951'782'400'123}, EpochMillis{4'102'444'799'999}, EpochMillis{253'402'300'799'999}}) {
    INFO(ms);
    CHECK(parse_rfc3339(format_rfc3339(ms)) == ms);
  }
  for (const char* text :
       {"2026-11-26T19:20:00.123Z", "1970-01-01T00:00:00.000Z", "2000-02-29T12:34:56.789Z", "9999-12-31T23:59:59.999Z"})
    CHECK(format_rfc3339(parse_rfc3339(text)) == text);
  CHECK(format_rfc3339(parse_rfc3339("2026-11-26T21:20:00.5+02:00")) == "2026-11-26T19:20:00.500Z");
}

TEST_CASE("parse_rfc3339 refuses what is not RFC 3339, naming the text", "[cli][timestamp]") {
  for (const char* text : {"",
                           "garbage",
                           "2026",
                           "2026-11-26",
                           "2026-11-26T19:20:00",
                           "2026-11-26T19:20Z",
                           "2026/11/26T19:20:00Z",
                           "2026-11-26X19:20:00Z",
                           "2026-13-01T00:00:00Z",
                           "2026-00-10T00:00:00Z",
                           "2026-11-00T00:00:00Z",
                           "2026-11-32T00:00:00Z",
                           "2026-11-26T24:00:00Z",
                           "2026-11-26T19:60:00Z",
                           "2026-11-26T19:20:61Z",
                           "2026-11-26T19:20:00.Z",
                           "2026-11-26T19:20:00+0200",
                           "2026-11-26T19:20:00+02",
                           "2026-11-26T19:20:00+2:00",
                           "2026-11-26T19:20:00Zjunk",
                           "2026-11-26T19:20:00 Z",
                           "2026-11-26T19:20:00.123",
                           "+2026-11-26T19:20:00Z",
                           "2026-1a-26T19:20:00Z"}) {
    INFO("text: \"" << text << "\"");
    Error error = error_of([&] { parse_rfc3339(text); });
    CHECK(error.code() == ExitCode::bad_input);
    CHECK_THAT(error.what(), Catch::Matchers::Contains("invalid time '" + std::string(text) + "'"));
  }
}

TEST_CASE("parse_rfc3339 refuses days that do not exist in the month", "[cli][timestamp][bug]") {
  // RFC 3339 section 5.7: the day must exist in its month and year.
  for (const char* text : {"2026-02-30T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z"}) {
    INFO("text: \"" << text << "\"");
    CHECK_THROWS_AS(parse_rfc3339(text), Error);
  }
  CHECK(parse_rfc3339("2024-02-29T00:00:00Z") == 1'709'164'800'000);  // a real leap day
}

TEST_CASE("SystemClock reads the wall clock and monotonic_millis does not go back", "[cli][timestamp]") {
  sheratan::SystemClock clock;
  const EpochMillis now = clock.now();
  CHECK(now > parse_rfc3339("2024-01-01T00:00:00Z"));
  CHECK(now < parse_rfc3339("2200-01-01T00:00:00Z"));
  const auto first = sheratan::monotonic_millis();
  const auto second = sheratan::monotonic_millis();
  CHECK(second >= first);
}

TEST_CASE("parse_rfc3339 refuses a time that its offset carries past year 9999 or before year 0",
          "[cli][timestamp][bug]") {
  CHECK_THROWS_AS(parse_rfc3339("9999-12-31T23:59:59.999-01:00"), Error);
  CHECK_THROWS_AS(parse_rfc3339("0000-01-01T00:00:00+01:00"), Error);
  // The bounds themselves are times, and write back as read.
  CHECK(format_rfc3339(parse_rfc3339("9999-12-31T23:59:59.999Z")) == "9999-12-31T23:59:59.999Z");
  CHECK(format_rfc3339(parse_rfc3339("0000-01-01T00:00:00.000Z")) == "0000-01-01T00:00:00.000Z");
}
