#include "serve/http_error.hpp"

#include "json/jsonl.hpp"

namespace sheratan::serve {

namespace {

HttpError http_error_for_code(const Error& error) {
  const std::string message = error.what();
  switch (error.code()) {
    case ExitCode::usage:
    case ExitCode::bad_input:
      return {400, "bad_request", message};
    case ExitCode::conflict:
      return {409, "conflict", message};
    case ExitCode::unavailable:
      return {503, "unavailable", message, 1};
    case ExitCode::failed:
      // The library names what it did not find as "no job 'x'", "no account 'y'".
      if (message.starts_with("no ")) return {404, "not_found", message};
      return {500, "failed", message};
    default:
      return {500, "internal", message};
  }
}

}  // namespace

std::string HttpError::body() const {
  Json body{{"error", code_}, {"message", what()}};
  if (!report_.empty()) body["report"] = Json::parse(report_, nullptr, false);
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

HttpError http_error_of(const Error& error) {
  HttpError http = http_error_for_code(error);
  if (!error.record().empty()) http.with_report(error.record());
  return http;
}

std::string code_for_status(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 408:
      return "timeout";
    case 409:
      return "conflict";
    case 413:
      return "payload_too_large";
    case 414:
      return "uri_too_long";
    case 429:
      return "rate_limited";
    case 503:
      return "unavailable";
    default:
      return status >= 500 ? "internal" : "error";
  }
}

}  // namespace sheratan::serve
