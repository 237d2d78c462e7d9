#include "cli/prepared_batches.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan {

ReadInterrupt::ReadInterrupt() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd_ < 0) fail(ExitCode::failed, std::string("cannot create an eventfd: ") + system_error_text(errno));
}

ReadInterrupt::~ReadInterrupt() {
  ::close(fd_);
}

void ReadInterrupt::signal() {
  // An eventfd's counter only overflows after 2^64 - 2 signals; one is enough.
  const std::uint64_t one = 1;
  while (::write(fd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

}  // namespace sheratan
