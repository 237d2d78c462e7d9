#pragma once
// Time: integer milliseconds since the epoch (UTC) inside, RFC 3339 with milliseconds
// outside ("2026-11-26T19:20:00.123Z"). The clock sits behind an interface so that
// tests can move time by hand.

#include <cstdint>
#include <string>
#include <string_view>

namespace sheratan {

using EpochMillis = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual EpochMillis now() const = 0;
};

/// The wall clock (CLOCK_REALTIME).
class SystemClock final : public Clock {
 public:
  EpochMillis now() const override;
};

/// A monotonic reading in milliseconds, for deadlines that must not jump.
std::int64_t monotonic_millis();

/// "2026-11-26T19:20:00.123Z".
std::string format_rfc3339(EpochMillis ms);

/// Accepts RFC 3339 with or without fraction, with "Z" or a numeric offset.
/// Throws Error(bad_input) naming the text otherwise.
EpochMillis parse_rfc3339(std::string_view text);

}  // namespace sheratan
