#include "worker/exec_run.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <set>
#include <vector>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "worker/unique_fd.hpp"

extern char** environ;

namespace sheratan {

namespace {
constexpr std::size_t kMaxStdout = 16 << 20;   // a result larger than this is refused
constexpr std::size_t kKeptStderr = 64 << 10;  // only the tail of stderr is ever shown
constexpr std::size_t kErrorTail = 2000;
constexpr int kTempFail = 75;  // EX_TEMPFAIL from sysexits.h

/// The job's JSON in an anonymous file to serve as the program's stdin: no pipe to
/// feed, and so no SIGPIPE when a program exits without reading it.
UniqueFd job_as_file(const Job& job) {
  UniqueFd fd(::memfd_create("sheratan-job", MFD_CLOEXEC));
  if (fd.get() < 0) return fd;
  std::string text;
  job.append_json_text(text);
  text += '\n';
  std::size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return UniqueFd();
    written += static_cast<std::size_t>(n);
  }
  ::lseek(fd.get(), 0, SEEK_SET);
  return fd;
}

std::vector<std::string> environment_for(const Job& job) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry; ++entry) {
    std::string_view text(*entry);
    if (text.starts_with("SHERATAN_JOB_ID=") || text.starts_with("SHERATAN_JOB_KIND=") ||
        text.starts_with("SHERATAN_ATTEMPT="))
      continue;
    env.emplace_back(text);
  }
  env.push_back("SHERATAN_JOB_ID=" + job.id);
  env.push_back("SHERATAN_JOB_KIND=" + job.spec.kind);
  env.push_back("SHERATAN_ATTEMPT=" + std::to_string(job.attempts));
  return env;
}

}  // namespace

std::optional<std::vector<std::string>> plain_command_words(std::string_view command) {
  // Characters the shell gives no meaning to in a word (no quoting, expansion,
  // globbing, redirection, operators or comments).
  auto plain = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("_-./=:,+@%").find(c) != std::string_view::npos;
  };
  std::vector<std::string> words;
  std::string word;
  for (char c : command) {
    if (c == ' ') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else if (plain(c)) {
      word += c;
    } else {
      return std::nullopt;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  if (words.empty() || words.front().find('=') != std::string::npos) return std::nullopt;  // FOO=bar cmd
  // Builtins and keywords mean something else, or nothing, outside a shell.
  static const std::set<std::string_view> kShellWords{
      ".",      ":",    "[",    "alias",    "bg",      "break",   "case",  "cd",    "command", "continue",
      "do",     "done", "echo", "elif",     "else",    "esac",    "eval",  "exec",  "exit",    "export",
      "false",  "fg",   "fi",   "for",      "getopts", "hash",    "if",    "jobs",  "kill",    "local",
      "printf", "pwd",  "read", "readonly", "return",  "set",     "shift", "test",  "then",    "times",
      "trap",   "true", "type", "ulimit",   "umask",   "unalias", "unset", "until", "wait",    "while"};
  if (kShellWords.count(words.front())) return std::nullopt;
  return words;
}

struct ExecRun::Handles {
  uv_process_t process{};
  uv_pipe_t out{};
  uv_pipe_t err{};
  uv_timer_t kill_timer{};
  std::uint64_t kill_grace_ms = 0;  // between SIGTERM and SIGKILL of the group
  int open = 0;
  bool exited = false;
  bool stopping = false;
  std::int64_t exit_status = -1;
  int term_signal = 0;
  std::string out_text, err_text;
  bool out_overflow = false;
  std::string spawn_error;
  Finish finish;

  void closed();
  void close(void* handle);
  void kill_group(int signal) const {
    if (process.pid > 0) ::kill(-process.pid, signal);
  }
};

namespace {

ExecRun::Handles* handles_of(void* handle) {
  return static_cast<ExecRun::Handles*>(static_cast<uv_handle_t*>(handle)->data);
}

void allocate(uv_handle_t*, std::size_t suggested, uv_buf_t* buffer) {
  buffer->base = new char[suggested];
  buffer->len = suggested;
}

void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer) {
  auto* h = handles_of(stream);
  std::unique_ptr<char[]> owned(buffer->base);
  if (nread < 0) {
    h->close(stream);
    return;
  }
  std::string_view data(buffer->base, static_cast<std::size_t>(nread));
  if (stream == reinterpret_cast<uv_stream_t*>(&h->out)) {
    if (h->out_text.size() + data.size() > kMaxStdout)
      h->out_overflow = true;
    else
      h->out_text += data;
  } else {
    h->err_text += data;
    if (h->err_text.size() > 2 * kKeptStderr) h->err_text.erase(0, h->err_text.size() - kKeptStderr);
  }
}

}  // namespace

void ExecRun::Handles::close(void* handle) {
  auto* base = static_cast<uv_handle_t*>(handle);
  if (uv_is_closing(base)) return;
  uv_close(base, [](uv_handle_t* closed_handle) { handles_of(closed_handle)->closed(); });
}

void ExecRun::Handles::closed() {
  if (--open > 0) return;
  RunOutcome outcome = spawn_error.empty() ? outcome_of_exit(exit_status, term_signal, out_text, err_text, out_overflow)
                                           : RunOutcome::permanent(spawn_error);
  Finish done = std::move(finish);
  delete this;
  if (done) done(std::move(outcome));
}

ExecRun::ExecRun(uv_loop_t* loop, const std::string& command, const Job& job, Millis kill_grace, Finish finish)
    : handles_(new Handles) {
  Handles& h = *handles_;
  h.finish = std::move(finish);
  for (void* handle : {static_cast<void*>(&h.process), static_cast<void*>(&h.out), static_cast<void*>(&h.err),
                       static_cast<void*>(&h.kill_timer)})
    static_cast<uv_handle_t*>(handle)->data = handles_;
  uv_pipe_init(loop, &h.out, 0);
  uv_pipe_init(loop, &h.err, 0);
  uv_timer_init(loop, &h.kill_timer);
  h.kill_timer.data = handles_;
  h.kill_grace_ms = static_cast<std::uint64_t>(kill_grace);
  h.open = 4;

  UniqueFd stdin_file = job_as_file(job);
  std::vector<std::string> env = environment_for(job);
  std::vector<char*> env_pointers;
  for (auto& entry : env)
    env_pointers.push_back(entry.data());
  env_pointers.push_back(nullptr);
  // A plain command runs as it is; anything else through sh -c. Both behave the same,
  // but one exec costs half of two (and the shell would only exec the program anyway).
  std::vector<std::string> words =
      plain_command_words(command).value_or(std::vector<std::string>{"/bin/sh", "-c", command});
  std::vector<char*> args;
  for (auto& word : words)
    args.push_back(word.data());
  args.push_back(nullptr);
  uv_stdio_container_t stdio[3];
  stdio[0].flags = UV_INHERIT_FD;
  stdio[0].data.fd = stdin_file.get();
  stdio[1].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
  stdio[1].data.stream = reinterpret_cast<uv_stream_t*>(&h.out);
  stdio[2].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
  stdio[2].data.stream = reinterpret_cast<uv_stream_t*>(&h.err);
  uv_process_options_t options{};
  options.file = args.front();
  options.args = args.data();
  options.env = env_pointers.data();
  options.stdio = stdio;
  options.stdio_count = 3;
  options.flags = UV_PROCESS_DETACHED;  // setsid(): a group of its own, for timeouts to kill
  options.exit_cb = [](uv_process_t* process, std::int64_t status, int signal) {
    auto* handles = handles_of(process);
    handles->exited = true;
    handles->exit_status = status;
    handles->term_signal = signal;
    handles->kill_group(SIGKILL);  // what the program left behind in its group
    handles->close(&handles->kill_timer);
    handles->close(process);
  };
  if (stdin_file.get() < 0) {
    h.spawn_error = std::string("cannot pass the job on stdin: ") + std::strerror(errno);
    h.exited = true;
    h.open = 3;  // the process handle was never initialised
    for (void* handle : {static_cast<void*>(&h.out), static_cast<void*>(&h.err), static_cast<void*>(&h.kill_timer)})
      h.close(handle);
    return;
  }
  int code = uv_spawn(loop, &h.process, &options);
  if (code != 0) {
    // uv_spawn initialised the handle before it failed, so it is closed like the rest.
    h.spawn_error = "cannot start " + quote(command) + ": " + uv_strerror(code);
    h.exited = true;
    for (void* handle : {static_cast<void*>(&h.process), static_cast<void*>(&h.out), static_cast<void*>(&h.err),
                         static_cast<void*>(&h.kill_timer)})
      h.close(handle);
    return;
  }
  uv_read_start(reinterpret_cast<uv_stream_t*>(&h.out), allocate, on_read);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&h.err), allocate, on_read);
}

ExecRun::~ExecRun() = default;

void ExecRun::stop() {
  // handles_ lives until the run has finished; the owner calls stop() only before that.
  Handles& h = *handles_;
  if (h.exited || h.stopping) return;
  h.stopping = true;
  h.kill_group(SIGTERM);
  uv_timer_start(
      &h.kill_timer, [](uv_timer_t* timer) { handles_of(timer)->kill_group(SIGKILL); }, h.kill_grace_ms, 0);
}

RunOutcome outcome_of_exit(std::int64_t exit_status, int term_signal, const std::string& out, const std::string& err,
                           bool out_overflow) {
  std::string tail = text_tail(err, kErrorTail);
  auto with_tail = [&](std::string what) { return tail.empty() ? what : what + ": " + tail; };
  if (term_signal != 0) return RunOutcome::temporary(with_tail("killed by signal " + std::to_string(term_signal)));
  if (exit_status == kTempFail) return RunOutcome::temporary(with_tail("exit status 75 (retry)"));
  if (exit_status != 0) return RunOutcome::permanent(with_tail("exit status " + std::to_string(exit_status)));
  if (out_overflow) return RunOutcome::permanent("result on stdout is larger than 16 MiB");
  std::string trimmed = text_tail(out, out.size());
  if (trimmed.empty()) return RunOutcome::success(nullptr);
  try {
    require_shallow_json(trimmed);
    Json parsed = Json::parse(trimmed, nullptr, false);
    if (!parsed.is_discarded()) return RunOutcome::success(valid_utf8(parsed));
  } catch (const Error& error) {
    return RunOutcome::permanent(std::string("result on stdout: ") + error.what());
  }
  return RunOutcome::success(valid_utf8(Json{{"stdout", out}}));
}

}  // namespace sheratan
