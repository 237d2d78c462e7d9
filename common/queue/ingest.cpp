#include "queue/ingest.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <sstream>

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSuffix = ".job.json";

bool is_job_file(const std::string& name) {
  return name.size() > kSuffix.size() && name.ends_with(kSuffix) && name.front() != '.';
}

// A drop file larger than this is refused unread: one job's description is small, and
// a huge file would be held in memory whole and quoted in its error.
constexpr std::uintmax_t kMaxDropFileBytes = 16u << 20;

// Moves a file into a subfolder, creating it; rename keeps it atomic. A name already
// there (an earlier file of the same name) is kept: this one becomes NAME.1.job.json,
// NAME.2.job.json, ..., for a rejected file may be the only copy of what was sent.
// Returns nothing when the file is gone: another ingester moved it first.
std::optional<fs::path> move_into(const fs::path& file, const fs::path& folder) {
  fs::create_directories(folder);
  const std::string name = file.filename().string();
  const std::string stem = name.substr(0, name.size() - kSuffix.size());
  for (int copy = 0;; ++copy) {
    fs::path target = folder / (copy == 0 ? name : stem + "." + std::to_string(copy) + std::string(kSuffix));
    if (::renameat2(AT_FDCWD, file.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0) return target;
    // A file system without RENAME_NOREPLACE (NFS, some FUSE): link() refuses an
    // existing name as well, and the unlink completes the move.
    if ((errno == EINVAL || errno == ENOSYS) && ::link(file.c_str(), target.c_str()) == 0) {
      ::unlink(file.c_str());
      return target;
    }
    if (errno == EEXIST) continue;
    if (errno == ENOENT) return std::nullopt;
    fail(ExitCode::failed,
         "cannot move " + quote(file.string()) + " to " + quote(folder.string()) + ": " + system_error_text(errno));
  }
}

void write_error_file(const fs::path& rejected, const std::string& error, const Json& gate) {
  fs::path path = rejected;
  path.replace_filename(rejected.filename().string().substr(0, rejected.filename().string().size() - kSuffix.size()) +
                        ".error.json");
  std::ofstream out(path);
  Json record{{"file", rejected.filename().string()}, {"error", error}};
  if (!gate.is_null()) record["gate"] = gate;
  out << record.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
}

// The drop file's text, or why it cannot be taken (Error, bad input): not a regular
// file (a FIFO would block the reader), unreadable, or too large.
std::string read_drop_file(const fs::path& file) {
  std::error_code error;
  const fs::file_status status = fs::status(file, error);
  if (status.type() == fs::file_type::not_found && fs::is_symlink(fs::symlink_status(file, error)))
    fail(ExitCode::bad_input, "the symbolic link points to nothing");
  if (error) fail(ExitCode::bad_input, "cannot read it: " + message_fragment(error.message()));
  if (status.type() != fs::file_type::regular) fail(ExitCode::bad_input, "not a regular file");
  if (fs::file_size(file, error) > kMaxDropFileBytes)
    fail(ExitCode::bad_input, "larger than " + std::to_string(kMaxDropFileBytes >> 20) + " MiB");
  std::ifstream in(file);
  if (!in) fail(ExitCode::bad_input, "cannot read it: " + system_error_text(errno));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Json IngestResult::to_json() const {
  Json out{{"file", file}, {"accepted", accepted}};
  if (job) {
    out["id"] = job->id;
    out["status"] = to_string(job->status);
    out["duplicate"] = job->duplicate;
  } else {
    out["error"] = error;
  }
  if (!gate.is_null()) out["gate"] = gate;
  return out;
}

DropFolder::DropFolder(JobQueue& queue, fs::path folder, const Admission& admission,
                       std::optional<std::int64_t> max_depth, const Clock& clock)
    : queue_(queue), folder_(std::move(folder)), admission_(admission), max_depth_(max_depth), clock_(clock) {
  std::error_code error;
  if (fs::exists(folder_, error) && !fs::is_directory(folder_, error))
    fail(ExitCode::failed, "drop folder " + quote(folder_.string()) + " is not a folder");
  if (!fs::is_directory(folder_, error))
    fail(ExitCode::failed, "drop folder " + quote(folder_.string()) + " does not exist");
}

namespace {

/// The job a drop file describes, as a push line for the gates.
Json job_from_file(const Json& document) {
  Json job = Json::object();
  for (auto it = document.begin(); it != document.end(); ++it) {
    if (it.key() == "job_id") {
      if (!it->is_string() || it->get_ref<const std::string&>().empty())
        fail(ExitCode::bad_input, "field 'job_id' must be a non-empty string");
      job["idempotency_key"] = *it;
    } else if (it.key() == "payload") {
      if (!it->is_object()) fail(ExitCode::bad_input, "field 'payload' must be an object");
      // The original nested params under payload.params; some writers put them in
      // payload directly. Both at once would lose data, so that is refused.
      Json params = *it;
      if (it->contains("params")) {
        for (auto field = it->begin(); field != it->end(); ++field)
          if (field.key() != "params" && field.key() != "kind")
            fail(ExitCode::bad_input, "field 'payload." + field.key() + "' is unknown beside 'payload.params'");
        params = (*it)["params"];
      }
      if (params.is_object()) params.erase("kind");
      job["params"] = params;
      if (!document.contains("kind") && it->contains("kind")) job["kind"] = (*it)["kind"];
    } else if (it.key() == "idempotency_key") {
      fail(ExitCode::bad_input, "field 'idempotency_key' is not allowed in a drop file: 'job_id' is the key");
    } else {
      job[it.key()] = *it;
    }
  }
  if (!job.contains("idempotency_key")) fail(ExitCode::bad_input, "field 'job_id' is required");
  return job;
}

}  // namespace

std::optional<IngestResult> DropFolder::ingest_file(const std::string& name) {
  if (!is_job_file(name)) return std::nullopt;
  fs::path file = folder_ / name;
  std::error_code gone;
  if (!fs::exists(fs::symlink_status(file, gone))) return std::nullopt;  // taken by another ingester
  IngestResult result;
  result.file = name;
  try {
    Json document = parse_json_object(read_drop_file(file), 0, "a drop file");
    const EpochMillis now = clock_.now();
    Admitted admitted = admission_.admit(job_from_file(document), 0, now);
    if (admitted.report.verdict != Verdict::pass) result.gate = admitted.report.to_json();
    result.job = queue_.push({admitted.item}, max_depth_, now).front();
    result.accepted = true;
  } catch (const GateRefusal& refusal) {
    result.error = refusal.what();
    result.error_code = refusal.code();
    result.gate = refusal.report();
  } catch (const Error& error) {
    if (error.code() == ExitCode::unavailable) throw;  // store busy or queue full: leave the file for later
    result.error = error.what();
    result.error_code = error.code();
  }
  if (result.accepted) {
    if (!move_into(file, folder_ / "ingested")) return std::nullopt;  // another ingester moved it first
  } else {
    auto rejected = move_into(file, folder_ / "rejected");
    if (!rejected) return std::nullopt;
    write_error_file(*rejected, result.error, result.gate);
  }
  return result;
}

void DropFolder::ingest_all(const std::function<void(const IngestResult&)>& report) {
  std::vector<std::string> names;
  // Every entry with a job file's name: one that is no regular file is rejected, not
  // skipped without a word.
  for (const auto& entry : fs::directory_iterator(folder_)) {
    std::error_code error;  // a link in a loop, or to where we may not look: rejected when read
    if (!entry.is_directory(error) && is_job_file(entry.path().filename().string()))
      names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names)
    if (auto result = ingest_file(name)) report(*result);
}

namespace {

// While the store is busy or the queue full, the watcher keeps the files and tries
// them all again after this wait, doubled up to the cap.
constexpr std::uint64_t kFirstRetryMs = 250, kMostRetryMs = 8000;

struct Watch {
  DropFolder* folder;
  const std::function<void(const IngestResult&)>* report;
  int inotify_fd;
  int exit_code = 0;
  std::optional<Error> error;
  uv_loop_t* loop;
  uv_timer_t retry;
  std::uint64_t retry_ms = 0;  // 0: no retry pending

  // Runs one ingest step. A temporary failure (exit 5) leaves the file in place and
  // arms the retry timer; any other error ends the watch.
  template <typename Step>
  void attempt(Step&& step) {
    try {
      try {
        step();
      } catch (const std::filesystem::filesystem_error& failure) {
        throw Error(ExitCode::failed, "drop folder " + quote(folder->path().string()) + ": " +
                                          message_fragment(failure.code().message()) + " (" +
                                          failure.path1().filename().string() + ")");
      }
    } catch (const Error& failure) {
      if (failure.code() != ExitCode::unavailable) {
        error = failure;
        uv_stop(loop);
        return;
      }
      if (retry_ms == 0) {
        retry_ms = kFirstRetryMs;
        print_warning(std::string(failure.what()) + "; the files stay and are tried again");
      } else if (uv_is_active(reinterpret_cast<uv_handle_t*>(&retry))) {
        return;  // already waiting
      } else {
        retry_ms = std::min(retry_ms * 2, kMostRetryMs);
      }
      uv_timer_start(&retry, on_retry, retry_ms, 0);
      return;
    }
  }

  static void on_retry(uv_timer_t* timer) {
    auto* watch = static_cast<Watch*>(timer->data);
    bool succeeded = false;
    watch->attempt([&] {
      watch->folder->ingest_all(*watch->report);
      succeeded = true;
    });
    if (succeeded) watch->retry_ms = 0;
  }
};

// A name that inotify reported as created: whether it is whole already. A new file's
// creation is followed by its IN_CLOSE_WRITE, which is what counts for it; a symbolic
// link, a FIFO (rejected when read) or a second hard link to a file gets no more events.
bool whole_when_created(const fs::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return false;
  return !S_ISREG(info.st_mode) || info.st_nlink > 1;
}

}  // namespace

int DropFolder::watch(const std::function<void(const IngestResult&)>& report) {
  // Raw inotify, because uv_fs_event does not report IN_CLOSE_WRITE and a file must
  // not be read while its writer is still writing it.
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) fail(ExitCode::failed, "cannot start inotify: " + system_error_text(errno));
  if (inotify_add_watch(fd, folder_.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF) <
      0) {
    ::close(fd);
    fail(ExitCode::failed, "cannot watch " + quote(folder_.string()) + ": " + system_error_text(errno));
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  Watch state{this, &report, fd, 0, std::nullopt, &loop, {}, 0};
  uv_timer_init(&loop, &state.retry);
  state.retry.data = &state;
  // After the watch is armed, so that nothing slips between.
  state.attempt([&] { ingest_all(report); });
  uv_poll_t poll;
  uv_signal_t sigint, sigterm;
  uv_poll_init(&loop, &poll, fd);
  uv_signal_init(&loop, &sigint);
  uv_signal_init(&loop, &sigterm);
  poll.data = sigint.data = sigterm.data = &state;
  uv_poll_start(&poll, UV_READABLE, [](uv_poll_t* handle, int, int) {
    auto* watch = static_cast<Watch*>(handle->data);
    alignas(inotify_event) char buffer[64 * 1024];
    for (;;) {
      ssize_t got = ::read(watch->inotify_fd, buffer, sizeof buffer);
      if (got <= 0) break;
      for (char* at = buffer; at < buffer + got;) {
        auto* event = reinterpret_cast<inotify_event*>(at);
        at += sizeof(inotify_event) + event->len;
        if (watch->error) return;
        if (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
          // Nothing more can arrive where the operator drops files: say so and stop,
          // rather than watch a folder that is gone.
          watch->error = Error(ExitCode::failed, "drop folder " + quote(watch->folder->path().string()) +
                                                     " was removed or moved: nothing more can arrive");
          uv_stop(watch->loop);
          return;
        }
        if (event->mask & IN_CREATE && !whole_when_created(watch->folder->path() / (event->len ? event->name : "")))
          continue;
        watch->attempt([&] {
          if (event->mask & IN_Q_OVERFLOW || watch->retry_ms != 0) {
            // Events were lost, or files wait for a retry: look at everything, in order.
            watch->folder->ingest_all(*watch->report);
            watch->retry_ms = 0;
          } else if (event->len > 0) {
            if (auto result = watch->folder->ingest_file(event->name)) (*watch->report)(*result);
          }
        });
      }
    }
  });
  auto on_signal = [](uv_signal_t* handle, int signum) {
    auto* watch = static_cast<Watch*>(handle->data);
    watch->exit_code = signum == SIGINT ? 130 : 143;
    uv_stop(watch->loop);
  };
  uv_signal_start(&sigint, on_signal, SIGINT);
  uv_signal_start(&sigterm, on_signal, SIGTERM);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_close(reinterpret_cast<uv_handle_t*>(&poll), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&state.retry), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigint), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigterm), nullptr);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  ::close(fd);
  if (state.error) throw *state.error;
  return state.exit_code;
}

}  // namespace sheratan
