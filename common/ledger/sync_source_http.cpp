#include "ledger/sync_source_http.hpp"

#include "cli/message.hpp"
#include "json/jsonl.hpp"
#include "net/http_session.hpp"
#include "sheratan_version.hpp"

namespace sheratan::ledger {

namespace {

// sheratan-serve's largest page (kMaxJournalPage in serve/routes_ledger.cpp): the
// fewest round trips, and each page is one commit on the replica.
constexpr std::int64_t kHttpPage = 10'000;
// A full page is a few MB; a server that sends far more is no journal feed, and the
// replica must not grow without bound on its say.
constexpr std::size_t kMaxPageBytes = std::size_t{64} << 20;

HttpSessionOptions session_options(const HttpSourceOptions& options) {
  HttpSessionOptions session;
  session.token = options.token;
  session.timeout_ms = options.timeout_ms;
  session.connect_timeout_ms = options.connect_timeout_ms;
  session.user_agent = std::string("sheratan-ledger/") + kVersion;
  session.accept = "application/x-ndjson";
  session.max_body_bytes = kMaxPageBytes;
  session.compressed = true;  // JSON lines compress well
  return session;
}

class HttpSource final : public SyncSource {
 public:
  HttpSource(const std::string& url, const HttpSourceOptions& options)
      : token_(options.token), session_(server_root(url, "--from"), "--from", session_options(options)) {}

  const std::string& name() const override { return session_.root(); }
  std::int64_t page_size() const override { return kHttpPage; }

  std::optional<JournalEntry> entry_at(std::int64_t seq) override {
    SyncPage page = fetch(seq - 1, 1);
    if (page.unreadable) throw *page.unreadable;
    if (page.entries.empty() || page.entries.front().seq != seq) return std::nullopt;
    return std::move(page.entries.front());
  }

  SyncPage entries_after(std::int64_t seq) override { return fetch(seq, kHttpPage); }

 private:
  SyncPage fetch(std::int64_t after, std::int64_t limit) {
    const std::string path = "/v1/journal?after=" + std::to_string(after) + "&limit=" + std::to_string(limit);
    return parse_page(get(path), session_.root() + path, after);
  }

  /// The body of a 200 answer; every other outcome is an Error whose code says
  /// whether a retry may help (5) or not (1).
  std::string get(const std::string& path) {
    HttpAnswer answer = session_.get(path);
    if (answer.status == 200) return std::move(answer.body);
    std::string message = quote(session_.root() + path) + " answered HTTP " + std::to_string(answer.status);
    if (std::string said = server_message(answer.body); !said.empty()) message += ": " + said;
    if (answer.status == 401 && !token_)
      message += "; the feed needs a token with scope 'replicate' (--token-file F or SHERATAN_TOKEN)";
    // Overload and a server's own trouble pass; a refused token or a wrong URL does not.
    fail(retry_may_help(answer.status) ? ExitCode::unavailable : ExitCode::failed, message);
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

  std::optional<std::string> token_;
  HttpSession session_;
};

}  // namespace

bool is_http_source(const std::string& from) {
  return from.starts_with("http://") || from.starts_with("https://");
}

std::unique_ptr<SyncSource> open_http_source(const std::string& url, HttpSourceOptions options) {
  if (!is_http_source(url))
    fail(ExitCode::usage, "--from " + quote(url) + ": only http://, https:// and store files can be synced from");
  return std::make_unique<HttpSource>(url, options);
}

}  // namespace sheratan::ledger
