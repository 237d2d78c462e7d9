#include "serve/api_server.hpp"

#include <sys/socket.h>
#include <algorithm>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "serve/http_error.hpp"
#include "serve/router.hpp"

namespace sheratan::serve {

struct ApiServer::Parts {
  /// httplib's server with the listen backlog widened: it listens with a backlog of 5,
  /// which drops connections when many clients connect at once. (Nested, not in an
  /// anonymous namespace: Parts has external linkage, and a unity build would warn.)
  class HttpServer : public httplib::Server {
   public:
    void widen_backlog() { ::listen(svr_sock_, SOMAXCONN); }
  };

  ServeOptions options;
  AccessGate gate;
  ThreadStores stores;
  ChangeFeed feed;
  ServerCounters counters;
  ServeShared shared;
  HttpServer http;

  Parts(ServeOptions opts, const Clock& clock)
      : options(std::move(opts)),
        gate(options.tokens_path, options.rate, options.burst),
        stores(options.store),
        feed(options.store),
        shared{{options.defaults, std::make_shared<const Gates>(options.gates), options.max_depth, options.max_wait_ms,
                options.heartbeat_window_ms, options.chain, options.max_body},
               clock,
               feed,
               stores,
               counters} {}
};

namespace {

constexpr time_t kKeepAliveSeconds = 2;

void configure(httplib::Server& http, const ServeOptions& options, ServerCounters& counters) {
  const std::size_t threads = options.threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  const auto timeout = std::chrono::milliseconds(options.timeout_ms);
  http.set_read_timeout(timeout);
  http.set_write_timeout(timeout);
  // An idle kept-alive connection holds its thread until this runs out, and httplib
  // 0.11 lets a stopping server wait for it: short, so that a stop with remote workers
  // connected takes a second or two (reconnecting costs a worker far less).
  http.set_keep_alive_timeout(std::clamp<time_t>(static_cast<time_t>(options.timeout_ms / 1000), 1, kKeepAliveSeconds));
  http.set_keep_alive_max_count(10'000);
  http.set_payload_max_length(options.max_body);
  http.set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, which lets a second server share a port
  // in use instead of failing; SO_REUSEADDR alone only allows a quick restart.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // Answers the routes did not make (unknown route, body too large, bad request line).
  http.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request& request, httplib::Response& response) {
        if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string message = response.status == 404   ? "no route " + quote(request.method + " " + request.path)
                              : response.status == 413 ? "the body is larger than --max-body"
                              : response.status == 400
                                  ? "cannot serve " + quote(request.method + " " + request.path) +
                                        ": no route takes that method there, or the request is malformed"
                                  : "the request was refused";
        send_error(response, HttpError(response.status, code_for_status(response.status), message));
        return httplib::Server::HandlerResponse::Handled;
      }));
  const bool log = options.log_requests;
  http.set_logger([&counters, log](const httplib::Request& request, const httplib::Response& response) {
    counters.count(response.status);
    if (log) print_debug(request.method + " " + request.path + " " + std::to_string(response.status));
  });
}

}  // namespace

ApiServer::ApiServer(ServeOptions options, const Clock& clock) {
  if (!options.tokens_path && !options.listen.loopback())
    fail(ExitCode::usage, "--listen " + quote(options.listen.host) +
                              " is not a loopback address: give --tokens FILE to serve other machines");
  parts_ = std::make_unique<Parts>(std::move(options), clock);
  configure(parts_->http, parts_->options, parts_->counters);
  Router router(parts_->http, parts_->gate, parts_->shared);
  add_health_routes(router);
  add_job_routes(router);
  add_lease_routes(router);
  add_state_routes(router);
  add_ledger_routes(router);
  add_host_routes(router);
  add_event_routes(router);
  add_heartbeat_routes(router);
}

ApiServer::~ApiServer() {
  stop();
}

int ApiServer::bind() {
  const auto& listen = parts_->options.listen;
  int port = listen.port;
  if (port == 0) {
    port = parts_->http.bind_to_any_port(listen.host);
    if (port < 0) port = 0;
  } else if (!parts_->http.bind_to_port(listen.host, port)) {
    port = 0;
  }
  if (port == 0)
    fail(ExitCode::failed,
         "cannot listen on " + quote(listen.to_string(listen.port)) + ": " + system_error_text(errno));
  parts_->http.widen_backlog();
  return port;
}

bool ApiServer::serve() {
  return parts_->http.listen_after_bind();
}

void ApiServer::stop() {
  parts_->feed.stop();
  parts_->http.stop();
}

void ApiServer::reload_tokens() {
  parts_->gate.reload();
}

}  // namespace sheratan::serve
