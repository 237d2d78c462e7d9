#include "net/http_session.hpp"

#include <curl/curl.h>

#include <algorithm>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "json/jsonl.hpp"
#include "net/curl_library.hpp"

namespace sheratan {

namespace {

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

struct Body {
  std::string text;
  std::size_t max_bytes = 0;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<Body*>(user);
  const std::size_t bytes = size * count;
  if (body->text.size() + bytes > body->max_bytes) {
    body->too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  body->text.append(data, bytes);
  return bytes;
}

}  // namespace

std::string server_root(const std::string& url, const std::string& flag) {
  const auto scheme_end = url.find("://");
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme_end == std::string::npos || (scheme != "http" && scheme != "https"))
    fail(ExitCode::usage, flag + " " + quote(url) + ": give an http:// or https:// address");
  if (url.find_first_of("?#") != std::string::npos)
    fail(ExitCode::usage, flag + " " + quote(url) + ": give the server's address without a query or fragment");
  const auto authority_end = url.find('/', scheme_end + 3);
  const std::string authority = url.substr(scheme_end + 3, authority_end - (scheme_end + 3));
  if (authority.empty()) fail(ExitCode::usage, flag + " " + quote(url) + " names no host");
  if (authority.find('@') != std::string::npos)
    fail(ExitCode::usage, flag + " " + quote(url) + ": no user or password in the URL; give the token with " +
                              "--token-file or SHERATAN_TOKEN");
  std::string root = url;
  while (root.size() > scheme_end + 3 && root.back() == '/')
    root.pop_back();
  return root;
}

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

struct HttpSession::Handles {
  struct EasyDeleter {
    void operator()(CURL* handle) const { CurlLibrary::get().easy_cleanup(handle); }
  };
  struct ListDeleter {
    void operator()(curl_slist* list) const { CurlLibrary::get().slist_free_all(list); }
  };
  const CurlLibrary& curl = CurlLibrary::get();      // loaded here, by the first session
  std::unique_ptr<curl_slist, ListDeleter> headers;  // outlives easy, which points at it
  std::unique_ptr<CURL, EasyDeleter> easy;
  char error_buffer[CURL_ERROR_SIZE] = {};

  void append_header(const std::string& header) {
    curl_slist* appended = curl.slist_append(headers.get(), header.c_str());
    if (!appended) fail(ExitCode::failed, "cannot build the request headers");
    (void)headers.release();  // appended is the same list, one longer
    headers.reset(appended);
  }
};

HttpSession::HttpSession(std::string root, std::string flag, HttpSessionOptions options)
    : root_(std::move(root)),
      flag_(std::move(flag)),
      options_(std::move(options)),
      handles_(std::make_unique<Handles>()) {
  if (options_.timeout_ms < 1) fail(ExitCode::usage, "--timeout must be positive");
  const CurlLibrary& curl = handles_->curl;
  handles_->easy.reset(curl.easy_init());
  if (!handles_->easy) fail(ExitCode::failed, "cannot start an HTTP transfer");
  handles_->append_header("Accept: " + options_.accept);
  handles_->append_header("Content-Type: application/json");
  // No "Expect: 100-continue" before a larger body: it costs a round trip per request.
  handles_->append_header("Expect:");
  if (options_.token) handles_->append_header("Authorization: Bearer " + *options_.token);
  CURL* handle = handles_->easy.get();
  curl.easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  // A redirect is not followed: the token is for this server.
  curl.easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl.easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl.easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
  curl.easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(options_.connect_timeout_ms, options_.timeout_ms)));
  curl.easy_setopt(handle, CURLOPT_USERAGENT, options_.user_agent.c_str());
  if (options_.compressed) curl.easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "");  // any curl can decode
  curl.easy_setopt(handle, CURLOPT_HTTPHEADER, handles_->headers.get());
  curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
  curl.easy_setopt(handle, CURLOPT_ERRORBUFFER, handles_->error_buffer);
}

HttpSession::~HttpSession() = default;

HttpAnswer HttpSession::get(const std::string& path) {
  handles_->curl.easy_setopt(handles_->easy.get(), CURLOPT_HTTPGET, 1L);
  return perform(path);
}

HttpAnswer HttpSession::post(const std::string& path, const std::string& body) {
  CURL* handle = handles_->easy.get();
  handles_->curl.easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  handles_->curl.easy_setopt(handle, CURLOPT_POSTFIELDS, body.data());
  return perform(path);
}

HttpAnswer HttpSession::perform(const std::string& path) {
  const CurlLibrary& curl = handles_->curl;
  CURL* handle = handles_->easy.get();
  const std::string url = root_ + path;
  Body body;
  body.max_bytes = options_.max_body_bytes;
  handles_->error_buffer[0] = '\0';
  curl.easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl.easy_setopt(handle, CURLOPT_WRITEDATA, &body);
  const CURLcode code = curl.easy_perform(handle);
  if (body.too_large)
    fail(ExitCode::failed,
         quote(url) + " answered more than " + std::to_string(options_.max_body_bytes >> 20) + " MiB");
  if (code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL)
    fail(ExitCode::usage, flag_ + " " + quote(root_) + ": " + curl.error_text(code));
  if (code != CURLE_OK)
    fail(transient(code) ? ExitCode::unavailable : ExitCode::failed,
         "cannot reach " + quote(root_) + ": " + curl.error_text(code, handles_->error_buffer));
  HttpAnswer answer;
  curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &answer.status);
  answer.body = std::move(body.text);
  return answer;
}

}  // namespace sheratan
