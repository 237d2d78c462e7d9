#include "net/curl_global.hpp"

#include <string>

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan {

namespace {

struct CurlGlobal {
  CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
  ~CurlGlobal() {
    if (code == CURLE_OK) curl_global_cleanup();
  }
};

}  // namespace

void ensure_curl_global() {
  static const CurlGlobal global;
  if (global.code != CURLE_OK)
    fail(ExitCode::failed, std::string("cannot initialise libcurl: ") + curl_easy_strerror(global.code));
}

std::string curl_error_text(CURLcode code, const char* detail) {
  return message_fragment(detail && detail[0] ? detail : curl_easy_strerror(code));
}

}  // namespace sheratan
