// Worker benchmarks, each beside a baseline measured in the same run.
//
//   bench-worker BIN_DIR WORK_DIR
//
// Prints one line per figure, and a markdown table at the end (tests/bench/run.sh).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <thread>

#include "bench_support.hpp"
#include "cli/timestamp.hpp"
#include "queue/queue.hpp"

using namespace sheratan;
using namespace sheratan::bench;

namespace {

/// Jobs per second of one `sheratan-worker --drain` over `jobs` jobs of `kind`.
double drain_rate(const std::string& worker, const fs::path& db, const std::string& kind, int jobs,
                  const std::vector<std::string>& extra) {
  push_jobs(db, kind, jobs);
  std::vector<std::string> args{worker, "--db", db.string(), "--drain", "--quiet", "--concurrency", "4"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto start = std::chrono::steady_clock::now();
  if (wait_child(spawn(args, nullptr, nullptr)) != 0) std::fprintf(stderr, "worker failed\n");
  const double seconds = seconds_since(start);
  if (done_jobs(db) != jobs) std::fprintf(stderr, "only %lld of %d jobs done\n", (long long)done_jobs(db), jobs);
  return jobs / seconds;
}

/// Seconds `xargs -P4 -n1` takes to run `program` once per line of a 1,000-line input.
double xargs_seconds(const fs::path& dir, const std::string& program, int runs) {
  fs::path input = dir / "xargs.txt";
  {
    std::ofstream out(input);
    for (int i = 0; i < runs; ++i)
      out << i << "\n";
  }
  auto start = std::chrono::steady_clock::now();
  wait_child(spawn({"xargs", "-P4", "-n1", program}, input.c_str(), nullptr));
  return seconds_since(start);
}

/// Context switches of every thread of a process: each wake-up from epoll is one.
long context_switches(pid_t pid) {
  long total = 0;
  std::error_code error;
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", error)) {
    std::ifstream status(task.path() / "status");
    std::string line;
    while (std::getline(status, line))
      if (line.starts_with("voluntary_ctxt_switches:") || line.starts_with("nonvoluntary_ctxt_switches:"))
        total += std::atol(line.substr(line.find(':') + 1).c_str());
  }
  return total;
}

/// Reads the worker's event lines until one with this event name and job id.
bool read_event(FILE* events, const std::string& event, const std::string& job) {
  char line[4096];
  const std::string want_event = "\"event\":\"" + event + "\"", want_job = "\"job\":\"" + job + "\"";
  while (std::fgets(line, sizeof line, events))
    if (std::strstr(line, want_event.c_str()) && std::strstr(line, want_job.c_str())) return true;
  return false;
}

/// Starts an idle worker, counts its wake-ups over idle_seconds, then pushes `rounds`
/// jobs one at a time and measures from each push's commit to the worker's "claimed".
void idle_and_start_latency(const std::string& worker, const fs::path& db, int idle_seconds, int rounds) {
  auto store = fresh_store(db);
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) std::exit(1);
  pid_t pid = spawn({worker, "--db", db.string(), "--json", "--kinds", "noop"}, nullptr, nullptr, pipe_fds[1]);
  close(pipe_fds[1]);
  FILE* events = fdopen(pipe_fds[0], "r");
  wait_for_watch(pid);
  // The worker is idle once it has armed its watch and looked at the empty store.
  char line[4096];
  if (!std::fgets(line, sizeof line, events)) std::exit(1);  // "started"
  wait_until_blocked(pid);
  const long before = context_switches(pid);
  // Waiting for nothing is what is measured; there is no event to wait on instead.
  std::this_thread::sleep_for(std::chrono::seconds(idle_seconds));
  const long wakes = context_switches(pid) - before;
  report("wake-ups of an idle worker in " + std::to_string(idle_seconds) + " s", std::to_string(wakes),
         "context switches of all its threads", "0");

  SystemClock clock;
  JobQueue queue(*store, clock);
  std::vector<double> latencies;
  for (int i = 0; i < rounds; ++i) {
    JobSpec spec;
    spec.kind = "noop";
    spec.queue = "default";
    auto pushed = queue.push({{spec, 0}}, std::nullopt);
    auto committed = std::chrono::steady_clock::now();
    if (!read_event(events, "claimed", pushed.at(0).id)) break;
    latencies.push_back(seconds_since(committed) * 1000);
    if (!read_event(events, "done", pushed.at(0).id)) break;
  }
  kill(pid, SIGTERM);
  wait_child(pid);
  fclose(events);
  std::sort(latencies.begin(), latencies.end());
  if (latencies.empty()) return;
  report("start latency p50 (push commit → claimed)", fmt(quantile(latencies, 0.50), "ms"),
         std::to_string(latencies.size()) + " jobs pushed to an idle worker", "≤ 5 ms");
  report("start latency p99", fmt(quantile(latencies, 0.99), "ms"), "", "");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench-worker BIN_DIR WORK_DIR\n");
    return 2;
  }
  const std::string worker = fs::absolute(fs::path(argv[1]) / "sheratan-worker").string();
  const fs::path dir = argv[2];
  fs::create_directories(dir);
  std::printf("sheratan-worker benchmarks (synchronous=FULL, WAL) in %s\n\n", dir.c_str());

  const double noop = drain_rate(worker, dir / "noop.db", "noop", 100'000, {});
  report("100,000 noop jobs, --concurrency 4, --drain", fmt(noop, "jobs/s"), "", "≥ 20,000 jobs/s");

  const double xargs = xargs_seconds(dir, "/bin/true", 1000);
  const double exec = 1000 / drain_rate(worker, dir / "exec.db", "true", 1000, {"--exec", "/bin/true"});
  report("xargs -P4 -n1 /bin/true, 1,000 runs", fmt(xargs * 1000, "ms"), "baseline", "");
  report("1,000 --exec /bin/true jobs, --concurrency 4", fmt(exec * 1000, "ms"), fmt(exec / xargs, "× xargs"),
         "within 1.5× of xargs");

  idle_and_start_latency(worker, dir / "idle.db", 10, 200);
  print_table();
  return 0;
}
