#include "net/curl_library.hpp"

#include <dlfcn.h>

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan {

namespace {

// The soname of Debian's libcurl4 packages (and of every libcurl since 7.16).
constexpr const char* kSoname = "libcurl.so.4";

template <typename Function>
void resolve(void* library, const char* name, Function& function) {
  function = reinterpret_cast<Function>(dlsym(library, name));
  if (!function) fail(ExitCode::failed, std::string("cannot use ") + kSoname + ": it has no " + name);
}

CurlLibrary load() {
  // Kept for the life of the process: curl's global state must outlive every handle.
  void* library = dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
  if (!library) fail(ExitCode::failed, std::string("cannot load ") + kSoname + " (install libcurl4): " + dlerror());
  CurlLibrary curl;
  resolve(library, "curl_easy_init", curl.easy_init);
  resolve(library, "curl_easy_setopt", curl.easy_setopt);
  resolve(library, "curl_easy_perform", curl.easy_perform);
  resolve(library, "curl_easy_getinfo", curl.easy_getinfo);
  resolve(library, "curl_easy_cleanup", curl.easy_cleanup);
  resolve(library, "curl_easy_strerror", curl.easy_strerror);
  resolve(library, "curl_slist_append", curl.slist_append);
  resolve(library, "curl_slist_free_all", curl.slist_free_all);
  decltype(&curl_global_init) global_init = nullptr;
  resolve(library, "curl_global_init", global_init);
  // Set up once and never torn down: the library stays loaded until the process ends.
  if (CURLcode code = global_init(CURL_GLOBAL_DEFAULT); code != CURLE_OK)
    fail(ExitCode::failed, "cannot initialise libcurl: " + curl.error_text(code));
  return curl;
}

}  // namespace

const CurlLibrary& CurlLibrary::get() {
  static const CurlLibrary library = load();
  return library;
}

std::string CurlLibrary::error_text(CURLcode code, const char* detail) const {
  return message_fragment(detail && detail[0] ? detail : easy_strerror(code));
}

}  // namespace sheratan
