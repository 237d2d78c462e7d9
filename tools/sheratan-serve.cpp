// sheratan-serve: the HTTP face of the store. This file parses flags and settings and
// handles signals; common/serve/ does the work.
#include <pthread.h>
#include <sys/resource.h>

#include <csignal>
#include <future>
#include <thread>

#include "cli/app.hpp"
#include "cli/error.hpp"
#include "cli/message.hpp"
#include "queue/job_defaults.hpp"
#include "serve/api_server.hpp"
#include "worker/store_broker.hpp"

using namespace sheratan;
using namespace sheratan::serve;

namespace {

struct ServeFlags {
  std::optional<std::string> listen, tokens, timeout, max_wait, heartbeat_window;
  std::optional<std::int64_t> rate, burst, max_depth;
  std::int64_t threads = 64;
  std::int64_t max_body = 16 * 1024 * 1024;
};

ServeOptions resolve_options(const ToolContext& context, const ServeFlags& flags) {
  const Config& config = context.config;
  ServeOptions options;
  options.listen =
      parse_listen_address(config.text(flags.listen, "SHERATAN_LISTEN", "serve.listen").value_or("127.0.0.1:8001"));
  options.tokens_path = config.text(flags.tokens, "SHERATAN_TOKENS", "serve.tokens");
  options.threads = static_cast<std::size_t>(flags.threads);
  options.max_body = static_cast<std::size_t>(flags.max_body);
  if (flags.timeout) options.timeout_ms = std::max<Millis>(1000, parse_duration_flag(*flags.timeout, "--timeout"));
  if (flags.max_wait) options.max_wait_ms = parse_duration_flag(*flags.max_wait, "--max-wait");
  if (auto window = config.duration(flags.heartbeat_window, "--heartbeat-window", "SHERATAN_HEARTBEAT_WINDOW",
                                    "serve.heartbeat_window"))
    options.heartbeat_window_ms = *window;
  options.rate = static_cast<double>(config.integer(flags.rate, nullptr, "serve.rate").value_or(0));
  options.burst = static_cast<double>(config.integer(flags.burst, nullptr, "serve.burst").value_or(0));
  options.max_depth = config.integer(flags.max_depth, "SHERATAN_QUEUE_MAX_DEPTH", "queue.max_depth");
  options.defaults = job_defaults_from(config);
  options.gates = GatePolicy::from_config(config);
  options.chain = chain_limits(config, std::nullopt, std::nullopt);
  options.log_requests = context.options.verbose > 0;
  return options;
}

/// The signals the server handles, taken by one thread with sigwait: SIGHUP reloads
/// the tokens, SIGINT and SIGTERM stop the server; SIGUSR1 ends the thread.
sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int signal : {SIGHUP, SIGINT, SIGTERM, SIGUSR1})
    sigaddset(&set, signal);
  return set;
}

/// Waits for the signals; returns the exit status a stopping signal asks for, or 0
/// when told to end (SIGUSR1, after the server stopped by itself).
int handle_signals(ApiServer& server, const sigset_t& set, std::future<void> served) {
  for (;;) {
    int signal = 0;
    if (sigwait(&set, &signal) != 0) continue;
    if (signal == SIGHUP) {
      try {
        server.reload_tokens();
        print_info("tokens reloaded");
      } catch (const Error& error) {
        print_error(std::string(error.what()) + " (the old tokens stay in force)");
      }
      continue;
    }
    if (signal == SIGUSR1) return 0;
    // A stop that comes just before the server runs is not seen by it: ask again
    // until it has returned.
    do
      server.stop();
    while (served.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready);
    return signal == SIGINT ? to_int(ExitCode::interrupted) : to_int(ExitCode::terminated);
  }
}

/// Many waiting clients mean many threads, each with a socket and a store connection
/// (three files): the soft limit of open files (often 1,024) goes up to the hard one.
void raise_open_file_limit() {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur >= files.rlim_max) return;
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
}

void run_server(ToolContext& context, const ServeFlags& flags) {
  ServeOptions options = resolve_options(context, flags);
  raise_open_file_limit();
  options.store = context.store_options();
  context.open_store();  // creates and migrates the store once, before the threads open theirs
  const sigset_t signals = handled_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts: they inherit it
  ApiServer server(options, context.clock);
  const int port = server.bind();
  const std::string address = options.listen.to_string(port);
  write_json_line(Json{{"listen", address}, {"url", "http://" + address}});
  flush_output();
  int signalled = 0;
  std::promise<void> served;
  std::thread signal_thread(
      [&, done = served.get_future()]() mutable { signalled = handle_signals(server, signals, std::move(done)); });
  const bool ok = server.serve();
  served.set_value();
  pthread_kill(signal_thread.native_handle(), SIGUSR1);
  signal_thread.join();
  if (signalled)
    context.exit_status = signalled;
  else if (!ok)
    fail(ExitCode::failed, "the server stopped on an error");
}

}  // namespace

int main(int argc, char** argv) {
  ToolContext context;
  CLI::App app{
      "sheratan-serve: the HTTP face of the Sheratan store: jobs, remote workers, state, ledger, hosts, metrics.\n"
      "Prints {\"listen\",\"url\"} once it listens; see sheratan-serve(1) for the routes.",
      "sheratan-serve"};
  add_global_options(app, context.options, "sheratan-serve");
  app.require_subcommand(0);  // a server has flags only
  ServeFlags flags;
  app.add_option("--listen", flags.listen, "HOST:PORT to listen on (default 127.0.0.1:8001; port 0: any free port)");
  app.add_option("--tokens", flags.tokens, "Bearer tokens file: NAME SCOPES TOKEN a line (needed off loopback)");
  app.add_option("--threads", flags.threads, "Requests served at the same time (default 64)")
      ->check(CLI::Range(1, 10000));
  app.add_option("--max-body", flags.max_body, "Largest request body in bytes (default 16777216)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 34));
  app.add_option("--timeout", flags.timeout, "Cut off a client whose read or write stalls this long (default 10s)");
  app.add_option("--max-wait", flags.max_wait, "Longest a claim may be held waiting for a job (default 60s)");
  app.add_option("--heartbeat-window", flags.heartbeat_window,
                 "Refuse a heartbeat whose ts is further than this from now (default 60s)");
  app.add_option("--rate", flags.rate, "Requests a second per token name (default 0: no limit)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 30));
  app.add_option("--burst", flags.burst, "Size of each token's bucket (default: --rate, at least 1)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 30));
  app.add_option("--max-depth", flags.max_depth, "Refuse jobs (429) past this many unfinished jobs in a queue");
  app.callback([&] { run_server(context, flags); });
  app.footer(
      "Exit status: 1 failed, 2 usage, 4 bad input (tokens file), 130/143 after SIGINT/SIGTERM.\n"
      "See sheratan-serve(1) and sheratan(7).");
  return run_tool(app, context, argc, argv);
}
