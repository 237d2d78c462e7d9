#include "net/curl_global.hpp"

#include <curl/curl.h>

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

}  // namespace sheratan
