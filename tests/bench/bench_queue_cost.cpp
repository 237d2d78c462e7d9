// A harness for counting the instructions of the queue's hot loops under callgrind,
// where wall time on a shared machine says little. Not run by `make bench`.
//
//   bench-queue-cost fill DB JOBS              a fresh store holding JOBS ready jobs
//   bench-queue-cost claim-ack DB JOBS BATCH   claims and acks JOBS jobs, BATCH at a time
//
// Under `valgrind --tool=callgrind --instr-atstart=no`, only the claim+ack loop is
// counted: divide the total by JOBS for the instructions per claimed and acked job.
// Fill natively, copy the store, and measure the copy, so that every run starts alike.
// With SHERATAN_STATEMENT_STEPS set, prints each statement's virtual-machine steps.
#include <cstring>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#endif

#include "bench_support.hpp"

using namespace sheratan;
using namespace sheratan::bench;

namespace {

// Each prepared statement's virtual-machine steps since `reset`, the SQL's share of the
// instructions: printed after the loop, one line per statement that ran.
void statement_steps(sqlite3* db, bool reset) {
  for (sqlite3_stmt* statement = sqlite3_next_stmt(db, nullptr); statement;
       statement = sqlite3_next_stmt(db, statement)) {
    const int steps = sqlite3_stmt_status(statement, SQLITE_STMTSTATUS_VM_STEP, reset);
    const int runs = sqlite3_stmt_status(statement, SQLITE_STMTSTATUS_RUN, reset);
    if (!reset && runs > 0) std::fprintf(stderr, "%10d steps %6d runs  %.100s\n", steps, runs, sqlite3_sql(statement));
  }
}

int claim_ack(const fs::path& db, int total, int batch) {
  StoreOptions options;
  options.path = db;
  options.create = false;
  auto store = Store::open(options);
  SystemClock clock;
  JobQueue queue(*store, clock);
  statement_steps(store->handle(), true);
  auto start = std::chrono::steady_clock::now();
  CALLGRIND_START_INSTRUMENTATION;
  const int done = claim_and_ack(queue, total, batch);
  CALLGRIND_STOP_INSTRUMENTATION;
  if (std::getenv("SHERATAN_STATEMENT_STEPS")) statement_steps(store->handle(), false);
  std::printf("claimed and acked %d jobs, %d a batch: %.0f jobs/s\n", done, batch, done / seconds_since(start));
  return done == total ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "fill") == 0) {
    push_jobs(argv[2], "bench", std::atoi(argv[3]));
    return 0;
  }
  if (argc == 5 && std::strcmp(argv[1], "claim-ack") == 0)
    return claim_ack(argv[2], std::atoi(argv[3]), std::atoi(argv[4]));
  std::fprintf(stderr, "usage: bench-queue-cost fill DB JOBS | claim-ack DB JOBS BATCH\n");
  return 2;
}
