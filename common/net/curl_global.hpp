#pragma once
// libcurl's process-wide set-up, shared by every user of curl in the toolkit (the
// worker's http actions, the prober, the heartbeat poster, ledger sync), and curl's
// error words in the toolkit's message style.

#include <curl/curl.h>

#include <string>

namespace sheratan {

/// Runs curl_global_init once per process, before the first transfer, from any thread
/// (a function-local static), and curl_global_cleanup at exit. Throws Error(failed)
/// when libcurl cannot be initialised.
void ensure_curl_global();

/// Curl's words for code, to follow a colon in a message ("couldn't connect to server");
/// the transfer's own CURLOPT_ERRORBUFFER text instead when it has one.
std::string curl_error_text(CURLcode code, const char* detail = nullptr);

}  // namespace sheratan
