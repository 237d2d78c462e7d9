#include "cli/output_signals.hpp"

#include <pthread.h>

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

}  // namespace sheratan
