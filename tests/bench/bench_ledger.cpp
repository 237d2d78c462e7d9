// Benchmarks of sheratan-ledger, each beside a baseline measured in the same run:
// process start (sheratan-ledger --version), raw SQLite batched inserts, the original
// Python ledger's ~350 settlements/s (ORIGIN.md), the same settlement at 1,000 journal
// entries, and a plain file copy of the store for sync.
#include <fstream>

#include "bench_support.hpp"
#include "ledger/ledger_writer.hpp"

using namespace sheratan;
using namespace sheratan::bench;

namespace {

std::string tool;

double run_tool(const std::vector<std::string>& args, const std::string& db, const char* in = nullptr) {
  std::vector<std::string> argv{tool, "--db", db, "--json"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto start = std::chrono::steady_clock::now();
  int status = wait_child(spawn(argv, in, nullptr));
  double seconds = seconds_since(start);
  if (status != 0 && !(args.size() == 1 && args[0] == "--version")) {
    std::fprintf(stderr, "sheratan-ledger %s exited %d\n", args.at(0).c_str(), status);
    std::exit(1);
  }
  return seconds;
}

/// A store with two funded accounts and `entries` journal entries, written through
/// the library in large transactions.
void fill_store(const fs::path& path, std::int64_t entries) {
  auto store = fresh_store(path);
  auto apply_batch = [&](std::int64_t count, bool setup) {
    store->write([&] {
      ledger::LedgerWriter writer(*store, 1'000);
      if (setup) {
        for (const char* account : {"alice", "bob"}) {
          ledger::Operation open;
          open.op = ledger::OpType::open;
          open.id = account;
          writer.apply(open);
        }
        ledger::Operation credit;
        credit.from = "system:mint";
        credit.to = "alice";
        credit.amount = std::int64_t{1} << 60;
        writer.apply(credit);
      }
      ledger::Operation move;
      move.from = "alice";
      move.to = "bob";
      move.amount = 1;
      for (std::int64_t i = 0; i < count; ++i)
        writer.apply(move);
      writer.flush();
    });
  };
  apply_batch(std::min<std::int64_t>(entries, 100'000) - 3, true);
  for (std::int64_t done = std::min<std::int64_t>(entries, 100'000); done < entries; done += 100'000)
    apply_batch(std::min<std::int64_t>(100'000, entries - done), false);
}

void write_lines(const fs::path& path, std::int64_t count, const std::function<std::string(std::int64_t)>& line) {
  std::ofstream out(path);
  for (std::int64_t i = 0; i < count; ++i)
    out << line(i) << '\n';
}

std::string settle_line(const std::string& prefix, std::int64_t i) {
  return R"({"job_id":")" + prefix + std::to_string(i) + R"(","payer":"alice","worker":"w1","amount":"1.0000"})";
}

/// Settlements one per invocation-free transaction through the library: the rate the
/// ledger sustains at each journal size, independent of process start. Rounds on the
/// two stores alternate, and each store's rate is that of its median round, so that a
/// slow spell of the disk or the host (each settlement waits for an fsync) weighs on
/// both alike and one stalled round does not decide the ratio.
std::pair<double, double> settle_one_by_one_per_second(const fs::path& small, const fs::path& big, int rounds,
                                                       int per_round) {
  auto open = [](const fs::path& path) {
    StoreOptions options;
    options.path = path;
    return Store::open(options);
  };
  auto small_store = open(small), big_store = open(big);
  std::vector<double> small_seconds, big_seconds;
  int next_job = 0;
  auto settle_round = [&](Store& store) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < per_round; ++i)
      store.write([&] {
        ledger::LedgerWriter writer(store, 2'000);
        ledger::Operation op;
        op.op = ledger::OpType::settle;
        op.settle = {"solo" + std::to_string(next_job++), "alice", "w1", 10'000, ledger::kDefaultMargin, std::nullopt};
        writer.apply(op);
        writer.flush();
      });
    return seconds_since(start);
  };
  for (int round = 0; round < rounds; ++round) {
    small_seconds.push_back(settle_round(*small_store));
    big_seconds.push_back(settle_round(*big_store));
  }
  std::sort(small_seconds.begin(), small_seconds.end());
  std::sort(big_seconds.begin(), big_seconds.end());
  return {per_round / quantile(small_seconds, 0.5), per_round / quantile(big_seconds, 0.5)};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench-ledger BIN_DIR WORK_DIR [LARGE_JOURNAL_ENTRIES]\n");
    return 2;
  }
  tool = fs::absolute(fs::path(argv[1]) / "sheratan-ledger").string();
  const fs::path dir = argv[2];
  const std::int64_t large = argc > 3 ? std::atoll(argv[3]) : 1'000'000;
  fs::create_directories(dir);
  std::printf("sheratan-ledger benchmarks (synchronous=FULL, WAL) in %s\n\n", dir.c_str());

  // One invocation, process start included, against a process that only starts.
  const std::string small = (dir / "small.db").string();
  fill_store(small, 1'000);
  std::vector<double> starts, transfers;
  for (int i = 0; i < 100; ++i) {
    starts.push_back(run_tool({"--version"}, small) * 1000);
    transfers.push_back(run_tool({"transfer", "alice", "bob", "1"}, small) * 1000);
  }
  std::sort(starts.begin(), starts.end());
  std::sort(transfers.begin(), transfers.end());
  report("one transfer invocation, p50", fmt(quantile(transfers, 0.5), "ms"),
         fmt(quantile(starts, 0.5), "ms to start and exit (--version)"), "≤ 3 ms");

  const double raw_batch = raw_batched_inserts_per_second(dir);
  report("raw SQLite: batched inserts", fmt(raw_batch, "rows/s"), "baseline", "");
  const fs::path pipe_in = dir / "transfers.jsonl";
  write_lines(pipe_in, 100'000, [](std::int64_t) { return R"({"from":"alice","to":"bob","amount":"0.0001"})"; });
  double seconds = run_tool({"transfer"}, small, pipe_in.c_str());
  report("100,000 transfers from one pipe", fmt(100'000 / seconds, "transfers/s"),
         fmt(100'000 / seconds / raw_batch, "× raw batched inserts"), "≥ 100,000/s");

  const fs::path settle_in = dir / "settle.jsonl";
  write_lines(settle_in, 100'000, [](std::int64_t i) { return settle_line("pipe", i); });
  seconds = run_tool({"settle"}, small, settle_in.c_str());
  report("settle 100,000 jobs from one pipe", fmt(100'000 / seconds, "jobs/s"),
         fmt(100'000 / seconds / 350, "× the original's 350/s"), "≥ 100× (35,000/s)");

  // The baseline is a store of its own: by now the small one holds the pipes' 300,000
  // entries.
  const std::string thousand = (dir / "thousand.db").string();
  fill_store(thousand, 1'000);
  const std::string big = (dir / "big.db").string();
  auto fill_start = std::chrono::steady_clock::now();
  fill_store(big, large);
  std::printf("(filled a %lld-entry journal in %.1f s)\n", static_cast<long long>(large), seconds_since(fill_start));
  const auto [small_rate, big_rate] = settle_one_by_one_per_second(thousand, big, 10, 50);
  report("settlements 1 per tx, 1,000-entry journal", fmt(small_rate, "jobs/s"),
         "baseline; median of 10 rounds of 50, alternating", "");
  report("settlements 1 per tx, " + std::to_string(large) + "-entry journal", fmt(big_rate, "jobs/s"),
         fmt(small_rate / big_rate, "× slower than at 1,000"), "within 1.5×");

  seconds = run_tool({"verify"}, big);
  report("verify of " + std::to_string(large) + " entries", fmt(seconds, "s"),
         fmt(static_cast<double>(large) / seconds, "entries/s"), "≤ 5 s at 1,000,000");

  const std::string replica = (dir / "replica.db").string();
  fresh_store(replica);
  auto copy_start = std::chrono::steady_clock::now();
  fs::copy_file(big, dir / "copy.db", fs::copy_options::overwrite_existing);
  const double copy_seconds = seconds_since(copy_start);
  seconds = run_tool({"sync", "--from", big}, replica);
  report("sync of " + std::to_string(large) + " entries", fmt(seconds, "s"),
         fmt(copy_seconds, "s to copy the store file"), "≤ 10 s at 1,000,000");
  print_table();
  return 0;
}
