// Queue benchmarks. Each figure is printed beside a baseline measured in the same run:
// the raw SQLite limits on this machine (single-row fsync'd transactions per second,
// batched inserts per second), so that the ratios mean something on any machine.
//
//   bench-queue BIN_DIR WORK_DIR [JOBS_FOR_LARGE_STORE]
//
// Prints one "name: value unit (note)" line per figure, and a markdown table at the end.
#include <fstream>

#include "bench_support.hpp"
#include "cli/timestamp.hpp"
#include "queue/queue.hpp"

using namespace sheratan;
using namespace sheratan::bench;

namespace {

// ---- raw SQLite limits --------------------------------------------------------

double raw_fsync_transactions_per_second(const fs::path& dir) {
  auto store = fresh_store(dir / "raw.db");
  store->exec("CREATE TABLE raw (id INTEGER PRIMARY KEY, payload TEXT)");
  const int count = 1000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i)
    store->write([&] { store->use("INSERT INTO raw (payload) VALUES ('x')").run(); });
  return count / seconds_since(start);
}

// ---- the queue's figures ------------------------------------------------------

double push_from_pipe(const std::string& tool, const fs::path& dir, int jobs) {
  fs::path input = dir / "jobs.jsonl";
  {
    std::ofstream out(input);
    for (int i = 0; i < jobs; ++i)
      out << "{\"kind\":\"bench\",\"params\":{\"n\":" << i << "}}\n";
  }
  fresh_store(dir / "push.db");
  auto start = std::chrono::steady_clock::now();
  pid_t pid = spawn({tool, "--db", (dir / "push.db").string(), "push"}, input.c_str(), nullptr);
  if (wait_child(pid) != 0) {
    std::fprintf(stderr, "bench-queue: the push failed; no figure\n");
    std::exit(1);
  }
  return jobs / seconds_since(start);
}

/// Jobs per second of claim_and_ack: `total` jobs, `batch` per claim and per ack transaction.
double claim_ack_rate(JobQueue& queue, int total, int batch) {
  auto start = std::chrono::steady_clock::now();
  const int done = claim_and_ack(queue, total, batch);
  return done / seconds_since(start);
}

/// Claim+ack in batches, both ways a client can commit them, in rounds that alternate
/// (which goes first alternates too) so that a slow spell of the host or the disk
/// weighs on both alike: claim and ack each committing (claim_and_ack), and the
/// worker's rounds of one commit (claim_and_ack_in_rounds). Each way's rate is that of
/// its median round, and over all its rounds.
struct ClaimAckRates {
  double separate = 0, in_rounds = 0;                  // median round
  double separate_overall = 0, in_rounds_overall = 0;  // all jobs over all rounds' time
};

ClaimAckRates claim_ack_alternating(Store& store, JobQueue& queue, int rounds, int per_round, int batch) {
  std::vector<double> separate, in_rounds;
  double separate_total = 0, in_rounds_total = 0;
  auto time_separate = [&] {
    auto start = std::chrono::steady_clock::now();
    const int done = claim_and_ack(queue, per_round, batch);
    separate.push_back(seconds_since(start));
    separate_total += separate.back();
    return done;
  };
  auto time_in_rounds = [&] {
    auto start = std::chrono::steady_clock::now();
    const int done = claim_and_ack_in_rounds(store, queue, per_round, batch);
    in_rounds.push_back(seconds_since(start));
    in_rounds_total += in_rounds.back();
    return done;
  };
  for (int round = 0; round < rounds; ++round) {
    const int done = round % 2 ? time_in_rounds() + time_separate() : time_separate() + time_in_rounds();
    if (done != 2 * per_round) {
      std::fprintf(stderr, "bench-queue: the queue ran dry after %d of %d jobs; no figure\n", done, 2 * per_round);
      std::exit(1);
    }
  }
  std::sort(separate.begin(), separate.end());
  std::sort(in_rounds.begin(), in_rounds.end());
  const double jobs = static_cast<double>(rounds) * per_round;
  return {per_round / quantile(separate, 0.5), per_round / quantile(in_rounds, 0.5), jobs / separate_total,
          jobs / in_rounds_total};
}

void wake_latency(const std::string& tool, const fs::path& dir, int rounds) {
  auto store = fresh_store(dir / "wake.db");
  SystemClock clock;
  JobQueue queue(*store, clock);
  std::vector<double> printed, exited;
  for (int i = 0; i < rounds; ++i) {
    int out[2];
    if (pipe(out) != 0) std::exit(1);
    pid_t pid = spawn({tool, "--db", (dir / "wake.db").string(), "claim", "--worker", "w", "--wait", "10s"}, nullptr,
                      nullptr, out[1]);
    close(out[1]);
    wait_for_watch(pid);
    JobSpec spec;
    spec.kind = "wake";
    spec.queue = "default";
    queue.push({{spec, 0}}, std::nullopt);
    auto committed = std::chrono::steady_clock::now();
    LineReader(out[0]).skip_line();
    printed.push_back(seconds_since(committed) * 1000);
    wait_child(pid);
    exited.push_back(seconds_since(committed) * 1000);
    close(out[0]);
  }
  std::sort(printed.begin(), printed.end());
  std::sort(exited.begin(), exited.end());
  const std::string rounds_text = std::to_string(rounds) + " rounds";
  report("wake-up latency p50 (push commit → claim --wait prints the job)", fmt(quantile(printed, 0.50), "ms"),
         rounds_text + ", the claim's own commit included", "≤ 2 ms");
  report("wake-up latency p99", fmt(quantile(printed, 0.99), "ms"), "", "≤ 20 ms");
  report("push commit → claim --wait exits, p50", fmt(quantile(exited, 0.50), "ms"),
         "the kernel's inotify teardown included", "");
  report("push commit → claim --wait exits, p99", fmt(quantile(exited, 0.99), "ms"), "", "");
}

/// Mean cost of one claim (batch of 1) plus its ack on a store holding `jobs` ready jobs.
double claim_cost_us(const fs::path& path, int jobs, int samples) {
  auto store = fresh_store(path);
  SystemClock clock;
  JobQueue queue(*store, clock);
  push_jobs(queue, "bench", jobs);
  double rate = claim_ack_rate(queue, samples, 1);
  return 1e6 / rate;
}

/// Peak RSS in KiB, measured by GNU time: a child spawned from this (large) process
/// would inherit our own high-water mark in its ru_maxrss.
long peak_rss_of(const std::string& tool, const fs::path& db, const std::vector<std::string>& extra) {
  const fs::path report = db.string() + ".rss";
  std::vector<std::string> args{"/usr/bin/time", "-f", "%M", "-o", report.string(), tool, "--db", db.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  wait_child(spawn(args, nullptr, nullptr));
  std::ifstream in(report);
  long max_rss = -1;
  in >> max_rss;
  return max_rss;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench-queue BIN_DIR WORK_DIR [LARGE_STORE_JOBS]\n");
    return 2;
  }
  const std::string tool = fs::absolute(fs::path(argv[1]) / "sheratan-queue").string();
  const fs::path dir = argv[2];
  // The pushed jobs are of kind "bench", which admission gate G2 admits only when named.
  setenv("SHERATAN_GATES_KINDS", "bench", 1);
  const int large = argc > 3 ? std::atoi(argv[3]) : 1'000'000;
  fs::create_directories(dir);
  std::printf("sheratan-queue benchmarks (synchronous=FULL, WAL) in %s\n\n", dir.c_str());

  const double raw_tx = raw_fsync_transactions_per_second(dir);
  const double raw_batch = raw_batched_inserts_per_second(dir);
  report("raw SQLite: fsync'd 1-row transactions", fmt(raw_tx, "tx/s"), "baseline", "");
  report("raw SQLite: batched inserts", fmt(raw_batch, "rows/s"), "baseline", "");

  const double push = push_from_pipe(tool, dir, 100'000);
  report("push from one pipe (100,000 jobs)", fmt(push, "jobs/s"), fmt(push / raw_batch, "× raw batched inserts"),
         "≥ 150,000 jobs/s");

  {
    auto store = fresh_store(dir / "claim.db");
    SystemClock clock;
    JobQueue queue(*store, clock);
    push_jobs(queue, "bench", 110'000);
    const double one = claim_ack_rate(queue, 400, 1);
    const ClaimAckRates hundred = claim_ack_alternating(*store, queue, 10, 5'000, 100);
    if (done_jobs(dir / "claim.db") != 400 + 50'000 + 50'000) {
      std::fprintf(stderr, "bench-queue: claim+ack left jobs undone; no figure\n");
      return 1;
    }
    // One claim + one ack is two durable transactions per job.
    report("claim+ack, 1 job per transaction", fmt(one, "jobs/s"),
           fmt(2 * one / raw_tx, "× raw fsync'd tx rate (2 tx per job)"), "within 2× of raw");
    report("claim+ack, batches of 100", fmt(hundred.separate, "jobs/s"),
           "median of 10 rounds of 5,000; claim and ack each commit", "≥ 50,000 jobs/s");
    report("claim+ack, batches of 100, over all rounds", fmt(hundred.separate_overall, "jobs/s"),
           fmt(hundred.separate_overall / raw_batch, "× raw batched inserts"), "");
    report("claim+ack, batches of 100, in worker rounds", fmt(hundred.in_rounds, "jobs/s"),
           "median of the alternating rounds; one commit a batch", "≥ 50,000 jobs/s");
    report("claim+ack, worker rounds, over all rounds", fmt(hundred.in_rounds_overall, "jobs/s"),
           fmt(hundred.in_rounds_overall / hundred.separate_overall, "× claim and ack each committing"), "");
  }

  wake_latency(tool, dir, 200);

  {
    const double small = claim_cost_us(dir / "small.db", 1000, 300);
    const double big = claim_cost_us(dir / "large.db", large, 300);
    report("claim+ack cost, 1,000-job store", fmt(small, "µs"), "baseline", "");
    report("claim+ack cost, " + std::to_string(large) + "-job store", fmt(big, "µs"),
           fmt(big / small, "× the 1,000-job store"), "within 2×");
    const long ls_rss = peak_rss_of(tool, dir / "large.db", {"ls", "--json"});
    report("peak RSS of ls --json, " + std::to_string(large) + " jobs", fmt(static_cast<double>(ls_rss) / 1024, "MB"),
           "", "≤ 32 MB");
    const long watch_rss = peak_rss_of(tool, dir / "large.db", {"watch", "--all", "--no-follow"});
    report("peak RSS of watch --all, " + std::to_string(large) + "+ events",
           fmt(static_cast<double>(watch_rss) / 1024, "MB"), "", "≤ 32 MB");
  }

  print_table();
  return 0;
}
