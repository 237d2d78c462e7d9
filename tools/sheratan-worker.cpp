// sheratan-worker: runs jobs from the queue, with built-in actions or any program
// (--exec). This file parses flags and settings; common/worker/ does the work.
#include <unistd.h>

#include <filesystem>

#include "cli/app.hpp"
#include "cli/error.hpp"
#include "cli/message.hpp"
#include "net/bearer_token.hpp"
#include "net/http_post.hpp"
#include "probe/host.hpp"
#include "worker/remote_broker.hpp"
#include "worker/store_broker.hpp"
#include "worker/worker.hpp"

using namespace sheratan;

namespace {

struct WorkerFlags {
  std::optional<std::string> id, queue, lease, root, exec, grace, kill_grace;
  std::optional<std::string> identity, heartbeat_to, token_file, heartbeat_every, server;
  std::vector<std::string> kinds;
  std::int64_t concurrency = 1;
  std::optional<std::int64_t> max_chain_depth, max_chain_jobs, prefetch;
  bool drain = false, once = false, hold_cost = false;
};

std::string host_name() {
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  return host;
}

std::string default_worker_name() {
  return host_name() + ":" + std::to_string(getpid());
}

std::optional<std::string> server_url(const ToolContext& context, const WorkerFlags& flags) {
  return context.config.text(flags.server, "SHERATAN_SERVER", "worker.server");
}

Millis duration_setting(const ToolContext& context, const std::optional<std::string>& flag, std::string_view flag_name,
                        const char* env, const std::string& key, Millis fallback) {
  return context.config.duration(flag, flag_name, env, key).value_or(fallback);
}

WorkerOptions resolve_options(const ToolContext& context, const WorkerFlags& flags) {
  WorkerOptions options;
  const Config& config = context.config;
  options.id = flags.id.value_or(default_worker_name());
  options.queue = config.text(flags.queue, "SHERATAN_QUEUE", "queue.default").value_or("default");
  options.kinds = flags.kinds;
  options.concurrency = flags.concurrency;
  // A remote worker's round costs a trip over the network: it carries more jobs.
  options.prefetch =
      config.integer(flags.prefetch, nullptr, "worker.prefetch").value_or(server_url(context, flags) ? 1024 : 256);
  options.lease_ms = duration_setting(context, flags.lease, "--lease", "SHERATAN_LEASE", "worker.lease", 60'000);
  options.grace_ms = duration_setting(context, flags.grace, "--grace", nullptr, "worker.grace", 30'000);
  options.kill_grace_ms =
      duration_setting(context, flags.kill_grace, "--kill-grace", nullptr, "worker.kill_grace", 5'000);
  options.root = config.text(flags.root, "SHERATAN_ROOT", "worker.root").value_or(".");
  options.exec = config.text(flags.exec, nullptr, "worker.exec");
  // An empty command would "run" every job by doing nothing and mark it done.
  if (options.exec && options.exec->find_first_not_of(" \t\n") == std::string::npos)
    fail(flags.exec ? ExitCode::usage : ExitCode::bad_input,
         flags.exec ? "--exec needs a command" : "config 'worker.exec' is empty: it needs a command");
  options.mode = flags.drain ? WorkerMode::drain : flags.once ? WorkerMode::once : WorkerMode::forever;
  options.hold_cost = flags.hold_cost;
  auto identity = config.text(flags.identity, "SHERATAN_IDENTITY", "worker.identity");
  auto heartbeat_to = config.text(flags.heartbeat_to, "SHERATAN_HEARTBEAT_TO", "worker.heartbeat_to");
  // A remote worker's heartbeats go to the server it works for, unless told otherwise.
  if (identity && !heartbeat_to) heartbeat_to = server_url(context, flags);
  if (heartbeat_to && !identity) fail(ExitCode::usage, "--heartbeat-to needs --identity FILE to sign with");
  if (identity && !heartbeat_to) fail(ExitCode::usage, "--identity needs --heartbeat-to URL to send heartbeats to");
  if (identity) {
    HeartbeatOptions heartbeat;
    heartbeat.identity_path = *identity;
    heartbeat.url = *heartbeat_to;
    heartbeat.token = read_bearer_token(config.text(flags.token_file, "SHERATAN_TOKEN_FILE", "serve.token_file"));
    // A host's key is pinned to its name: the name must not change with each run (the
    // default worker id holds the pid), so it is --id when given, else the host name.
    heartbeat.host = flags.id.value_or(host_name());
    check_host_name(heartbeat.host);
    heartbeat.every_ms = duration_setting(context, flags.heartbeat_every, "--heartbeat-every", nullptr,
                                          "worker.heartbeat_every", heartbeat.every_ms);
    if (heartbeat.every_ms < 1) fail(ExitCode::usage, "--heartbeat-every must be positive");
    options.heartbeat = heartbeat;
  }
  return options;
}

StoreBrokerOptions broker_options(const ToolContext& context, const WorkerFlags& flags) {
  const Config& config = context.config;
  StoreBrokerOptions options;
  options.chain = chain_limits(config, flags.max_chain_depth, flags.max_chain_jobs);
  options.gates = std::make_shared<const Gates>(GatePolicy::from_config(config));
  options.hold_cost = flags.hold_cost;
  return options;
}

/// The queue on the store, or behind sheratan-serve with --server.
std::unique_ptr<JobBroker> open_broker(ToolContext& context, const WorkerFlags& flags, const WorkerOptions& options,
                                       std::unique_ptr<Store>& store) {
  auto server = server_url(context, flags);
  if (!server) {
    store = context.open_store();
    return std::make_unique<StoreBroker>(*store, context.clock, broker_options(context, flags));
  }
  // The server carries out chains and holds with its own settings (sheratan-serve(1)).
  if (flags.hold_cost) fail(ExitCode::usage, "--hold-cost works on the store: not with --server");
  if (flags.max_chain_depth || flags.max_chain_jobs)
    fail(ExitCode::usage, "--max-chain-depth and --max-chain-jobs: with --server, the server's config sets them");
  RemoteBrokerOptions remote;
  remote.url = *server;
  // One token serves both: the heartbeats' was read already when they are on.
  remote.token =
      options.heartbeat
          ? options.heartbeat->token
          : read_bearer_token(context.config.text(flags.token_file, "SHERATAN_TOKEN_FILE", "serve.token_file"));
  return std::make_unique<RemoteBroker>(remote, context.clock);
}

EventStyle event_style(const ToolContext& context) {
  if (context.options.quiet) return EventStyle::none;
  return context.output_format() == OutputFormat::table ? EventStyle::human : EventStyle::json;
}

}  // namespace

int main(int argc, char** argv) {
  ToolContext context;
  CLI::App app{
      "sheratan-worker: runs jobs from the queue with built-in actions or any program (--exec).\n"
      "Prints one JSON line per lifecycle event (claimed, done, retry, failed, dead, timeout, released).",
      "sheratan-worker"};
  add_global_options(app, context.options, "sheratan-worker");
  app.require_subcommand(0);  // a worker has flags only
  WorkerFlags flags;
  app.add_option("--id", flags.id, "Worker name holding the leases (default host:pid)");
  app.add_option("--queue", flags.queue, "Queue to work (default: default)");
  app.add_option("--kinds", flags.kinds,
                 "Only these kinds (comma-separated; default: all built-ins, or any with --exec)")
      ->delimiter(',')
      ->allow_extra_args(false);
  app.add_option("-c,--concurrency", flags.concurrency, "Jobs run at the same time (default 1)")
      ->check(CLI::Range(1, 10000));
  app.add_option("--prefetch", flags.prefetch,
                 "Most jobs claimed ahead of free slots when jobs are quick (default 256, 1024 with --server; 0: none)")
      ->check(CLI::Range(0, 100000));
  app.add_option("--lease", flags.lease, "Lease length, renewed at a third of it (default 60s)");
  app.add_option("--root", flags.root, "Folder file actions stay inside (else $SHERATAN_ROOT, else .)");
  app.add_option("--exec", flags.exec, "Run every job with this command (sh -c); the job is on its stdin");
  auto* drain = app.add_flag("--drain", flags.drain, "Work until nothing is ready, then exit (for cron)");
  app.add_flag("--once", flags.once, "Wait for one job, run it, exit")->excludes(drain);
  app.add_option("--grace", flags.grace, "After SIGTERM, time running jobs get to finish (default 30s)");
  app.add_option("--kill-grace", flags.kill_grace,
                 "After SIGTERM to a job's processes, time until SIGKILL (default 5s)");
  app.add_option("--max-chain-depth", flags.max_chain_depth, "Deepest follow-up of a chain (default 5)")
      ->check(CLI::Range(0, 1000));
  app.add_option("--max-chain-jobs", flags.max_chain_jobs, "Follow-ups one chain may enqueue (default 25)")
      ->check(CLI::Range(0, 100000));
  app.add_flag("--hold-cost", flags.hold_cost,
               "Hold a job's cost from labels.payer at claim, post it at ack, void it otherwise (see sheratan-ledger)");
  app.add_option("--identity", flags.identity, "Key file (sheratan-probe keygen) to sign heartbeats with");
  app.add_option("--server", flags.server,
                 "Work jobs from this sheratan-serve (base URL) instead of the store; see sheratan-worker(1)");
  app.add_option("--heartbeat-to", flags.heartbeat_to,
                 "Send signed heartbeats to this sheratan-serve base URL (default: --server)");
  app.add_option("--token-file", flags.token_file, "File holding the bearer token (scope work) for the server");
  app.add_option("--heartbeat-every", flags.heartbeat_every, "Time between heartbeats (default 15s)");
  app.callback([&] {
    WorkerOptions options = resolve_options(context, flags);
    if (options.root != "." && !std::filesystem::is_directory(options.root))
      fail(ExitCode::usage, "--root " + quote(options.root) + " is not a folder");
    std::unique_ptr<Store> store;
    auto broker = open_broker(context, flags, options, store);
    EventLog events(event_style(context), options.id, context.clock);
    Worker worker(*broker, context.clock, std::move(options), events);
    context.exit_status = worker.run();
  });
  app.footer(
      "Exit status: 0 ok, 1 failed, 2 usage, 4 bad input, 5 store busy, 130/143 after SIGINT/SIGTERM.\n"
      "See sheratan-worker(1), sheratan-queue(1) and sheratan(7).");
  return run_tool(app, context, argc, argv);
}
