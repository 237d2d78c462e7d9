#include "cli/timestamp.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan {

EpochMillis SystemClock::now() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t monotonic_millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

namespace {

struct UtcTime {
  std::int64_t year;
  int month, day, hour, minute, second;
};

/// The UTC calendar date and time of a second since the epoch, by arithmetic alone
/// (Howard Hinnant's algorithm, the inverse of days_from_civil below). glibc's gmtime_r
/// first loads the local time zone, /etc/localtime: seven system calls in every one-shot
/// command that prints a time.
UtcTime utc_time(std::int64_t seconds) {
  const std::int64_t days = (seconds >= 0 ? seconds : seconds - 86'399) / 86'400;
  const auto in_day = static_cast<int>(seconds - days * 86'400);
  const std::int64_t z = days + 719'468;
  const std::int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const std::int64_t of_era = z - era * 146'097;                                                         // [0, 146096]
  const std::int64_t year_of_era = (of_era - of_era / 1460 + of_era / 36'524 - of_era / 146'096) / 365;  // [0, 399]
  const std::int64_t day_of_year = of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);   // [0, 365]
  const std::int64_t shifted_month = (5 * day_of_year + 2) / 153;  // [0, 11], from March
  const auto day = static_cast<int>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  const auto month = static_cast<int>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day, in_day / 3600, in_day / 60 % 60, in_day % 60};
}

}  // namespace

std::string format_rfc3339(EpochMillis ms) {
  const std::int64_t seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  const auto millis = static_cast<int>(ms - seconds * 1000);
  const UtcTime utc = utc_time(seconds);
  if (utc.year < 0 || utc.year > 9999) {
    char buffer[128];  // roomy enough for any year, so the compiler can prove no truncation
    std::snprintf(buffer, sizeof buffer, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", static_cast<long long>(utc.year),
                  utc.month, utc.day, utc.hour, utc.minute, utc.second, millis);
    return buffer;
  }
  // Every journal entry prints two of these: digits by hand cost a tenth of snprintf.
  std::string out = "0000-00-00T00:00:00.000Z";
  auto put = [&out](std::size_t at, int value, int width) {
    for (std::size_t i = at + static_cast<std::size_t>(width); i > at; value /= 10)
      out[--i] = static_cast<char>('0' + value % 10);
  };
  put(0, static_cast<int>(utc.year), 4);
  put(5, utc.month, 2);
  put(8, utc.day, 2);
  put(11, utc.hour, 2);
  put(14, utc.minute, 2);
  put(17, utc.second, 2);
  put(20, millis, 3);
  return out;
}

namespace {

int digits(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return -1;
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(int year, int month, int day) {
  year -= month <= 2;
  const int era = (year >= 0 ? year : year - 399) / 400;
  const int yoe = year - era * 400;
  const int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

}  // namespace

EpochMillis parse_rfc3339(std::string_view text) {
  auto bad = [&]() -> EpochMillis {
    fail(ExitCode::bad_input, "invalid time " + quote(text) + ": expected RFC 3339 such as 2026-11-26T19:20:00Z");
  };
  int year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
  int hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
  auto days_in_month = [](int y, int m) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : kDays[m - 1];
  };
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' || text[16] != ':')
    return bad();
  std::size_t at = 19;
  int millis = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    int scale = 100, count = 0;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      millis += (text[at] - '0') * scale;
      scale /= 10;
      ++at;
      ++count;
    }
    if (count == 0) return bad();
  }
  int offset_minutes = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    int oh = digits(text, at + 1, 2), om = digits(text, at + 4, 2);
    if (oh < 0 || om < 0 || text[at + 3] != ':') return bad();
    offset_minutes = (text[at] == '+' ? 1 : -1) * (oh * 60 + om);
    at += 6;
  } else {
    return bad();
  }
  if (at != text.size()) return bad();
  std::int64_t seconds =
      days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  const EpochMillis at_utc = seconds * 1000 + millis;
  // An offset can carry a time past the four-digit years that RFC 3339 can write back
  // ("9999-12-31T23:59:59-01:00"), or before year 0.
  static const EpochMillis kLatest = days_from_civil(10000, 1, 1) * 86'400'000 - 1;
  static const EpochMillis kEarliest = days_from_civil(0, 1, 1) * 86'400'000;
  if (at_utc > kLatest || at_utc < kEarliest)
    fail(ExitCode::bad_input, "time " + quote(text) + " is outside the years 0000 to 9999 in UTC");
  return at_utc;
}

}  // namespace sheratan
