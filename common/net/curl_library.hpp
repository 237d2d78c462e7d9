#pragma once
// libcurl loaded on first use (dlopen), for a tool whose other commands must start
// fast. Linking libcurl makes every start load it and the ~30 libraries it needs (TLS,
// Kerberos, LDAP, ...): some 8 ms, which sheratan-ledger's one-shot transfers would
// pay for the sync over HTTP that they never make. Only the functions the ledger's
// HTTP source calls are here; the tools that always speak HTTP link libcurl.

#include <curl/curl.h>

#include <string>

namespace sheratan {

struct CurlLibrary {
  decltype(&curl_easy_init) easy_init = nullptr;
  decltype(&curl_easy_setopt) easy_setopt = nullptr;
  decltype(&curl_easy_perform) easy_perform = nullptr;
  decltype(&curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&curl_easy_strerror) easy_strerror = nullptr;
  decltype(&curl_slist_append) slist_append = nullptr;
  decltype(&curl_slist_free_all) slist_free_all = nullptr;

  /// The library, loaded and globally initialised once per process. Throws
  /// Error(failed) naming what is missing when it cannot be.
  static const CurlLibrary& get();

  /// Curl's words for code, or the transfer's own error buffer when it has some, to
  /// follow a colon in a message.
  std::string error_text(CURLcode code, const char* detail = nullptr) const;
};

}  // namespace sheratan
