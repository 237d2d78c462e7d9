#pragma once
// A replica's source that is its writer's journal feed over HTTP: sheratan-serve's
// GET /v1/journal?after=SEQ&limit=N (JSON lines, scope replicate, a bearer token),
// fetched a page at a time with libcurl, each line parsed into a JournalEntry for
// sync to check and apply.

#include <memory>
#include <optional>
#include <string>

#include "cli/duration.hpp"
#include "ledger/sync_source.hpp"

namespace sheratan::ledger {

struct HttpSourceOptions {
  std::optional<std::string> token;    // sent as "Authorization: Bearer TOKEN"
  Millis timeout_ms = 60'000;          // for each request, connecting included
  Millis connect_timeout_ms = 10'000;  // at most timeout_ms
};

/// True for "http://..." and "https://...": a source to reach over HTTP.
bool is_http_source(const std::string& from);

/// A source at url (http or https, the server's root; a trailing slash is dropped).
/// Throws Error(usage) for a URL that cannot name a server: a query, a fragment, or a
/// user and password (a token goes in a file, not in a URL that is recorded and shown).
std::unique_ptr<SyncSource> open_http_source(const std::string& url, HttpSourceOptions options);

}  // namespace sheratan::ledger
