// http: one request (method, url, headers, body, timeout); the result is the
// response's status, headers and body. A status of 4xx or 5xx is a result like any
// other; only a transfer that fails (network, timeout) fails the job, temporarily.
#include "cli/duration.hpp"
#include "cli/error.hpp"
#include "worker/actions/action.hpp"
#include "worker/actions/http_client.hpp"
#include "worker/outcome.hpp"

namespace sheratan {

Json run_http(const Json& params, const ActionContext& context) {
  known_params(params, {"method", "url", "headers", "body", "timeout", "max_bytes"});
  HttpRequest request;
  request.url = param_string(params, "url");
  request.method = param_string_or(params, "method", "GET");
  for (char& c : request.method)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (request.method.empty() || request.method.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos)
    refuse("params.method must be an HTTP method such as GET or POST");
  if (auto headers = params.find("headers"); headers != params.end() && !headers->is_null()) {
    if (!headers->is_object()) refuse("params.headers must be an object of strings");
    for (auto& [name, value] : headers->items()) {
      if (!value.is_string() || name.find_first_of(":\r\n") != std::string::npos ||
          value.get<std::string>().find_first_of("\r\n") != std::string::npos)
        refuse("params.headers." + name + " must be a one-line string");
      request.headers[name] = value.get<std::string>();
    }
  }
  if (auto body = params.find("body"); body != params.end() && !body->is_null()) {
    // A JSON body is sent as JSON; a string as it is.
    request.body = body->is_string() ? body->get<std::string>() : body->dump();
    if (!body->is_string() && !request.headers.contains("Content-Type"))
      request.headers["Content-Type"] = "application/json";
  }
  request.timeout_ms = std::min<Millis>(context.timeout_ms, 30'000);
  if (auto timeout = params.find("timeout"); timeout != params.end() && !timeout->is_null()) {
    try {
      request.timeout_ms = std::min(context.timeout_ms, parse_duration_json(*timeout));
    } catch (const Error& error) {
      refuse(std::string("params.timeout ") + error.what());
    }
  }
  request.max_response_bytes =
      static_cast<std::size_t>(param_integer_or(params, "max_bytes", 10'000'000, 0, 1'000'000'000));
  HttpResponse response = send_http(request, context.stop_requested);
  Json result{{"status", response.status}, {"headers", response.headers}, {"body", response.body}};
  if (response.headers["content-type"].find("json") != std::string::npos) {
    Json parsed = Json::parse(response.body, nullptr, false);
    if (!parsed.is_discarded()) result["json"] = parsed;
  }
  return valid_utf8(result);
}

}  // namespace sheratan
