#include "cli/output_signals.hpp"

#include <limits.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace sheratan {
namespace {

volatile std::sig_atomic_t noted = 0;

void note(int signum) {
  noted = signum;
}

sigset_t int_and_term() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void OutputSignals::block() {
  const sigset_t set = int_and_term();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void OutputSignals::unblock() {
  const sigset_t set = int_and_term();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

OutputSignals::OutputSignals() {
  noted = 0;
  struct sigaction action {};
  action.sa_handler = note;
  sigemptyset(&action.sa_mask);
  // No SA_RESTART: a write blocked on a full pipe returns EINTR, so that a stalled
  // reader cannot keep the signal from taking effect.
  action.sa_flags = 0;
  sigaction(SIGINT, &action, &old_int_);
  sigaction(SIGTERM, &action, &old_term_);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPIPE, &ignore, &old_pipe_);
  unblock();
}

OutputSignals::~OutputSignals() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
  sigaction(SIGPIPE, &old_pipe_, nullptr);
}

int OutputSignals::received() {
  return noted;
}

std::size_t write_lines(std::string_view text, int* error) {
  std::size_t lines = 0;
  for (std::size_t at = 0; at < text.size();) {
    if (OutputSignals::received()) return lines;
    std::size_t end = text.find('\n', at);
    end = end == std::string_view::npos ? text.size() : end + 1;
    std::size_t group = 1;
    for (std::size_t next; (next = text.find('\n', end)) != std::string_view::npos && next + 1 - at <= PIPE_BUF;) {
      end = next + 1;
      ++group;
    }
    for (std::size_t done = at; done < end;) {
      const ssize_t wrote = ::write(STDOUT_FILENO, text.data() + done, end - done);
      if (wrote > 0) {
        done += static_cast<std::size_t>(wrote);
      } else if (errno == EINTR && done == at) {
        return lines;  // nothing of the group went out
      } else if (errno != EINTR) {
        *error = errno;
        return lines + static_cast<std::size_t>(std::count(text.begin() + static_cast<std::ptrdiff_t>(at),
                                                           text.begin() + static_cast<std::ptrdiff_t>(done), '\n'));
      }
    }
    lines += group;
    at = end;
  }
  return lines;
}

}  // namespace sheratan
