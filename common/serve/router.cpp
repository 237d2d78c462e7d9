#include "serve/router.hpp"

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "serve/http_error.hpp"

namespace sheratan::serve {

void ServerCounters::count(int status) {
  if (status >= 0 && status < static_cast<int>(counts_.size()))
    counts_[static_cast<std::size_t>(status)].fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::pair<int, std::uint64_t>> ServerCounters::snapshot() const {
  std::vector<std::pair<int, std::uint64_t>> out;
  for (std::size_t status = 0; status < counts_.size(); ++status)
    if (auto n = counts_[status].load(std::memory_order_relaxed)) out.emplace_back(static_cast<int>(status), n);
  return out;
}

void Call::reply(int status, std::string body, const char* content_type) {
  response.status = status;
  response.set_content(std::move(body), content_type);
}

void Call::reply_json(int status, const Json& value) {
  reply(status, value.dump(-1, ' ', false, Json::error_handler_t::replace));
}

void Call::reply_lines(const std::vector<std::string>& records) {
  std::string body;
  for (const auto& record : records) {
    body += record;
    body += '\n';
  }
  reply(200, std::move(body), "application/x-ndjson");
}

void send_error(httplib::Response& response, const HttpError& error) {
  response.status = error.status();
  if (error.retry_after_s()) response.set_header("Retry-After", std::to_string(*error.retry_after_s()));
  if (error.status() == 401) response.set_header("WWW-Authenticate", "Bearer");
  response.set_content(error.body(), "application/json");
}

Router::Handler Router::wrap(std::optional<Scopes> scope, Route route) {
  // The router is set-up only: handlers hold the gate and the shared parts, not it.
  return [&gate = gate_, &shared = shared_, scope, route = std::move(route)](
             const httplib::Request& request, httplib::Response& response, const std::string& body) {
    try {
      try {
        Caller caller = gate.admit(request.get_header_value("Authorization"), scope, monotonic_millis());
        Call call{request, response, shared.stores.local(), caller, shared, body};
        route(call);
      } catch (const Error& error) {
        throw http_error_of(error);
      } catch (const Json::exception& error) {
        throw HttpError(400, "bad_request", error.what());
      }
    } catch (const HttpError& error) {
      send_error(response, error);
    } catch (const std::exception& error) {
      print_error(request.method + " " + request.path + ": " + error.what());
      send_error(response, HttpError(500, "internal", error.what()));
    }
  };
}

void Router::get(const std::string& pattern, std::optional<Scopes> scope, Route route) {
  server_.Get(pattern,
              [handler = wrap(scope, std::move(route))](const httplib::Request& request, httplib::Response& response) {
                handler(request, response, request.body);
              });
}

void Router::post(const std::string& pattern, std::optional<Scopes> scope, Route route) {
  // The body is read here, counted against --max-body as it comes. httplib 0.11 holds a
  // body it reads itself to payload_max_length only when it has a Content-Length (a
  // chunked one grows without bound), and cuts a form-encoded one (curl -d) at 8 KiB.
  server_.Post(pattern,
               [handler = wrap(scope, std::move(route)), max_body = shared_.settings.max_body](
                   const httplib::Request& request, httplib::Response& response, const httplib::ContentReader& read) {
                 std::string body;
                 // A request with neither a Content-Length nor a Transfer-Encoding has no
                 // body (RFC 9112 6.3): it is answered as an empty one, which the route
                 // refuses by name.
                 if (!request.has_header("Content-Length") && !request.has_header("Transfer-Encoding")) {
                   handler(request, response, body);
                   return;
                 }
                 // One allocation for a body whose length is announced (and allowed).
                 const auto announced = request.get_header_value<std::uint64_t>("Content-Length");
                 if (announced <= max_body) body.reserve(announced);
                 bool too_large = false;
                 const bool complete = read([&](const char* data, std::size_t length) {
                   too_large = length > max_body - body.size();
                   if (!too_large) body.append(data, length);
                   return !too_large;
                 });
                 if (too_large || response.status == 413) {  // 413: httplib's own check of a Content-Length
                   send_error(response, HttpError(413, "payload_too_large", "the body is larger than --max-body"));
                   return;
                 }
                 if (!complete) {
                   send_error(response, HttpError(400, "bad_request", "the body could not be read whole"));
                   return;
                 }
                 handler(request, response, body);
               });
}

void Router::get_bare(const std::string& pattern, std::function<void(httplib::Response&)> handler) {
  server_.Get(pattern, [handler = std::move(handler)](const httplib::Request&, httplib::Response& response) {
    handler(response);
  });
}

}  // namespace sheratan::serve
