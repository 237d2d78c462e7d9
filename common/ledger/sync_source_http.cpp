#include "ledger/sync_source_http.hpp"

#include <curl/curl.h>

#include <algorithm>

#include "cli/message.hpp"
#include "json/jsonl.hpp"
#include "net/curl_library.hpp"
#include "sheratan_version.hpp"

namespace sheratan::ledger {

namespace {

// sheratan-serve's largest page (kMaxJournalPage in serve/routes_ledger.cpp): the
// fewest round trips, and each page is one commit on the replica.
constexpr std::int64_t kHttpPage = 10'000;
// A full page is a few MB; a server that sends far more is no journal feed, and the
// replica must not grow without bound on its say.
constexpr std::size_t kMaxPageBytes = std::size_t{64} << 20;

struct EasyDeleter {
  void operator()(CURL* handle) const { CurlLibrary::get().easy_cleanup(handle); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { CurlLibrary::get().slist_free_all(list); }
};

struct Response {
  std::string body;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* response = static_cast<Response*>(user);
  const std::size_t bytes = size * count;
  if (response->body.size() + bytes > kMaxPageBytes) {
    response->too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  response->body.append(data, bytes);
  return bytes;
}

/// Failures that may pass by themselves (the server restarting, a network blip): the
/// caller may retry, so they exit 5. A bad certificate or a refused URL will not.
bool transient(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return true;
    default:
      return false;
  }
}

/// The "message" of sheratan-serve's {"error","message"} answer, when the body is one.
std::string server_message(const std::string& body) {
  try {
    Json answer = parse_json_text(body);
    if (answer.is_object() && answer.contains("message") && answer["message"].is_string())
      return answer["message"].get<std::string>();
  } catch (const Error&) {
    // Not JSON (a proxy's page): the status says enough.
  }
  return {};
}

/// "http://host:8100/" → "http://host:8100"; refuses what cannot be a server's root.
std::string server_root(const std::string& url) {
  const auto scheme_end = url.find("://");
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme_end == std::string::npos || (scheme != "http" && scheme != "https"))
    fail(ExitCode::usage, "--from " + quote(url) + ": only http://, https:// and store files can be synced from");
  if (url.find_first_of("?#") != std::string::npos)
    fail(ExitCode::usage, "--from " + quote(url) + ": give the server's address without a query or fragment");
  const auto authority_end = url.find('/', scheme_end + 3);
  const std::string authority = url.substr(scheme_end + 3, authority_end - (scheme_end + 3));
  if (authority.empty()) fail(ExitCode::usage, "--from " + quote(url) + " names no host");
  if (authority.find('@') != std::string::npos)
    fail(ExitCode::usage, "--from " + quote(url) + ": no user or password in the URL; give the token with " +
                              "--token-file or SHERATAN_TOKEN");
  std::string root = url;
  while (root.size() > scheme_end + 3 && root.back() == '/')
    root.pop_back();
  return root;
}

class HttpSource final : public SyncSource {
 public:
  HttpSource(const std::string& url, HttpSourceOptions options)
      : root_(server_root(url)), options_(std::move(options)) {
    if (options_.timeout_ms < 1) fail(ExitCode::usage, "--timeout must be positive");
    easy_.reset(curl_.easy_init());
    if (!easy_) fail(ExitCode::failed, "cannot start an HTTP transfer");
    append_header("Accept: application/x-ndjson");
    if (options_.token) append_header("Authorization: Bearer " + *options_.token);
    // One handle for every page: its connection is kept alive from one page to the next.
    CURL* handle = easy_.get();
    curl_.easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    // A redirect is not followed: the token is for this server, and a feed does not move.
    curl_.easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
    curl_.easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_.easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
    curl_.easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                      static_cast<long>(std::min(options_.connect_timeout_ms, options_.timeout_ms)));
    curl_.easy_setopt(handle, CURLOPT_USERAGENT, (std::string("sheratan-ledger/") + kVersion).c_str());
    curl_.easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "");  // JSON lines compress well
    curl_.easy_setopt(handle, CURLOPT_HTTPHEADER, headers_.get());
    curl_.easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
    curl_.easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer_);
  }

  const std::string& name() const override { return root_; }
  std::int64_t page_size() const override { return kHttpPage; }

  std::optional<JournalEntry> entry_at(std::int64_t seq) override {
    SyncPage page = fetch(seq - 1, 1);
    if (page.unreadable) throw *page.unreadable;
    if (page.entries.empty() || page.entries.front().seq != seq) return std::nullopt;
    return std::move(page.entries.front());
  }

  SyncPage entries_after(std::int64_t seq) override { return fetch(seq, kHttpPage); }

 private:
  void append_header(const std::string& header) {
    curl_slist* appended = curl_.slist_append(headers_.get(), header.c_str());
    if (!appended) fail(ExitCode::failed, "cannot build the request headers");
    (void)headers_.release();  // appended is the same list, one longer
    headers_.reset(appended);
  }

  SyncPage fetch(std::int64_t after, std::int64_t limit) {
    const std::string url = root_ + "/v1/journal?after=" + std::to_string(after) + "&limit=" + std::to_string(limit);
    return parse_page(get(url), url, after);
  }

  /// The body of a 200 answer; every other outcome is an Error whose code says
  /// whether a retry may help (5) or not (1).
  std::string get(const std::string& url) {
    CURL* handle = easy_.get();
    Response response;
    error_buffer_[0] = '\0';
    curl_.easy_setopt(handle, CURLOPT_URL, url.c_str());
    curl_.easy_setopt(handle, CURLOPT_WRITEDATA, &response);
    const CURLcode code = curl_.easy_perform(handle);
    if (response.too_large)
      fail(ExitCode::failed,
           quote(url) + " answered more than " + std::to_string(kMaxPageBytes >> 20) + " MiB: not a journal page");
    if (code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL)
      fail(ExitCode::usage, "--from " + quote(root_) + ": " + curl_.error_text(code));
    if (code != CURLE_OK) {
      fail(transient(code) ? ExitCode::unavailable : ExitCode::failed,
           "cannot reach " + quote(root_) + ": " + curl_.error_text(code, error_buffer_));
    }
    long status = 0;
    curl_.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    if (status == 200) return std::move(response.body);
    std::string message = quote(url) + " answered HTTP " + std::to_string(status);
    if (std::string said = server_message(response.body); !said.empty()) message += ": " + said;
    if (status == 401 && !options_.token)
      message += "; the feed needs a token with scope 'replicate' (--token-file F or SHERATAN_TOKEN)";
    // Overload and a server's own trouble pass; a refused token or a wrong URL does not.
    const bool retry = status == 429 || status >= 500;
    fail(retry ? ExitCode::unavailable : ExitCode::failed, message);
  }

  /// Each line one entry; the first that is not stops the page (see SyncPage).
  static SyncPage parse_page(const std::string& body, const std::string& url, std::int64_t after) {
    SyncPage page;
    std::size_t line = 0;
    for (std::size_t start = 0; start < body.size();) {
      std::size_t end = body.find('\n', start);
      if (end == std::string::npos) end = body.size();
      const std::string text = body.substr(start, end - start);
      start = end + 1;
      ++line;
      if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
      try {
        page.entries.push_back(parse_journal_entry(parse_json_text(text)));
      } catch (const Error& error) {
        // Named by the seq it would have been applied at, and by where it came from.
        const auto seq = after + static_cast<std::int64_t>(page.entries.size()) + 1;
        page.unreadable = Error(ExitCode::bad_input, "seq " + std::to_string(seq) + ": line " + std::to_string(line) +
                                                         " of " + quote(url) + ": " + error.what());
        break;
      }
    }
    return page;
  }

  std::string root_;
  HttpSourceOptions options_;
  const CurlLibrary& curl_ = CurlLibrary::get();      // loaded here, by the first HTTP source
  std::unique_ptr<curl_slist, ListDeleter> headers_;  // outlives easy_, which points at it
  std::unique_ptr<CURL, EasyDeleter> easy_;
  char error_buffer_[CURL_ERROR_SIZE] = {};
};

}  // namespace

bool is_http_source(const std::string& from) {
  return from.starts_with("http://") || from.starts_with("https://");
}

std::unique_ptr<SyncSource> open_http_source(const std::string& url, HttpSourceOptions options) {
  return std::make_unique<HttpSource>(url, std::move(options));
}

}  // namespace sheratan::ledger
