#pragma once
// What the benchmarks share: timing, the report table, fresh stores, and running the
// real binaries as child processes.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/timestamp.hpp"
#include "queue/queue.hpp"
#include "store/store.hpp"

extern char** environ;

namespace sheratan::bench {

namespace fs = std::filesystem;

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// One figure: printed at once as "name value baseline", and kept for the markdown
/// table that print_table() prints at the end (tests/bench/run.sh copies it to README).
struct Row {
  std::string name, value, baseline, goal;
};

inline std::vector<Row>& rows() {
  static std::vector<Row> all;
  return all;
}

inline void report(const std::string& name, const std::string& value, const std::string& baseline,
                   const std::string& goal) {
  std::printf("%-44s %-22s %s\n", name.c_str(), value.c_str(), baseline.c_str());
  std::fflush(stdout);
  rows().push_back({name, value, baseline, goal});
}

inline void print_table() {
  std::printf("\n| figure | value | against the baseline | goal |\n|---|---|---|---|\n");
  for (const auto& row : rows())
    std::printf("| %s | %s | %s | %s |\n", row.name.c_str(), row.value.c_str(), row.baseline.c_str(), row.goal.c_str());
}

inline std::string fmt(double value, const char* unit) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, value >= 100 ? "%.0f %s" : "%.2f %s", value, unit);
  return buffer;
}

/// The value at quantile q (0..1) of sorted samples.
inline double quantile(const std::vector<double>& sorted, double q) {
  return sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1))];
}

inline std::unique_ptr<Store> fresh_store(const fs::path& path) {
  fs::remove(path);
  fs::remove(path.string() + "-wal");
  fs::remove(path.string() + "-shm");
  StoreOptions options;
  options.path = path;
  return Store::open(options);
}

/// Pushes `jobs` ready jobs of `kind` ({"n": i} as params), 50,000 a transaction.
inline void push_jobs(JobQueue& queue, const std::string& kind, int jobs) {
  std::vector<PushItem> batch;
  for (int i = 0; i < jobs; ++i) {
    JobSpec spec;
    spec.kind = kind;
    spec.queue = "default";
    spec.params = Json{{"n", i}};
    batch.push_back({spec, 0});
    if (batch.size() == 50'000 || i + 1 == jobs) {
      queue.push(batch, std::nullopt);
      batch.clear();
    }
  }
}

/// A fresh store at db holding `jobs` ready jobs of `kind`.
inline void push_jobs(const fs::path& db, const std::string& kind, int jobs) {
  auto store = fresh_store(db);
  SystemClock clock;
  JobQueue queue(*store, clock);
  push_jobs(queue, kind, jobs);
}

/// Claims and acks up to `total` jobs as worker "bench", `batch` per claim and per ack
/// transaction; returns how many were done.
inline int claim_and_ack(JobQueue& queue, int total, int batch) {
  ClaimRequest request;
  request.worker = "bench";
  request.limit = batch;
  int done = 0;
  while (done < total) {
    auto jobs = queue.claim(request);
    if (jobs.empty()) break;
    std::vector<AckRequest> acks;
    for (const auto& job : jobs)
      acks.push_back({{job.id, *job.lease_token}, Json{{"ok", true}}, 0});
    queue.ack_all(acks, JobQueue::AckReply::none);  // as a worker acks: no jobs back
    done += static_cast<int>(jobs.size());
  }
  return done;
}

/// As claim_and_ack, but in the worker's rounds (StoreBroker::report_and_claim): each
/// transaction acks the batch claimed before and claims the next, one commit a batch.
inline int claim_and_ack_in_rounds(Store& store, JobQueue& queue, int total, int batch) {
  ClaimRequest request;
  request.worker = "bench";
  request.limit = batch;
  std::vector<AckRequest> acks;
  int claimed = 0, done = 0;
  for (;;) {
    std::vector<Job> jobs;
    store.write([&] {
      if (!acks.empty()) queue.ack_all(acks, JobQueue::AckReply::none);
      if (claimed < total) jobs = queue.claim(request);
    });
    done += static_cast<int>(acks.size());
    acks.clear();
    if (jobs.empty()) break;
    claimed += static_cast<int>(jobs.size());
    for (const auto& job : jobs)
      acks.push_back({{job.id, *job.lease_token}, Json{{"ok", true}}, 0});
  }
  return done;
}

/// How many jobs of the store at db are done.
inline std::int64_t done_jobs(const fs::path& db) {
  StoreOptions options;
  options.path = db;
  auto store = Store::open(options);
  std::int64_t count = 0;
  store->read([&] {
    auto select = store->use("SELECT count(*) FROM jobs WHERE status = 'done'");
    if (select.step()) count = select.integer(0);
  });
  return count;
}

/// The raw SQLite limit on this disk that write rates are held against: single-row
/// inserts in one transaction, per second.
inline double raw_batched_inserts_per_second(const fs::path& dir) {
  auto store = fresh_store(dir / "raw.db");
  store->exec("CREATE TABLE raw (id INTEGER PRIMARY KEY, payload TEXT)");
  const int count = 200'000;
  auto start = std::chrono::steady_clock::now();
  store->write([&] {
    for (int i = 0; i < count; ++i)
      store->use("INSERT INTO raw (payload) VALUES ('{\"n\":1}')").run();
  });
  return count / seconds_since(start);
}

/// Starts a program with stdin and stdout from files (nullptr: /dev/null) or, with
/// stdout_fd >= 0, stdout on that descriptor.
inline pid_t spawn(const std::vector<std::string>& args, const char* stdin_path, const char* stdout_path,
                   int stdout_fd = -1) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (stdin_path) posix_spawn_file_actions_addopen(&actions, 0, stdin_path, O_RDONLY, 0);
  if (stdout_fd >= 0)
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
  else
    posix_spawn_file_actions_addopen(&actions, 1, stdout_path ? stdout_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
  std::vector<char*> argv;
  for (const auto& arg : args)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
    std::perror("posix_spawn");
    std::exit(1);
  }
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

/// Reads a pipe a line at a time, taking whatever the pipe holds with each read(): a
/// line written at once arrives with one read, as a program reading the pipe would take
/// it. (Read byte by byte, a 600-byte line cost 600 system calls, about a millisecond
/// here, which the latencies timed to its arrival then counted as the writer's.)
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}
  /// Reads up to and including the next newline; false at end of file before one.
  bool skip_line() {
    for (;;) {
      if (auto newline = buffered_.find('\n'); newline != std::string::npos) {
        buffered_.erase(0, newline + 1);
        return true;
      }
      char chunk[4096];
      const ssize_t got = read(fd_, chunk, sizeof chunk);
      if (got <= 0) return false;
      buffered_.append(chunk, static_cast<std::size_t>(got));
    }
  }

 private:
  int fd_;
  std::string buffered_;
};

inline int wait_child(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// Whether the process holds an inotify descriptor: a waiter has armed its watch.
inline bool has_inotify_descriptor(pid_t pid) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", error)) {
    std::error_code link_error;
    auto target = fs::read_symlink(entry.path(), link_error);
    if (!link_error && target.string().find("inotify") != std::string::npos) return true;
  }
  return false;
}

/// Spins (yielding) until the process has armed its inotify watch, for up to 10 s.
inline void wait_for_watch(pid_t pid) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!has_inotify_descriptor(pid) && std::chrono::steady_clock::now() < deadline)
    sched_yield();
}

/// Whether the process's main thread is blocked in epoll_wait or epoll_pwait (x86-64
/// system calls 232 and 281), as /proc/PID/syscall tells.
inline bool blocked_in_epoll(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/syscall");
  long number = -1;
  return (in >> number) && (number == 232 || number == 281);
}

/// Spins (yielding) until the process's main thread waits in its event loop, for up to
/// 10 s: a process that has just printed that it started may still be finishing its
/// first look at the store, and blocking afterwards is a context switch of its own.
inline void wait_until_blocked(pid_t pid) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!blocked_in_epoll(pid) && std::chrono::steady_clock::now() < deadline)
    sched_yield();
}

}  // namespace sheratan::bench
