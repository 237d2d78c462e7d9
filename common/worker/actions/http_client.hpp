#pragma once
// One HTTP request with libcurl, for the http and llm_call actions. The transfer
// gives up when the timeout passes or stop_requested is set (checked by curl's
// progress callback, at least once a second).

#include <atomic>
#include <cstdint>
#include <map>
#include <string>

#include "cli/duration.hpp"

namespace sheratan {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::map<std::string, std::string> headers;
  std::string body;
  Millis timeout_ms = 30'000;
  std::size_t max_response_bytes = 10'000'000;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names in lowercase; the last of a repeated one
  std::string body;
};

/// Sends the request. Throws ActionFailure: temporary for network trouble and
/// timeouts, permanent for a malformed URL, a scheme other than http(s) or a response
/// past max_response_bytes.
HttpResponse send_http(const HttpRequest& request, const std::atomic<bool>& stop_requested);

}  // namespace sheratan
