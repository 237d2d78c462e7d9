// sheratan-state: the system state machine that gates the toolkit. Each subcommand
// parses its flags, calls common/state/ and prints.
#include <cstdlib>

#include "cli/app.hpp"
#include "cli/error.hpp"
#include "cli/message.hpp"
#include "json/jsonl.hpp"
#include "state/health_facts.hpp"
#include "state/reflection.hpp"
#include "state/state_machine.hpp"
#include "store/wakeup.hpp"

using namespace sheratan;

namespace {

const std::vector<std::string> kEventColumns = {"id", "ts", "prev_state", "next_state", "reason", "actor"};

Json parse_meta(const std::optional<std::string>& text) {
  if (!text) return Json::object();
  Json meta;
  try {
    meta = parse_json_text(*text);
  } catch (const Error& error) {
    fail(error.code(), std::string("--meta: ") + error.what());
  }
  if (!meta.is_object()) fail(ExitCode::bad_input, "--meta must be a JSON object");
  return meta;
}

/// --since: an RFC 3339 time, or a duration meaning that long ago.
EpochMillis parse_since(const std::string& text, EpochMillis now) {
  try {
    return parse_rfc3339(text);
  } catch (const Error&) {
  }
  try {
    return now - parse_duration(text);
  } catch (const Error&) {
    fail(ExitCode::bad_input, "--since " + quote(text) + " is neither an RFC 3339 time nor a duration");
  }
}

void print_line(const Json& line) {
  write_json_line(line);
  flush_output();
}

void add_get(CLI::App& app, ToolContext& context) {
  auto* get = app.add_subcommand("get", "Print the current state, since when, and the last transition");
  get->callback([&context] {
    auto store = context.open_store(false);
    StateMachine machine(*store, context.clock);
    auto [last, since] = store->read([&] { return std::pair{machine.latest(), machine.since()}; });
    const Millis duration = std::max<Millis>(0, context.clock.now() - since);
    print_line(Json{{"state", std::string(to_string(last.next))},
                    {"since", format_rfc3339(since)},
                    {"duration_ms", duration},
                    {"duration", format_duration(duration)},
                    {"last", last.to_json()}});
  });
}

void add_set(CLI::App& app, ToolContext& context) {
  struct Flags {
    std::string state, reason;
    std::optional<std::string> actor, meta;
  };
  auto flags = std::make_shared<Flags>();
  auto* set = app.add_subcommand("set", "Move the system to STATE, recording why (illegal pairs exit 3)");
  set->add_option("state", flags->state, "OPERATIONAL, DEGRADED, REFLECTIVE, RECOVERY or PAUSED")->required();
  set->add_option("-r,--reason", flags->reason, "Why (required, not empty)")->required();
  set->add_option("--actor", flags->actor, "Who asks (default $USER)");
  set->add_option("--meta", flags->meta, "More about it, as a JSON object");
  set->callback([&context, flags] {
    TransitionRequest request;
    request.to = require_system_state(flags->state);
    request.reason = flags->reason;
    request.actor = flags->actor.value_or(default_actor());
    request.meta = parse_meta(flags->meta);
    auto store = context.open_store();
    StateMachine machine(*store, context.clock);
    StateEvent event = machine.transition(request);
    if (event.noop()) print_info("already " + std::string(to_string(event.next)) + ": recorded as a no-op");
    print_line(event.to_json());
  });
}

void add_history(CLI::App& app, ToolContext& context) {
  struct Flags {
    std::optional<std::int64_t> limit;
    std::optional<std::string> since;
  };
  auto flags = std::make_shared<Flags>();
  auto* history = app.add_subcommand("history", "Print the recorded transitions, oldest first");
  history->add_option("-n,--limit", flags->limit, "Only the last N")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
  history->add_option("--since", flags->since, "Only those at or after TIME (RFC 3339, or a duration ago: 1h)");
  history->callback([&context, flags] {
    const EpochMillis since = flags->since ? parse_since(*flags->since, context.clock.now()) : 0;
    auto store = context.open_store(false);
    StateMachine machine(*store, context.clock);
    RecordPrinter printer(context.output_format(), kEventColumns);
    for (const auto& event : machine.history(flags->limit, since))
      printer.print(event.to_json());
    printer.finish();
  });
}

void add_watch(CLI::App& app, ToolContext& context) {
  auto all = std::make_shared<bool>(false);
  auto* watch = app.add_subcommand("watch", "Stream transitions as JSON lines as they are recorded (until signalled)");
  watch->add_flag("--all", *all, "Print the transitions recorded so far first");
  watch->callback([&context, all] {
    auto store = context.open_store(false);
    StateMachine machine(*store, context.clock);
    std::int64_t cursor = *all ? 0 : machine.last_event_id();
    StoreWaiter waiter(*store);
    auto outcome = waiter.wait(
        [&]() -> WaitCheck {
          for (;;) {
            auto events = machine.events_after(cursor, 1000);
            for (const auto& event : events) {
              cursor = event.id;
              write_json_line(event.to_json());
            }
            flush_output();
            if (events.size() < 1000) return {};
          }
        },
        std::nullopt, context.clock);
    context.exit_status = exit_code_for(outcome);
  });
}

void add_wait(CLI::App& app, ToolContext& context) {
  struct Flags {
    std::string state;
    std::optional<std::string> timeout;
  };
  auto flags = std::make_shared<Flags>();
  auto* wait = app.add_subcommand("wait", "Block until the system is in STATE (exit 0), or the timeout (exit 1)");
  wait->add_option("state", flags->state, "The state to wait for")->required();
  wait->add_option("--timeout", flags->timeout, "Give up after DUR (default: never)");
  wait->callback([&context, flags] {
    const SystemState target = require_system_state(flags->state);
    std::optional<std::int64_t> deadline;
    if (flags->timeout) deadline = monotonic_millis() + parse_duration_flag(*flags->timeout, "--timeout");
    auto store = context.open_store(false);
    StateMachine machine(*store, context.clock);
    StoreWaiter waiter(*store);
    StateEvent reached;
    auto outcome = waiter.wait(
        [&]() -> WaitCheck {
          reached = machine.latest_change();  // not a no-op recorded after it
          return {reached.next == target, std::nullopt};
        },
        deadline, context.clock);
    if (outcome == WaitOutcome::done) {
      // The transition that reached the state: a script learns when, why and by whom,
      // and a reader of the pipe is woken by this line before the waiter has exited.
      write_json_line(reached.to_json());
      flush_output();
    }
    if (outcome == WaitOutcome::deadline)
      print_info("still " + std::string(to_string(machine.current())) + " after " + *flags->timeout);
    context.exit_status = exit_code_for(outcome);
  });
}

void add_eval(CLI::App& app, ToolContext& context) {
  struct Flags {
    bool apply = false;
    std::optional<std::string> actor;
  };
  auto flags = std::make_shared<Flags>();
  auto* eval = app.add_subcommand("eval", "Derive the state from the facts in the store; --apply records it");
  eval->add_flag("--apply", flags->apply, "Make the transition to the verdict (never out of PAUSED)");
  eval->add_option("--actor", flags->actor, "Who asks (default sheratan-state eval)");
  eval->callback([&context, flags] {
    const HealthLimits limits = HealthLimits::from_config(context.config);
    auto store = context.open_store();
    StateMachine machine(*store, context.clock);
    // One transaction: the facts and the state the verdict replaces are one snapshot.
    auto evaluate = [&] {
      const SystemState current = machine.current();
      const HealthFacts facts = gather_health_facts(*store, context.clock.now(), limits);
      const Verdict verdict = judge(facts, limits);
      Json line{{"state", std::string(to_string(current))},
                {"verdict", std::string(to_string(verdict.state))},
                {"facts", facts.to_json()},
                {"limits", limits.to_json()},
                {"findings", verdict.findings},
                {"applied", false}};
      if (flags->apply && current != verdict.state && current != SystemState::paused) {
        TransitionRequest request{verdict.state, "eval: " + verdict.reason(),
                                  flags->actor.value_or("sheratan-state eval"),
                                  Json{{"facts", facts.to_json()}, {"limits", limits.to_json()}}, current};
        line["event"] = machine.transition(request).to_json();
        line["applied"] = true;
        line["state"] = line["verdict"];
      } else if (flags->apply && current == SystemState::paused) {
        print_info("the system is PAUSED, an operator's decision: eval leaves it as it is");
      }
      return line;
    };
    Json out = flags->apply ? store->write(evaluate) : store->read(evaluate);
    print_line(out);
    if (out["verdict"] != "OPERATIONAL") context.exit_status = to_int(ExitCode::failed);
  });
}

void add_reflect(CLI::App& app, ToolContext& context) {
  auto actor = std::make_shared<std::optional<std::string>>();
  auto* reflect_cmd = app.add_subcommand(
      "reflect", "Enter REFLECTIVE, diagnose the system, leave for OPERATIONAL, DEGRADED or RECOVERY");
  reflect_cmd->add_option("--actor", *actor, "Who asks (default sheratan-state reflect)");
  reflect_cmd->callback([&context, actor] {
    const HealthLimits limits = HealthLimits::from_config(context.config);
    auto store = context.open_store();
    StateMachine machine(*store, context.clock);
    Reflection done = reflect(machine, *store, context.clock, limits, actor->value_or("sheratan-state reflect"));
    print_line(done.to_json());
    if (done.left.next != SystemState::operational) context.exit_status = to_int(ExitCode::failed);
  });
}

}  // namespace

int main(int argc, char** argv) {
  ToolContext context;
  CLI::App app{
      "sheratan-state: the system state machine (OPERATIONAL, DEGRADED, REFLECTIVE, RECOVERY, PAUSED).\n"
      "Every transition is an event in the store; PAUSED stops claims.",
      "sheratan-state"};
  add_global_options(app, context.options, "sheratan-state");
  add_get(app, context);
  add_set(app, context);
  add_history(app, context);
  add_watch(app, context);
  add_wait(app, context);
  add_eval(app, context);
  add_reflect(app, context);
  app.footer(
      "Exit status: 0 ok, 1 deadline or not OPERATIONAL, 2 usage, 3 illegal transition, 4 bad input, 5 busy.\n"
      "See sheratan-state(1) and sheratan(7).");
  return run_tool(app, context, argc, argv);
}
