#pragma once
// libcurl's process-wide set-up, shared by every user of curl in the toolkit (the
// worker's http actions, the prober).

namespace sheratan {

/// Runs curl_global_init once per process, before the first transfer, from any thread
/// (a function-local static), and curl_global_cleanup at exit. Throws Error(failed)
/// when libcurl cannot be initialised.
void ensure_curl_global();

}  // namespace sheratan
