// GET /healthz, GET /metrics and GET /v1/hosts.
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
    HostRegistry registry(call.store, call.shared.clock);
    std::vector<std::string> records;
    for (const auto& host : registry.list())
      records.push_back(host.to_json().dump());
    call.reply_lines(records);
  });
}

}  // namespace sheratan::serve
