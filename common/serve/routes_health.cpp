// GET /healthz, GET /metrics, GET / (the status page) and GET /v1/hosts.
#include <map>

#include "identity/heartbeat_book.hpp"
#include "probe/registry.hpp"
#include "serve/metrics.hpp"
#include "serve/router.hpp"
#include "serve/status_page.hpp"

namespace sheratan::serve {

void add_health_routes(Router& router) {
  router.get_bare("/healthz",
                  [](httplib::Response& response) { response.set_content("{\"ok\":true}", "application/json"); });
  router.get_bare("/", [](httplib::Response& response) {
    response.set_header("Cache-Control", "no-cache");
    response.set_header("Content-Security-Policy",
                        "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'");
    response.set_content(std::string(status_page_html()), "text/html; charset=utf-8");
  });
  router.get("/metrics", Scope::read, [](Call& call) {
    const ServerCounters& counters = call.shared.counters;
    ServerFigures figures{counters.snapshot(), counters.claims_waiting.load(), counters.event_streams.load(),
                          counters.claim_latency.render("sheratan_claim_latency_seconds",
                                                        "How long jobs claimed through this server had been due "
                                                        "(since run_at, else since pushed) when leased.")};
    call.reply(200, render_metrics(call.store, call.shared.clock, figures), "text/plain; version=0.0.4");
  });
}

void add_host_routes(Router& router) {
  router.get("/v1/hosts", Scope::read, [](Call& call) {
    // Registered hosts with their last heartbeat (null without one), then the hosts that
    // send heartbeats without being registered for probing.
    HostRegistry registry(call.store, call.shared.clock);
    HeartbeatBook book(call.store, call.shared.clock);
    auto [hosts, keys] = call.store.read([&] { return std::pair{registry.list(), book.list()}; });
    std::map<std::string, Json> heartbeats;
    for (const auto& key : keys)
      heartbeats.emplace(key.host, key.to_json());
    std::vector<std::string> records;
    for (const auto& host : hosts) {
      Json record = host.to_json();
      auto found = heartbeats.find(host.spec.name);
      record["heartbeat"] = found == heartbeats.end() ? Json() : found->second;
      if (found != heartbeats.end()) heartbeats.erase(found);
      records.push_back(record.dump());
    }
    for (auto& [name, heartbeat] : heartbeats)
      records.push_back(Json{{"name", name}, {"registered", false}, {"heartbeat", heartbeat}}.dump());
    call.reply_lines(records);
  });
}

}  // namespace sheratan::serve
