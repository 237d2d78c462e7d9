// GET /healthz, GET /metrics and GET /v1/hosts.
#include <map>

#include "identity/heartbeat_book.hpp"
#include "probe/registry.hpp"
#include "serve/metrics.hpp"
#include "serve/router.hpp"

namespace sheratan::serve {

void add_health_routes(Router& router) {
  router.get_bare("/healthz",
                  [](httplib::Response& response) { response.set_content("{\"ok\":true}", "application/json"); });
  router.get("/metrics", Scope::read, [](Call& call) {
    ServerFigures figures{call.shared.counters.snapshot(), call.shared.counters.claims_waiting.load()};
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
