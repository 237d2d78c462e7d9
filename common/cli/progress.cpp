#include "cli/progress.hpp"

#include <unistd.h>

#include <cstdio>

#include "cli/message.hpp"
#include "cli/timestamp.hpp"

namespace sheratan {

ProgressLine::ProgressLine(std::string what, std::string unit)
    : what_(std::move(what)), unit_(std::move(unit)), enabled_(isatty(STDERR_FILENO) != 0 && !quiet()) {
  last_ms_ = monotonic_millis() - 100;  // the first count shows at once
}

ProgressLine::~ProgressLine() {
  if (printed_) std::fputs("\r\033[K", stderr);
}

void ProgressLine::update(std::int64_t count) {
  if (!enabled_) return;
  const std::int64_t now = monotonic_millis();
  if (now - last_ms_ < 100) return;
  last_ms_ = now;
  printed_ = true;
  std::fprintf(stderr, "\r%s: %s: %lld %s\033[K", program_name().c_str(), what_.c_str(), static_cast<long long>(count),
               unit_.c_str());
  std::fflush(stderr);
}

}  // namespace sheratan
