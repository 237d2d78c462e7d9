// sheratan-probe: the host registry and concurrent health probing. Each subcommand
// parses its flags, calls common/probe/ and prints.
#include <unistd.h>

#include <map>

#include "cli/app.hpp"
#include "cli/error.hpp"
#include "cli/message.hpp"
#include "identity/heartbeat_book.hpp"
#include "identity/heartbeat_sender.hpp"
#include "net/bearer_token.hpp"
#include "net/http_post.hpp"
#include "probe/probe_run.hpp"
#include "probe/registry.hpp"
#include "probe/selection.hpp"

using namespace sheratan;

namespace {

Millis duration_setting(const ToolContext& context, const std::optional<std::string>& flag, std::string_view flag_name,
                        const std::string& key, Millis fallback) {
  return context.config.duration(flag, flag_name, nullptr, key).value_or(fallback);
}

DampingRules damping_rules(const ToolContext& context) {
  DampingRules rules;
  const Config& config = context.config;
  rules.down_after = config.integer(std::nullopt, nullptr, "probe.down_after").value_or(rules.down_after);
  rules.up_after = config.integer(std::nullopt, nullptr, "probe.up_after").value_or(rules.up_after);
  rules.cooldown_ms = duration_setting(context, std::nullopt, {}, "probe.cooldown", rules.cooldown_ms);
  rules.slow_ms = duration_setting(context, std::nullopt, {}, "probe.slow", rules.slow_ms);
  return rules;
}

void print_line(const Json& line) {
  write_json_line(line);
  flush_output();
}

void add_add(CLI::App& app, ToolContext& context) {
  struct Flags {
    HostSpec spec;
    std::vector<std::string> capabilities;
    std::optional<std::string> expect_status;
  };
  auto flags = std::make_shared<Flags>();
  auto* add = app.add_subcommand("add", "Register a host (or replace its registration, keeping its stats)");
  add->add_option("name", flags->spec.name, "Host name: letters, digits, .-_:")->required();
  add->add_option("url", flags->spec.url, "Base URL, http:// or https://")->required();
  add->add_option("-c,--capability", flags->capabilities, "KIND=COST it can run, cost as money (repeatable)")
      ->allow_extra_args(false);
  add->add_flag("--critical", flags->spec.critical, "The system is DEGRADED while this host is down");
  add->add_option("--path", flags->spec.path, "Health path (default /health)");
  add->add_option("--expect-status", flags->expect_status, "Healthy statuses: 200-299 (default) or one status");
  add->callback([&context, flags] {
    HostSpec spec = flags->spec;
    for (const auto& text : flags->capabilities)
      spec.capabilities.push_back(parse_capability(text));
    if (flags->expect_status) std::tie(spec.expect_low, spec.expect_high) = parse_status_range(*flags->expect_status);
    auto store = context.open_store();
    HostRegistry registry(*store, context.clock);
    print_line(registry.add(spec).to_json());
  });
}

void add_rm(CLI::App& app, ToolContext& context) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* rm = app.add_subcommand("rm", "Remove hosts and their results");
  rm->add_option("names", *names, "Host names")->required();
  rm->callback([&context, names] {
    auto store = context.open_store(false);
    HostRegistry registry(*store, context.clock);
    for (const auto& name : *names) {
      if (registry.remove(name)) {
        print_info("removed " + quote(name));
      } else {
        print_error("no host " + quote(name));
        context.exit_status = to_int(ExitCode::failed);
      }
    }
  });
}

void add_ls(CLI::App& app, ToolContext& context) {
  auto* ls = app.add_subcommand("ls", "List hosts with their status and stats, by name");
  ls->callback([&context] {
    auto store = context.open_store(false);
    HostRegistry registry(*store, context.clock);
    HeartbeatBook book(*store, context.clock);
    RecordPrinter printer(context.output_format(), {"name", "url", "status", "critical", "latency_ms_ema",
                                                    "success_ema", "samples", "last_heartbeat"});
    auto [hosts, keys] = store->read([&] { return std::pair{registry.list(), book.list()}; });
    std::map<std::string, Json> heartbeats;
    for (const auto& key : keys)
      heartbeats.emplace(key.host, key.to_json());
    for (const auto& host : hosts) {
      Json record = host.to_json();
      auto found = heartbeats.find(host.spec.name);
      record["heartbeat"] = found == heartbeats.end() ? Json() : found->second;
      record["last_heartbeat"] = found == heartbeats.end() ? Json() : found->second["last_seen"];
      printer.print(record);
    }
    printer.finish();
  });
}

void add_show(CLI::App& app, ToolContext& context) {
  struct Flags {
    std::string name;
    std::int64_t limit = 10;
  };
  auto flags = std::make_shared<Flags>();
  auto* show = app.add_subcommand("show", "Show one host with its latest results");
  show->add_option("name", flags->name, "Host name")->required();
  show->add_option("-n,--limit", flags->limit, "Results shown, newest first (default 10)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40));
  show->callback([&context, flags] {
    auto store = context.open_store(false);
    HostRegistry registry(*store, context.clock);
    auto host = registry.find(flags->name);
    if (!host) fail(ExitCode::failed, "no host " + quote(flags->name));
    Json out = host->to_json();
    auto key = HeartbeatBook(*store, context.clock).find(flags->name);
    out["heartbeat"] = key ? key->to_json() : Json();
    out["results"] = Json::array();
    for (const auto& result : registry.results(flags->name, flags->limit))
      out["results"].push_back(result.to_json());
    print_line(out);
  });
}

void add_status(CLI::App& app, ToolContext& context) {
  auto* status = app.add_subcommand("status", "All hosts at a glance (a table on a terminal)");
  status->callback([&context] {
    auto store = context.open_store(false);
    HostRegistry registry(*store, context.clock);
    RecordPrinter printer(context.output_format(),
                          {"name", "status", "critical", "since", "latency_ms", "success", "last_error"});
    for (const auto& host : registry.list()) {
      Json full = host.to_json();
      printer.print(Json{{"name", full["name"]},
                         {"status", full["status"]},
                         {"critical", full["critical"]},
                         {"since", full["status_since"]},
                         {"latency_ms", full["latency_ms_ema"]},
                         {"success", full["success_ema"]},
                         {"last_error", full["last_error"]}});
    }
    printer.finish();
  });
}

void add_run(CLI::App& app, ToolContext& context) {
  struct Flags {
    bool once = false;
    std::optional<std::string> interval, timeout;
    std::optional<std::int64_t> concurrency;
  };
  auto flags = std::make_shared<Flags>();
  auto* run = app.add_subcommand("run", "Probe every host at once, every interval (or --once); a JSON line per result");
  run->add_flag("--once", flags->once, "One round, then exit (1 when a critical host is down)");
  run->add_option("--interval", flags->interval, "Time from one round's start to the next's (default 30s)");
  run->add_option("--timeout", flags->timeout, "Time a probe may take (default 2.5s)");
  run->add_option("--concurrency", flags->concurrency, "Probes in flight at once (default 500)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100000}));
  run->callback([&context, flags] {
    ProbeRunOptions options;
    options.once = flags->once;
    options.interval_ms =
        duration_setting(context, flags->interval, "--interval", "probe.interval", options.interval_ms);
    options.timeout_ms = duration_setting(context, flags->timeout, "--timeout", "probe.timeout", options.timeout_ms);
    options.concurrency =
        context.config.integer(flags->concurrency, nullptr, "probe.concurrency").value_or(options.concurrency);
    options.retention = context.config.integer(std::nullopt, nullptr, "probe.retention").value_or(options.retention);
    options.rules = damping_rules(context);
    auto store = context.open_store();
    const bool json = context.output_format() != OutputFormat::table;
    ProbeRunner runner(*store, context.clock, options, [&](const RecordedResult& recorded) {
      if (context.options.quiet && !json) return;
      Json line = recorded.to_json();
      if (json) {
        write_json_line(line);
      } else {
        std::string text = line["host"].get<std::string>() + "  " + line["status"].get<std::string>() + "  " +
                           std::to_string(recorded.result.latency_ms) + "ms";
        if (recorded.result.error) text += "  " + *recorded.result.error;
        std::fprintf(stdout, "%s\n", text.c_str());
      }
      flush_output();
    });
    context.exit_status = runner.run();
  });
}

void add_best(CLI::App& app, ToolContext& context) {
  auto kind = std::make_shared<std::string>();
  auto* best = app.add_subcommand("best", "Rank the eligible hosts for a kind of job, best first, with their scores");
  best->add_option("-k,--kind", *kind, "Kind of job")->required();
  best->callback([&context, kind] {
    auto store = context.open_store(false);
    HostRegistry registry(*store, context.clock);
    auto ranked = rank_candidates(registry.offering(*kind), context.clock.now());
    RecordPrinter printer(context.output_format(),
                          {"name", "score", "cost", "cost_part", "success_part", "latency_part", "url"});
    std::string excluded;
    for (const auto& candidate : ranked) {
      if (candidate.eligible()) {
        printer.print(candidate.to_json());
        continue;
      }
      std::string why;
      for (const auto& reason : candidate.excluded_because)
        why += (why.empty() ? "" : ", ") + reason;
      excluded += (excluded.empty() ? "" : "; ") + candidate.offer.host.spec.name + ": " + why;
    }
    printer.finish();
    if (ranked.empty() || !ranked.front().eligible()) {
      print_error("no eligible host for kind " + quote(*kind) + (excluded.empty() ? "" : " (" + excluded + ")"));
      context.exit_status = to_int(ExitCode::failed);
    }
  });
}

std::string local_host_name() {
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  return host;
}

void add_keygen(CLI::App& app, ToolContext& context) {
  struct Flags {
    std::string path;
    bool force = false;
  };
  auto flags = std::make_shared<Flags>();
  auto* keygen = app.add_subcommand("keygen", "Write a new Ed25519 identity (mode 0600) for signed heartbeats");
  keygen->add_option("file", flags->path, "Key file to write")->required();
  keygen->add_flag("--force", flags->force, "Replace the file when it exists");
  keygen->callback([&context, flags] {
    Identity identity = Identity::generate();
    identity.save(flags->path, flags->force, context.clock.now());
    print_line(Json{{"file", flags->path},
                    {"public_key", identity.public_key_base64()},
                    {"fingerprint", key_fingerprint(identity.public_key())}});
  });
}

/// The exit code a heartbeat's answer stands for.
ExitCode exit_code_of_status(long status) {
  if (status >= 200 && status < 300) return ExitCode::ok;
  if (status == 400 || status == 413) return ExitCode::bad_input;
  if (status == 409) return ExitCode::conflict;
  if (status == 429 || status == 503) return ExitCode::unavailable;
  return ExitCode::failed;
}

void add_heartbeat(CLI::App& app, ToolContext& context) {
  struct Flags {
    std::string url, identity;
    std::optional<std::string> name, token_file, status, timeout;
    bool print_only = false;
  };
  auto flags = std::make_shared<Flags>();
  auto* heartbeat = app.add_subcommand("heartbeat", "Send one signed heartbeat to sheratan-serve (for cron)");
  heartbeat->add_option("url", flags->url, "The server's base URL, e.g. http://10.0.0.1:8001");
  heartbeat->add_option("--identity", flags->identity, "Key file written by keygen")->required();
  heartbeat->add_option("--name", flags->name, "Host name the heartbeat carries (default: this machine's)");
  heartbeat->add_option("--token-file", flags->token_file, "File holding the bearer token (scope work)");
  heartbeat->add_option("--status", flags->status, "Status to report (default ok)");
  heartbeat->add_option("--timeout", flags->timeout, "Time the request may take (default 10s)");
  heartbeat->add_flag("--print-only", flags->print_only, "Print the signed heartbeat instead of sending it (for curl)");
  heartbeat->callback([&context, flags] {
    if (flags->url.empty() && !flags->print_only) fail(ExitCode::usage, "heartbeat needs the server's URL");
    if (!flags->print_only) check_host_url(flags->url);  // a malformed URL is bad input (4), not unreachable (5)
    Identity identity = Identity::load(flags->identity);
    const std::optional<std::string> token =
        read_bearer_token(context.config.text(flags->token_file, "SHERATAN_TOKEN_FILE", "serve.token_file"));
    HeartbeatFields fields;
    fields.host = flags->name.value_or(local_host_name());
    check_host_name(fields.host);
    fields.ts = context.clock.now();
    fields.counter = next_heartbeat_counter(fields.ts, 0);
    fields.status = flags->status.value_or("ok");
    const Millis timeout = flags->timeout ? parse_duration_flag(*flags->timeout, "--timeout") : 10'000;
    Json body = sign_heartbeat(fields, identity);
    if (flags->print_only) {
      print_line(body);
      return;
    }
    HttpReply reply = post_json_once(heartbeat_url(flags->url), body.dump(), token, timeout);
    if (reply.error)
      fail(ExitCode::unavailable, "cannot send the heartbeat to " + quote(flags->url) + ": " + *reply.error);
    Json answer = Json::parse(reply.body, nullptr, false);
    if (reply.status >= 200 && reply.status < 300) {
      print_line(answer.is_discarded() ? Json{{"status", reply.status}} : answer);
      return;
    }
    std::string why = answer.is_object() && answer.contains("message") && answer["message"].is_string()
                          ? answer["message"].get<std::string>()
                          : reply.body;
    throw Error(exit_code_of_status(reply.status),
                "heartbeat refused (HTTP " + std::to_string(reply.status) + "): " + why,
                answer.is_discarded() ? std::string() : answer.dump());
  });
}

}  // namespace

int main(int argc, char** argv) {
  ToolContext context;
  CLI::App app{
      "sheratan-probe: the host registry and concurrent health probing.\n"
      "Hosts are probed all at once; each has a damped status (up, degraded, down) and stats.",
      "sheratan-probe"};
  add_global_options(app, context.options, "sheratan-probe");
  add_add(app, context);
  add_rm(app, context);
  add_ls(app, context);
  add_show(app, context);
  add_status(app, context);
  add_run(app, context);
  add_best(app, context);
  add_keygen(app, context);
  add_heartbeat(app, context);
  app.footer(
      "Exit status: 0 ok, 1 critical host down, none eligible, not found or heartbeat refused, 2 usage,\n"
      "3 key file exists or heartbeat replayed/stale, 4 bad input, 5 busy or server unreachable.\n"
      "See sheratan-probe(1) and sheratan(7).");
  return run_tool(app, context, argc, argv);
}
