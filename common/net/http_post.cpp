#include "net/http_post.hpp"

#include <curl/curl.h>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "net/curl_global.hpp"
#include "net/curl_on_loop.hpp"
#include "sheratan_version.hpp"

namespace sheratan {

struct HttpPoster::Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string body;  // curl reads it from here while the transfer runs
  std::string answer;
  Handler on_reply;
};

namespace {

std::size_t keep_body(char* data, std::size_t size, std::size_t count, void* target) {
  auto* answer = static_cast<std::string*>(target);
  // An answer is a small JSON object; a flood from a wrong URL is cut short.
  if (answer->size() < (1u << 20)) answer->append(data, size * count);
  return size * count;
}

}  // namespace

HttpPoster::HttpPoster(uv_loop_t* loop, Millis timeout_ms) : loop_(loop), timeout_ms_(timeout_ms) {
  if (timeout_ms_ < 1) fail(ExitCode::usage, "the timeout must be positive");
  curl_ = std::make_unique<CurlOnLoop>(loop_, [this](CURL* easy, CURLcode code) {
    Transfer* transfer = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &transfer);
    finish(transfer, code);
  });
}

HttpPoster::~HttpPoster() {
  for (Transfer* transfer : running_) {
    curl_->remove(transfer->easy);
    curl_easy_cleanup(transfer->easy);
    curl_slist_free_all(transfer->headers);
    delete transfer;
  }
  running_.clear();
}

void HttpPoster::post(const std::string& url, const std::string& body, const std::optional<std::string>& token,
                      Handler on_reply) {
  CURL* easy = curl_easy_init();
  if (!easy) fail(ExitCode::failed, "cannot initialise libcurl");
  auto* transfer = new Transfer{easy, nullptr, body, {}, std::move(on_reply)};
  transfer->headers = curl_slist_append(transfer->headers, "Content-Type: application/json");
  if (token) transfer->headers = curl_slist_append(transfer->headers, ("Authorization: Bearer " + *token).c_str());
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer);
  CurlOnLoop::set_common_options(easy, timeout_ms_, std::string("sheratan/") + kVersion);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, transfer->body.c_str());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(transfer->body.size()));
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &keep_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer->answer);
  running_.insert(transfer);
  if (!curl_->add(easy)) finish(transfer, CURLE_FAILED_INIT);
}

void HttpPoster::finish(Transfer* transfer, int code) {
  HttpReply reply;
  if (code == CURLE_OK)
    curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &reply.status);
  else
    reply.error = curl_error_text(static_cast<CURLcode>(code));
  reply.body = std::move(transfer->answer);
  curl_->remove(transfer->easy);
  curl_easy_cleanup(transfer->easy);
  curl_slist_free_all(transfer->headers);
  running_.erase(transfer);
  Handler handler = std::move(transfer->on_reply);
  delete transfer;
  if (handler) handler(std::move(reply));
}

HttpReply post_json_once(const std::string& url, const std::string& body, const std::optional<std::string>& token,
                         Millis timeout_ms) {
  struct Loop {
    uv_loop_t loop{};
    Loop() { uv_loop_init(&loop); }
    ~Loop() {
      uv_run(&loop, UV_RUN_DEFAULT);  // the close callbacks free what the handles own
      uv_loop_close(&loop);
    }
  } loop;
  HttpReply reply;
  {
    HttpPoster poster(&loop.loop, timeout_ms);
    poster.post(url, body, token, [&reply](HttpReply answer) { reply = std::move(answer); });
    while (poster.in_flight() > 0)
      uv_run(&loop.loop, UV_RUN_ONCE);
  }
  return reply;
}

}  // namespace sheratan
