#include "net/curl_global.hpp"

#include <cctype>
#include <string>

#include "cli/error.hpp"

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
  std::string text = detail && detail[0] ? detail : curl_easy_strerror(code);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

}  // namespace sheratan
