// sheratan-queue: the durable job queue. Each subcommand parses its flags, calls one
// JobQueue operation and prints; the rules live in common/queue/.
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <map>

#include "cli/app.hpp"
#include "cli/batch.hpp"
#include "cli/error.hpp"
#include "cli/message.hpp"
#include "cli/output_signals.hpp"
#include "cli/prepared_batches.hpp"
#include "gates/admission.hpp"
#include "gates/reviewer.hpp"
#include "json/canonical.hpp"
#include "queue/ingest.hpp"
#include "queue/job_defaults.hpp"
#include "queue/queue.hpp"
#include "state/state_machine.hpp"

using namespace sheratan;

namespace {

const std::vector<std::string> kJobColumns = {"id", "status", "kind", "queue", "priority", "attempts", "run_at"};
constexpr std::size_t kBatchLines = 10'000;

std::string default_worker_name() {
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(getpid());
}

/// Reads stdin as JSON lines; a terminal on stdin is a usage error, not a hang.
JsonLinesReader stdin_reader(const char* what) {
  if (stdin_is_terminal())
    fail(ExitCode::usage, std::string("no ") + what + " given: pass arguments or pipe JSON lines on stdin");
  return JsonLinesReader(STDIN_FILENO);
}

std::string string_field(const Json& line, const char* field, bool required = true) {
  auto found = line.find(field);
  if (found == line.end() || found->is_null()) {
    if (required) fail(ExitCode::bad_input, "field " + quote(field) + " is required");
    return {};
  }
  if (!found->is_string()) fail(ExitCode::bad_input, "field " + quote(field) + " must be a string");
  return found->get<std::string>();
}

void reject_unknown_fields(const Json& line, std::initializer_list<const char*> known) {
  for (auto it = line.begin(); it != line.end(); ++it) {
    bool ok = false;
    for (const char* name : known)
      ok = ok || it.key() == name;
    if (!ok) fail(ExitCode::bad_input, "field " + quote(it.key()) + " is unknown");
  }
}

Json parse_json_flag(const std::string& text, const char* flag) {
  try {
    return parse_json_text(text);
  } catch (const Error& error) {
    fail(error.code(), std::string(flag) + ": " + error.what());
  }
}

// ---- push -------------------------------------------------------------------

struct PushFlags {
  std::string kind;
  std::optional<std::string> params, queue, priority, run_at, delay, key, timeout, backoff, backoff_max, cost;
  std::vector<std::string> depends_on, labels;
  std::optional<std::int64_t> max_attempts, max_depth;
  bool atomic = false;
};

// The flags that have a default (JobDefaults), as job fields: with KIND they describe
// its job, with JSON lines on stdin they fill in the lines that leave them out.
Json defaults_from_flags(const PushFlags& flags) {
  Json fields = Json::object();
  if (flags.queue) fields["queue"] = *flags.queue;
  if (flags.priority) {
    // An integer, or a name such as "high"; text that is neither (or an integer out of
    // range) goes on as text, for the job's checks to refuse with the field's rules.
    std::int64_t number = 0;
    const std::string& text = *flags.priority;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    fields["priority"] = error == std::errc() && end == text.data() + text.size() ? Json(number) : Json(text);
  }
  if (flags.max_attempts) fields["max_attempts"] = *flags.max_attempts;
  if (flags.timeout) fields["timeout"] = *flags.timeout;
  if (flags.backoff) fields["backoff"] = *flags.backoff;
  if (flags.backoff_max) fields["backoff_max"] = *flags.backoff_max;
  return fields;
}

// The first flag given that describes one job and has no default, or null.
const char* single_job_flag(const PushFlags& flags) {
  if (flags.params) return "--params";
  if (flags.run_at) return "--run-at";
  if (flags.delay) return "--delay";
  if (!flags.depends_on.empty()) return "--depends-on";
  if (flags.key) return "--idempotency-key";
  if (!flags.labels.empty()) return "--label";
  if (flags.cost) return "--cost";
  return nullptr;
}

// The defaults of pushed jobs: the config's, then the flags' (checked as job fields).
JobDefaults push_defaults(const Config& config, const PushFlags& flags) {
  JobDefaults defaults = job_defaults_from(config);
  Json sample = defaults_from_flags(flags);
  if (sample.empty()) return defaults;
  sample["kind"] = "flags";
  return parse_job_spec(sample, defaults, 0).defaults();
}

Json job_from_flags(const PushFlags& flags) {
  Json job = defaults_from_flags(flags);
  job["kind"] = flags.kind;
  if (flags.params) job["params"] = parse_json_flag(*flags.params, "--params");
  if (flags.run_at) job["run_at"] = *flags.run_at;
  if (flags.delay) job["delay"] = *flags.delay;
  if (!flags.depends_on.empty()) job["depends_on"] = flags.depends_on;
  if (flags.key) job["idempotency_key"] = *flags.key;
  if (flags.cost) job["cost"] = *flags.cost;
  if (!flags.labels.empty()) {
    job["labels"] = Json::object();
    for (const auto& label : flags.labels) {
      auto equals = label.find('=');
      if (equals == std::string::npos || equals == 0)
        fail(ExitCode::usage, "--label " + quote(label) + " must be KEY=VALUE");
      job["labels"][label.substr(0, equals)] = label.substr(equals + 1);
    }
  }
  return job;
}

// A batch of pushed jobs the gates admitted, and their verdicts. `now` is the moment
// of the push: a delay counts from it, and the jobs are created at it.
struct AdmittedBatch {
  EpochMillis now = 0;
  std::vector<PushItem> items;
  std::vector<Verdict> verdicts;
};

// queue.max_depth from the flag, the environment or the config; not negative.
std::optional<std::int64_t> max_depth_from(const Config& config, const std::optional<std::int64_t>& flag) {
  auto depth = config.integer(flag, "SHERATAN_QUEUE_MAX_DEPTH", "queue.max_depth");
  if (depth && *depth < 0)
    fail(ExitCode::bad_input, "queue.max_depth must be 0 or more, not " + std::to_string(*depth));
  return depth;
}

void run_push(ToolContext& context, const PushFlags& flags) {
  if (flags.kind.empty())
    if (const char* flag = single_job_flag(flags))
      fail(ExitCode::usage,
           std::string(flag) + " describes the one job given by KIND: with JSON lines on stdin, give it in each line");
  const JobDefaults defaults = push_defaults(context.config, flags);
  const auto max_depth = max_depth_from(context.config, flags.max_depth);
  auto store = context.open_store();
  JobQueue queue(*store, context.clock);
  const Gates gates(GatePolicy::from_config(context.config));
  const Admission admission(gates, JobSource::cli, defaults);
  RecordPrinter printer(context.output_format(), {"id", "status", "duplicate", "verdict"});
  // The gates judge each batch on the reading thread (for_each_prepared_batch) ...
  std::function<AdmittedBatch(std::vector<InputLine>&)> judge = [&](std::vector<InputLine>& lines) {
    AdmittedBatch batch;
    batch.items.reserve(lines.size());
    batch.verdicts.reserve(lines.size());
    batch.now = context.clock.now();
    for (auto& input : lines) {
      Admitted admitted = admission.admit(input.value, input.line, batch.now);
      batch.items.push_back(std::move(admitted.item));
      batch.verdicts.push_back(admitted.report.verdict);
    }
    return batch;
  };
  // ... while this one writes the batch before.
  std::function<void(AdmittedBatch&)> write = [&](AdmittedBatch& batch) {
    const bool json = context.output_format() == OutputFormat::json;
    std::string out;
    const auto outcomes = queue.push(batch.items, max_depth, batch.now);
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      const PushOutcome& outcome = outcomes[i];
      if (!json) {
        Json record = outcome.to_json();
        record["verdict"] = to_string(batch.verdicts[i]);
        printer.print(record);
        continue;
      }
      // The hot path of a bulk push: ids, statuses and verdicts need no escaping. Appended
      // piece by piece: a chain of operator+ made a temporary string per piece.
      // Keys in alphabetical order, as every record's (sheratan-jsonl(5)).
      out.append(R"({"duplicate":)").append(outcome.duplicate ? "true" : "false").append(R"(,"id":")");
      out.append(outcome.id).append(R"(","status":")").append(to_string(outcome.status));
      out.append(R"(","verdict":")").append(to_string(batch.verdicts[i])).append("\"}\n");
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    flush_output();
  };
  if (!flags.kind.empty()) {
    std::vector<InputLine> one{{0, job_from_flags(flags)}};
    AdmittedBatch batch = judge(one);
    write(batch);
  } else {
    auto reader = stdin_reader("job");
    if (for_each_prepared_batch(reader, flags.atomic ? 0 : kBatchLines, judge, write) == 0)
      fail(ExitCode::bad_input, "no jobs on standard input");
  }
  printer.finish();
}

void add_push(CLI::App& app, ToolContext& context) {
  auto flags = std::make_shared<PushFlags>();
  auto* push = app.add_subcommand("push", "Add jobs: one from flags, or JSON lines from stdin");
  push->add_option("kind", flags->kind, "Kind of the job (with no KIND, read JSON lines from stdin)");
  push->add_option("-p,--params", flags->params, "Parameters as a JSON object");
  push->add_option("--queue", flags->queue, "Queue name (default: default); with stdin, of lines that name none");
  push->add_option("--priority", flags->priority,
                   "Integer, higher first; or critical, high, normal, low (with stdin: the default)");
  push->add_option("--run-at", flags->run_at, "Run no earlier than this RFC 3339 time");
  push->add_option("--delay", flags->delay, "Run no earlier than this duration from now (30s, 5m)");
  push->add_option("--depends-on", flags->depends_on, "Job id that must be done first (repeatable)")
      ->allow_extra_args(false);
  push->add_option("-k,--idempotency-key", flags->key, "Key that makes a repeated push return the same job");
  push->add_option("--max-attempts", flags->max_attempts, "Attempts before the job is dead (default 5)");
  push->add_option("--timeout", flags->timeout, "Time a worker may run the job (default 5m)");
  push->add_option("--backoff", flags->backoff, "First retry delay, doubled each attempt (default 500ms)");
  push->add_option("--backoff-max", flags->backoff_max, "Cap on the retry delay (default 5m)");
  push->add_option("-l,--label", flags->labels, "Label KEY=VALUE (repeatable): mission, task, chain, payer ...")
      ->allow_extra_args(false);
  push->add_option("--cost", flags->cost, "What the job costs its payer, as money (\"12.5000\")");
  push->add_option("--max-depth", flags->max_depth, "Refuse (exit 5) past this many unfinished jobs in a queue")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40));
  push->add_flag("--atomic", flags->atomic, "Push all of stdin in one transaction (default: batches)");
  push->callback([&context, flags] { run_push(context, *flags); });
}

// ---- claim ------------------------------------------------------------------

struct ClaimFlags {
  std::optional<std::string> worker, queue, lease, wait;
  std::vector<std::string> kinds;
  std::int64_t limit = 1;
  bool ignore_state = false;
};

constexpr const char* kPausedMessage =
    "the system is PAUSED: claiming nothing (sheratan-state get tells why; --ignore-state claims anyway)";

// Prints the jobs of a claim whose leases are committed. A line written belongs to the
// reader; a lease whose line was not written is given back (release: ready, the
// attempt returned), so that SIGINT or SIGTERM while printing ends the claim without
// stranding jobs for a lease's length. The lines are rendered in memory and written
// with write_lines(), which knows which went out (stdio would write on its own, and
// at exit). A closed pipe gives back every lease of the claim: the reader hung up,
// what it took is unknown, and a lease it kept is fenced by its token anyway.
// Returns the exit status.
int deliver_claimed(ToolContext& context, JobQueue& queue, const std::vector<Job>& jobs) {
  constexpr std::size_t kJobsPerWrite = 64;
  const OutputFormat format = context.output_format();
  std::size_t delivered = 0;  // jobs whose lines went out
  int write_error = 0;
  {
    OutputSignals signals;
    std::string text;
    RecordPrinter printer(format, {"id", "kind", "priority", "attempts", "lease_token", "lease_until"}, &text);
    std::size_t header_lines = format == OutputFormat::json ? 0 : 1;  // a table's or TSV's, not yet written
    for (std::size_t i = 0; i < jobs.size() && !OutputSignals::received() && write_error == 0; ++i) {
      printer.print(jobs[i].to_json());
      if ((i + 1) % kJobsPerWrite != 0 && i + 1 != jobs.size()) continue;
      if (i + 1 == jobs.size()) printer.finish();  // a table's rows wait for their widths until here
      const std::size_t lines = write_lines(text, &write_error);
      const std::size_t header = std::min(lines, header_lines);
      header_lines -= header;
      delivered += lines - header;
      if (lines < static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'))) break;
      text.clear();
    }
    printer.abandon();
    if (delivered == jobs.size()) return to_int(ExitCode::ok);
    const int signum = OutputSignals::received();
    const std::size_t from = signum == 0 && write_error == EPIPE ? 0 : delivered;
    std::vector<LeaseRef> undelivered;
    for (std::size_t i = from; i < jobs.size(); ++i)
      undelivered.push_back({jobs[i].id, *jobs[i].lease_token});
    queue.each_lease(undelivered, [&](const LeaseRef& lease) { return queue.release(lease); });
    if (signum != 0) return signum == SIGINT ? to_int(ExitCode::interrupted) : to_int(ExitCode::terminated);
  }
  if (write_error == EPIPE) std::raise(SIGPIPE);  // ends quietly, as any tool on a closed pipe
  fail(ExitCode::failed, "cannot write to standard output: " + system_error_text(write_error) +
                             "; the leases not printed were given back");
}

void run_claim(ToolContext& context, const ClaimFlags& flags, bool wait) {
  auto store = context.open_store();
  JobQueue queue(*store, context.clock);
  ClaimRequest request;
  request.worker = flags.worker.value_or(default_worker_name());
  request.queue = flags.queue.value_or(job_defaults_from(context.config).queue);
  request.kinds = flags.kinds;
  request.limit = flags.limit;
  if (flags.lease) request.lease_ms = parse_duration_flag(*flags.lease, "--lease");
  JobQueue::check_lease(request.lease_ms, "--lease");
  // Checked before anything is leased: a bad --wait is refused whether or not a job is ready.
  std::optional<Millis> wait_for;
  if (wait && flags.wait && !flags.wait->empty()) wait_for = parse_duration_flag(*flags.wait, "--wait");
  // The gate and the claim share one transaction: nothing is leased after a pause commits.
  // SIGINT and SIGTERM wait from the claim until deliver_claimed() takes them: leases
  // committed in between are then given back, not stranded. Without jobs, they go on.
  auto gated_claim = [&] {
    OutputSignals::block();
    std::optional<std::vector<Job>> claimed;
    try {
      claimed = store->write([&] {
        if (!flags.ignore_state && system_paused(*store)) return std::optional<std::vector<Job>>();
        return std::optional<std::vector<Job>>(queue.claim(request));
      });
    } catch (...) {
      OutputSignals::unblock();  // nothing leased: the signals go on as ever
      throw;
    }
    if (!claimed || claimed->empty()) OutputSignals::unblock();
    return claimed;
  };
  auto first = gated_claim();
  if (!first && !wait) fail(ExitCode::unavailable, kPausedMessage);
  if (!first) print_info("the system is PAUSED: waiting until it is not");
  std::vector<Job> jobs = first.value_or(std::vector<Job>{});
  if (jobs.empty() && wait) {
    std::optional<std::int64_t> deadline;
    if (wait_for) deadline = monotonic_millis() + *wait_for;
    queue.prepare_claim(request);
    StoreWaiter waiter(*store);
    auto outcome = waiter.wait(
        [&]() -> WaitCheck {
          if (!flags.ignore_state && system_paused(*store)) return {};  // woken when the state changes
          WaitCheck check = queue.claimable(request);
          if (check.done) {
            jobs = gated_claim().value_or(std::vector<Job>{});
            check.done = !jobs.empty();
          }
          return check;
        },
        deadline, context.clock);
    // Jobs leased are printed (or given back) whatever ended the wait: a signal that
    // the waiter took while the claim committed must not strand them. Printed before
    // the waiter is torn down: closing its inotify descriptor can take the kernel
    // milliseconds, and the reader of the pipe is waiting for the job.
    if (!jobs.empty()) {
      const int delivered = deliver_claimed(context, queue, jobs);
      context.exit_status = delivered == to_int(ExitCode::ok) ? exit_code_for(outcome) : delivered;
      return;
    }
    context.exit_status = exit_code_for(outcome);
    return;
  }
  if (jobs.empty()) {
    context.exit_status = to_int(ExitCode::failed);
    return;
  }
  context.exit_status = deliver_claimed(context, queue, jobs);
}

void add_claim(CLI::App& app, ToolContext& context) {
  auto flags = std::make_shared<ClaimFlags>();
  auto* claim = app.add_subcommand("claim", "Lease ready jobs, highest priority first, then oldest");
  claim->add_option("-w,--worker", flags->worker, "Name of the worker holding the lease (default host:pid)");
  claim->add_option("--queue", flags->queue, "Queue to claim from (default: default)");
  claim->add_option("--kinds", flags->kinds, "Only these kinds (comma-separated)")
      ->allow_extra_args(false)
      ->delimiter(',');
  claim->add_option("-n,--limit", flags->limit, "Lease up to N jobs (default 1)")->check(CLI::Range(1, 100000));
  claim->add_option("--lease", flags->lease, "Lease length (default 60s)");
  auto* wait = claim->add_option("--wait", flags->wait, "Block until a job is ready, at most DUR (default: forever)")
                   ->expected(0, 1);
  claim->add_flag("--ignore-state", flags->ignore_state, "Claim even while the system is PAUSED");
  claim->callback([&context, flags, wait] { run_claim(context, *flags, wait->count() > 0); });
}

// ---- ack, fail, extend, release --------------------------------------------

struct LeaseFlags {
  std::string id;
  std::optional<std::string> token, result, error, lease;
  bool no_retry = false;
};

enum class LeaseAction { ack, fail, extend, release };

Job apply_lease_action(JobQueue& queue, LeaseAction action, const LeaseRef& lease, const Json& line) {
  switch (action) {
    case LeaseAction::ack: {
      reject_unknown_fields(line, {"id", "token", "result"});
      return queue.ack(lease, line.value("result", Json(nullptr)));
    }
    case LeaseAction::fail: {
      reject_unknown_fields(line, {"id", "token", "error", "retry"});
      auto retry = line.value("retry", Json(true));
      if (!retry.is_boolean()) fail(ExitCode::bad_input, "field 'retry' must be true or false");
      std::string error = string_field(line, "error", false);
      return queue.fail(lease, error.empty() ? "failed" : error, retry.get<bool>());
    }
    case LeaseAction::extend: {
      reject_unknown_fields(line, {"id", "token", "lease"});
      auto found = line.find("lease");
      const Millis lease_ms = found == line.end() ? 60'000 : parse_duration_field(*found, "lease");
      JobQueue::check_lease(lease_ms, "field 'lease'");
      return queue.extend(lease, lease_ms);
    }
    case LeaseAction::release:
      reject_unknown_fields(line, {"id", "token"});
      return queue.release(lease);
  }
  fail(ExitCode::failed, "unknown lease action");
}

void run_lease_action(ToolContext& context, LeaseAction action, const LeaseFlags& flags) {
  auto store = context.open_store(false);
  JobQueue queue(*store, context.clock);
  RecordPrinter printer(context.output_format(), {"id", "status", "attempts", "error"});
  auto apply = [&](std::vector<InputLine>& lines) {
    if (action == LeaseAction::ack) {  // the hot path, batched in a few statements
      std::vector<AckRequest> acks;
      for (auto& input : lines) {
        try {
          reject_unknown_fields(input.value, {"id", "token", "result"});
          acks.push_back({{string_field(input.value, "id"), string_field(input.value, "token")},
                          input.value.value("result", Json(nullptr)),
                          input.line});
        } catch (const Error& error) {
          throw Error(error.code(), input.line ? at_line(input.line, error.what()) : error.what());
        }
      }
      for (const auto& job : queue.ack_all(acks))
        printer.print(job.to_json());
      flush_output();
      return;
    }
    // All lines of a batch in one transaction: one bad token and nothing changes.
    std::vector<Job> done = store->write([&] {
      std::vector<Job> jobs;
      for (auto& input : lines) {
        try {
          LeaseRef lease{string_field(input.value, "id"), string_field(input.value, "token")};
          jobs.push_back(apply_lease_action(queue, action, lease, input.value));
        } catch (const Error& error) {
          throw Error(error.code(), input.line ? at_line(input.line, error.what()) : error.what());
        }
      }
      return jobs;
    });
    for (const auto& job : done)
      printer.print(job.to_json());
    flush_output();
  };
  if (flags.id.empty()) {
    // The flags describe the one lease given by ID; lines on stdin carry their own.
    for (auto [given, flag] : {std::pair{flags.token.has_value(), "--token"},
                               {flags.result.has_value(), "--result"},
                               {flags.error.has_value(), "--error"},
                               {flags.no_retry, "--no-retry"},
                               {flags.lease.has_value(), "--lease"}})
      if (given)
        fail(ExitCode::usage,
             std::string(flag) + " goes with a job id: with JSON lines on stdin, give it in each line");
  }
  if (!flags.id.empty()) {
    if (!flags.token) fail(ExitCode::usage, "--token is required with a job id");
    if (flags.lease) JobQueue::check_lease(parse_duration_flag(*flags.lease, "--lease"), "--lease");
    Json line{{"id", flags.id}, {"token", *flags.token}};
    if (flags.result) line["result"] = parse_json_flag(*flags.result, "--result");
    if (flags.error) line["error"] = *flags.error;
    if (flags.no_retry) line["retry"] = false;
    if (flags.lease) line["lease"] = *flags.lease;
    std::vector<InputLine> one{{0, line}};
    apply(one);
  } else {
    auto reader = stdin_reader("job id");
    if (for_each_input_batch(reader, kBatchLines, apply) == 0) fail(ExitCode::bad_input, "no lines on standard input");
  }
  printer.finish();
}

void add_lease_action(CLI::App& app, ToolContext& context, LeaseAction action, const char* name, const char* help) {
  auto flags = std::make_shared<LeaseFlags>();
  auto* sub = app.add_subcommand(name, help);
  sub->add_option("id", flags->id, "Job id (with none, read JSON lines {\"id\",\"token\",...} from stdin)");
  sub->add_option("-t,--token", flags->token, "The lease token that claim printed");
  if (action == LeaseAction::ack) sub->add_option("-r,--result", flags->result, "Result as JSON (default null)");
  if (action == LeaseAction::fail) {
    sub->add_option("-e,--error", flags->error, "What went wrong");
    sub->add_flag("--no-retry", flags->no_retry, "End the job now (dead) instead of retrying");
  }
  if (action == LeaseAction::extend)
    sub->add_option("--lease", flags->lease, "New lease length from now (default 60s)");
  sub->callback([&context, action, flags] { run_lease_action(context, action, *flags); });
}

// ---- ls, show, stats, watch -------------------------------------------------

ListFilter parse_list_filter(const std::optional<std::string>& status, const std::vector<std::string>& labels) {
  ListFilter filter;
  if (status) filter.status = parse_job_status(*status);
  for (const auto& label : labels) {
    auto equals = label.find('=');
    if (equals == std::string::npos || equals == 0)
      fail(ExitCode::usage, "--label " + quote(label) + " must be KEY=VALUE");
    filter.labels.emplace_back(label.substr(0, equals), label.substr(equals + 1));
  }
  return filter;
}

void add_ls(CLI::App& app, ToolContext& context) {
  struct Flags {
    std::optional<std::string> status, queue, kind, chain;
    std::vector<std::string> labels;
    std::optional<std::int64_t> limit;
  };
  auto flags = std::make_shared<Flags>();
  auto* ls = app.add_subcommand("ls", "List jobs, oldest first");
  ls->add_option("-s,--status", flags->status, "Only jobs in this status");
  ls->add_option("--queue", flags->queue, "Only jobs of this queue");
  ls->add_option("--kind", flags->kind, "Only jobs of this kind");
  ls->add_option("-l,--label", flags->labels, "Only jobs with label KEY=VALUE (repeatable)")->allow_extra_args(false);
  ls->add_option("--chain", flags->chain, "Only jobs of this chain (label chain)");
  ls->add_option("-n,--limit", flags->limit, "At most N jobs")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
  ls->callback([&context, flags] {
    auto store = context.open_store(false);
    JobQueue queue(*store, context.clock);
    ListFilter filter = parse_list_filter(flags->status, flags->labels);
    filter.queue = flags->queue;
    filter.kind = flags->kind;
    filter.chain = flags->chain;
    filter.limit = flags->limit;
    RecordPrinter printer(context.output_format(), kJobColumns);
    queue.list(filter, [&](const Job& job) { printer.print(job.to_json()); });
    printer.finish();
  });
}

void add_show(CLI::App& app, ToolContext& context) {
  auto id = std::make_shared<std::string>();
  auto* show = app.add_subcommand("show", "Show one job with its event history; re-checks its result hash");
  show->add_option("id", *id, "Job id")->required();
  show->callback([&context, id] {
    auto store = context.open_store(false);
    JobQueue queue(*store, context.clock);
    auto job = queue.find(*id);
    if (!job) fail(ExitCode::failed, "no job " + quote(*id));
    Json out = job->to_json();
    bool tampered = false;
    // A hash whose result was deleted is a mismatch too, and so is a done job with
    // neither: every ack stores both.
    if (job->result || job->result_hash || job->status == JobStatus::done) {
      auto stored = job->result ? Json::parse(*job->result, nullptr, false) : Json(Json::value_t::discarded);
      tampered = stored.is_discarded() || canonical_hash(stored) != job->result_hash.value_or("");
      out["result_verified"] = !tampered;
    }
    out["events"] = Json::array();
    for (const auto& event : queue.events_of(*id))
      out["events"].push_back(event.to_json());
    write_json_line(out);
    flush_output();
    if (tampered) {
      print_error("job " + quote(*id) + ": result does not match its SHA-256: the stored result was tampered with");
      context.exit_status = to_int(ExitCode::failed);
    }
  });
}

void add_stats(CLI::App& app, ToolContext& context) {
  auto* stats = app.add_subcommand("stats", "Counts by status and queue, oldest ready age, dead jobs");
  stats->callback([&context] {
    auto store = context.open_store(false);
    JobQueue queue(*store, context.clock);
    Json stats_json = queue.stats().to_json();
    if (context.output_format() == OutputFormat::json) {
      write_json_line(stats_json);
      flush_output();
      return;
    }
    RecordPrinter printer(context.output_format(), {"queue", "pending", "ready", "leased", "done", "dead", "canceled",
                                                    "blocked", "quarantined", "oldest_ready_age_ms"});
    for (auto& [name, row] : stats_json["queues"].items()) {
      Json line = row;
      line["queue"] = name;
      printer.print(line);
    }
    printer.finish();
  });
}

void add_watch(CLI::App& app, ToolContext& context) {
  struct Flags {
    std::optional<std::string> job;
    std::optional<std::int64_t> after;
    bool all = false;
    bool no_follow = false;
  };
  auto flags = std::make_shared<Flags>();
  auto* watch = app.add_subcommand("watch", "Stream job events as JSON lines as they happen (until signalled)");
  watch->add_option("--job", flags->job, "Only events of this job");
  auto* after = watch->add_option("--after", flags->after, "Start after the event with this id (default: now)");
  watch->add_flag("--all", flags->all, "Start from the first event in the store")->excludes(after);
  watch->add_flag("--no-follow", flags->no_follow, "Print the events there are now and exit (as tail without -f)");
  watch->callback([&context, flags] {
    auto store = context.open_store(false);
    JobQueue queue(*store, context.clock);
    std::int64_t cursor = flags->all ? 0 : flags->after.value_or(queue.last_event_seq());
    StoreWaiter waiter(*store);
    auto outcome = waiter.wait(
        [&]() -> WaitCheck {
          for (;;) {
            auto events = queue.events_after(cursor, 1000);
            for (const auto& event : events) {
              cursor = event.id;
              if (!flags->job || event.job_id == *flags->job) write_json_line(event.to_json());
            }
            flush_output();
            if (events.size() < 1000) return {flags->no_follow, std::nullopt};
          }
        },
        std::nullopt, context.clock);
    context.exit_status = exit_code_for(outcome);
  });
}

// ---- cancel, retry, reap, purge, ingest -------------------------------------

// The ids once each, in their first order: naming a job twice changes it once.
std::vector<std::string> distinct(const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  for (const auto& id : ids)
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  return out;
}

void add_admin(CLI::App& app, ToolContext& context) {
  auto ids = std::make_shared<std::vector<std::string>>();
  auto reason = std::make_shared<std::string>();
  auto* cancel = app.add_subcommand("cancel", "Cancel jobs that have not ended; their dependents become blocked");
  cancel->add_option("ids", *ids, "Job ids")->required();
  cancel->add_option("--reason", *reason, "Why, recorded in the job's events");
  cancel->callback([&context, ids, reason] {
    auto store = context.open_store(false);
    JobQueue queue(*store, context.clock);
    RecordPrinter printer(context.output_format(), kJobColumns);
    auto jobs = store->write([&] {
      std::vector<Job> out;
      for (const auto& id : distinct(*ids))
        out.push_back(queue.cancel(id, *reason));
      return out;
    });
    for (const auto& job : jobs)
      printer.print(job.to_json());
    printer.finish();
  });

  auto retry_ids = std::make_shared<std::vector<std::string>>();
  auto* retry = app.add_subcommand("retry", "Put dead or canceled jobs back (attempts reset); unblocks dependents");
  retry->add_option("ids", *retry_ids, "Job ids")->required();
  retry->callback([&context, retry_ids] {
    auto store = context.open_store(false);
    JobQueue queue(*store, context.clock);
    RecordPrinter printer(context.output_format(), kJobColumns);
    auto jobs = store->write([&] {
      std::vector<Job> out;
      for (const auto& id : distinct(*retry_ids))
        out.push_back(queue.retry(id));
      return out;
    });
    for (const auto& job : jobs)
      printer.print(job.to_json());
    printer.finish();
  });

  auto* reap = app.add_subcommand("reap", "Return jobs whose lease expired (dead when attempts are spent)");
  reap->callback([&context] {
    auto store = context.open_store(false);
    JobQueue queue(*store, context.clock);
    auto counts = queue.reap();
    RecordPrinter printer(context.output_format(), {"ready", "dead"});
    printer.print(Json{{"ready", counts.ready}, {"dead", counts.dead}});
    printer.finish();
  });

  auto older = std::make_shared<std::string>();
  auto* purge = app.add_subcommand("purge", "Delete done, dead and canceled jobs that ended more than DUR ago");
  purge->add_option("--older-than", *older, "Age, such as 7d")->required();
  purge->callback([&context, older] {
    auto store = context.open_store(false);
    JobQueue queue(*store, context.clock);
    RecordPrinter printer(context.output_format(), {"purged"});
    printer.print(Json{{"purged", queue.purge(parse_duration_flag(*older, "--older-than"))}});
    printer.finish();
  });

  struct IngestFlags {
    std::string folder;
    bool watch = false;
    std::optional<std::int64_t> max_depth;
  };
  auto ingest_flags = std::make_shared<IngestFlags>();
  auto* ingest = app.add_subcommand("ingest", "Turn DIR/*.job.json drop files into jobs");
  ingest->add_option("dir", ingest_flags->folder, "Drop folder")->required();
  ingest->add_flag("--watch", ingest_flags->watch, "Go on, taking new files as they are written (inotify)");
  ingest->add_option("--max-depth", ingest_flags->max_depth, "Backpressure limit, as for push")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40));
  ingest->callback([&context, ingest_flags] {
    auto store = context.open_store();
    JobQueue queue(*store, context.clock);
    auto max_depth = max_depth_from(context.config, ingest_flags->max_depth);
    const Gates gates(GatePolicy::from_config(context.config));
    const Admission admission(gates, JobSource::ingest, job_defaults_from(context.config));
    DropFolder folder(queue, ingest_flags->folder, admission, max_depth, context.clock);
    ExitCode first_rejection = ExitCode::ok;
    auto report = [&](const IngestResult& result) {
      if (!result.accepted && first_rejection == ExitCode::ok) first_rejection = result.error_code;
      write_json_line(result.to_json());
      flush_output();
      if (!result.accepted) print_warning("rejected " + quote(result.file) + ": " + result.error);
    };
    if (ingest_flags->watch) {
      context.exit_status = folder.watch(report);
    } else {
      folder.ingest_all(report);
      context.exit_status = to_int(first_rejection);
    }
  });
}

// ---- gate, review, approve, reject ------------------------------------------

void add_gates(CLI::App& app, ToolContext& context) {
  struct GateFlags {
    std::string kind;
    std::optional<std::string> params, source;
  };
  auto gate_flags = std::make_shared<GateFlags>();
  auto* gate = app.add_subcommand("gate", "Dry run of the admission gates: print each job's report, change nothing");
  gate->add_option("kind", gate_flags->kind, "Kind of the job (with no KIND, read JSON lines from stdin)");
  gate->add_option("-p,--params", gate_flags->params, "Parameters as a JSON object");
  gate->add_option("--source", gate_flags->source, "Judge as from cli (default), ingest, api or followup");
  gate->callback([&context, gate_flags] {
    const Gates gates(GatePolicy::from_config(context.config));
    const JobSource source = parse_job_source(gate_flags->source.value_or("cli"));
    const Admission admission(gates, source, job_defaults_from(context.config));
    RecordPrinter printer(context.output_format(), {"line", "verdict", "action", "source", "findings"});
    bool refused = false;
    auto judge = [&](std::vector<InputLine>& lines) {
      for (const auto& input : lines) {
        GateReport report = admission.judge(input.value, context.clock.now());
        refused = refused || report.verdict == Verdict::fail;
        Json record = report.to_json();
        record["line"] = input.line > 0 ? Json(input.line) : Json(nullptr);
        printer.print(record);
      }
    };
    if (!gate_flags->kind.empty()) {
      Json job{{"kind", gate_flags->kind}};
      if (gate_flags->params) job["params"] = parse_json_flag(*gate_flags->params, "--params");
      std::vector<InputLine> one{{0, job}};
      judge(one);
    } else {
      auto reader = stdin_reader("job");
      if (for_each_input_batch(reader, kBatchLines, judge) == 0) fail(ExitCode::bad_input, "no jobs on standard input");
    }
    printer.finish();
    if (refused) context.exit_status = to_int(ExitCode::bad_input);
  });

  struct ReviewFlags {
    std::optional<std::string> reviewer, actor;
    std::optional<std::int64_t> limit;
  };
  auto review_flags = std::make_shared<ReviewFlags>();
  auto* review = app.add_subcommand("review", "List quarantined jobs with their reports, or let a reviewer decide");
  review->add_option("--reviewer", review_flags->reviewer,
                     "Command that decides each job (sh -c; job and report on stdin; default gates.reviewer)");
  review->add_option("--actor", review_flags->actor, "Who decides (default reviewer:COMMAND)");
  review->add_option("-n,--limit", review_flags->limit, "At most N jobs")->check(CLI::Range(1, 1'000'000));
  review->callback([&context, review_flags] {
    auto store = context.open_store(false);
    JobQueue queue(*store, context.clock);
    ListFilter filter;
    filter.status = JobStatus::quarantined;
    filter.limit = review_flags->limit;
    const GatePolicy policy = GatePolicy::from_config(context.config);
    const auto reviewer = review_flags->reviewer ? review_flags->reviewer : policy.reviewer;
    if (!reviewer) {
      const bool json = context.output_format() == OutputFormat::json;
      RecordPrinter printer(context.output_format(), {"id", "kind", "source", "created_at", "why"});
      queue.list(filter, [&](const Job& job) {
        Json record = job.to_json();
        if (!json && record["gate"].is_object() && !record["gate"]["findings"].empty()) {
          const Json& first = record["gate"]["findings"].back();  // the decisive one comes last
          record["why"] = first["gate"].get<std::string>() + " " + first["code"].get<std::string>();
        }
        printer.print(record);
      });
      printer.finish();
      return;
    }
    std::vector<Job> waiting;
    queue.list(filter, [&](const Job& job) { waiting.push_back(job); });
    const std::string actor = review_flags->actor.value_or("reviewer:" + *reviewer);
    RecordPrinter printer(context.output_format(), {"id", "decision", "status", "reason"});
    for (const auto& job : waiting) {
      Json record = job.to_json();
      Json report = record["gate"];
      Json input{{"job", std::move(record)}, {"report", std::move(report)}};
      ReviewDecision decision;
      try {
        decision = ask_reviewer(*reviewer, input, 60'000);
      } catch (const Error& error) {
        print_warning("job " + quote(job.id) + " stays quarantined: " + error.what());
        context.exit_status = to_int(ExitCode::failed);
        continue;
      }
      Job after;
      try {
        after = queue.review({job.id}, decision.approve, decision.reason, actor).front();
      } catch (const Error& error) {
        if (error.code() != ExitCode::conflict && error.code() != ExitCode::failed) throw;
        print_warning("job " + quote(job.id) + ": " + error.what());  // decided meanwhile, or purged
        context.exit_status = to_int(ExitCode::failed);
        continue;
      }
      printer.print(Json{{"id", job.id},
                         {"decision", decision.approve ? "approve" : "reject"},
                         {"reason", decision.reason},
                         {"actor", actor},
                         {"status", to_string(after.status)}});
      flush_output();
    }
    printer.finish();
  });

  for (bool approve : {true, false}) {
    struct DecideFlags {
      std::vector<std::string> ids;
      std::string reason;
      std::optional<std::string> actor;
    };
    auto flags = std::make_shared<DecideFlags>();
    auto* decide = app.add_subcommand(approve ? "approve" : "reject",
                                      approve ? "Admit quarantined jobs: ready, pending or blocked as their "
                                                "dependencies say"
                                              : "Refuse quarantined jobs: canceled, their dependents blocked");
    decide->add_option("ids", flags->ids, "Job ids")->required();
    decide->add_option("--reason", flags->reason, "Why, recorded with the decision")->required();
    decide->add_option("--actor", flags->actor, "Who decides (default $USER)");
    decide->callback([&context, flags, approve] {
      if (flags->reason.find_first_not_of(" \t\n") == std::string::npos)
        fail(ExitCode::usage, "--reason must not be empty");
      auto store = context.open_store(false);
      JobQueue queue(*store, context.clock);
      RecordPrinter printer(context.output_format(), kJobColumns);
      for (const auto& job :
           queue.review(distinct(flags->ids), approve, flags->reason, flags->actor.value_or(default_actor())))
        printer.print(job.to_json());
      printer.finish();
    });
  }
}

}  // namespace

int main(int argc, char** argv) {
  ToolContext context;
  CLI::App app{
      "sheratan-queue: the durable job queue on the shared Sheratan store.\n"
      "Jobs go in with push, out with claim, and end with ack or fail.",
      "sheratan-queue"};
  add_global_options(app, context.options, "sheratan-queue");
  add_push(app, context);
  add_claim(app, context);
  add_lease_action(app, context, LeaseAction::ack, "ack", "Complete leased jobs and store their results");
  add_lease_action(app, context, LeaseAction::fail, "fail", "Fail leased jobs: retry with backoff, or dead");
  add_lease_action(app, context, LeaseAction::extend, "extend", "Extend leases that are still held");
  add_lease_action(app, context, LeaseAction::release, "release", "Give leased jobs back without spending an attempt");
  add_ls(app, context);
  add_show(app, context);
  add_stats(app, context);
  add_watch(app, context);
  add_admin(app, context);
  add_gates(app, context);
  app.footer(
      "Exit status: 0 ok, 1 failed or nothing found, 2 usage, 3 conflict, 4 bad input, 5 busy, full or PAUSED.\n"
      "See sheratan-queue(1), sheratan-jsonl(5) and sheratan(7).");
  return run_tool(app, context, argc, argv);
}
