#include "gates/reviewer.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "cli/error.hpp"
#include "cli/message.hpp"

extern char** environ;

namespace sheratan {
namespace {

constexpr std::size_t kMaxAnswerBytes = 1 << 20;

struct Pipe {
  int read = -1, write = -1;
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) fail(ExitCode::failed, "cannot make a pipe: " + system_error_text(errno));
    read = fds[0];
    write = fds[1];
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (read >= 0) ::close(read);
    read = -1;
  }
  void close_write() {
    if (write >= 0) ::close(write);
    write = -1;
  }
};

/// SIGPIPE ignored while it lives: a reviewer that exits without reading its stdin
/// gives the writer EPIPE, not death.
struct IgnoreSigpipe {
  struct sigaction before {};
  IgnoreSigpipe() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, &before);
  }
  ~IgnoreSigpipe() { sigaction(SIGPIPE, &before, nullptr); }
  IgnoreSigpipe(const IgnoreSigpipe&) = delete;
  IgnoreSigpipe& operator=(const IgnoreSigpipe&) = delete;
};

[[noreturn]] void reviewer_failed(const std::string& why) {
  fail(ExitCode::failed, "reviewer " + why);
}

}  // namespace

ReviewDecision parse_review_answer(std::string_view answer) {
  Json reply = Json::parse(answer, nullptr, false);
  if (reply.is_discarded() || !reply.is_object())
    reviewer_failed("answered " + quote(answer.substr(0, 200)) + ", not a JSON object");
  auto decision = reply.find("decision");
  if (decision == reply.end() || !decision->is_string() || (*decision != "approve" && *decision != "reject"))
    reviewer_failed("answer needs \"decision\": \"approve\" or \"reject\"");
  auto reason = reply.find("reason");
  if (reason == reply.end() || !reason->is_string() || reason->get_ref<const std::string&>().empty())
    reviewer_failed("answer needs a non-empty \"reason\"");
  for (auto it = reply.begin(); it != reply.end(); ++it)
    if (it.key() != "decision" && it.key() != "reason")
      reviewer_failed("answer has the unknown field " + quote(it.key()) + " (decision, reason)");
  return {*decision == "approve", reason->get<std::string>()};
}

ReviewDecision ask_reviewer(const std::string& command, const Json& input, Millis timeout) {
  IgnoreSigpipe no_sigpipe;
  Pipe in, out;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out.write, STDOUT_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  pid_t pid = 0;
  int spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, const_cast<char**>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) reviewer_failed(quote(command) + " cannot start: " + system_error_text(spawned));
  in.close_read();
  out.close_write();
  fcntl(in.write, F_SETFL, O_NONBLOCK);

  // Write the job while reading the answer, so that neither side can block the other.
  const std::string request = input.dump() + "\n";
  std::size_t written = 0;
  std::string answer;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout);
  bool timed_out = false;
  while (out.read >= 0) {
    pollfd fds[2] = {{out.read, POLLIN, 0}, {in.write, POLLOUT, 0}};
    const nfds_t count = in.write >= 0 ? 2 : 1;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    if (poll(fds, count, static_cast<int>(left.count())) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (count == 2 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = ::write(in.write, request.data() + written, request.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n < 0 && errno != EAGAIN) written = request.size();  // it stopped reading: fine
      if (written == request.size()) in.close_write();
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buffer[4096];
      ssize_t n = ::read(out.read, buffer, sizeof buffer);
      if (n > 0 && answer.size() < kMaxAnswerBytes) answer.append(buffer, static_cast<std::size_t>(n));
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) out.close_read();
    }
  }
  if (timed_out) kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) reviewer_failed(quote(command) + " ran past " + format_duration(timeout));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    reviewer_failed(quote(command) + (WIFEXITED(status) ? " exited " + std::to_string(WEXITSTATUS(status))
                                                        : " was killed by signal " + std::to_string(WTERMSIG(status))));
  while (!answer.empty() && (answer.back() == '\n' || answer.back() == '\r'))
    answer.pop_back();
  return parse_review_answer(answer);
}

}  // namespace sheratan
