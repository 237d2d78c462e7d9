#include "net/http_post.hpp"

#include <curl/curl.h>

#include <cctype>
#include <fstream>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "net/curl_global.hpp"
#include "sheratan_version.hpp"

namespace sheratan {

struct HttpPoster::Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string body;  // curl reads it from here while the transfer runs
  std::string answer;
  Handler on_reply;
};

struct HttpPoster::Socket {
  uv_poll_t poll{};
  curl_socket_t fd = CURL_SOCKET_BAD;
  HttpPoster* owner = nullptr;
};

namespace {

CURLM* multi_of(void* handle) {
  return static_cast<CURLM*>(handle);
}

std::size_t keep_body(char* data, std::size_t size, std::size_t count, void* target) {
  auto* answer = static_cast<std::string*>(target);
  // An answer is a small JSON object; a flood from a wrong URL is cut short.
  if (answer->size() < (1u << 20)) answer->append(data, size * count);
  return size * count;
}

std::string lowercase_first(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

}  // namespace

HttpPoster::HttpPoster(uv_loop_t* loop, Millis timeout_ms)
    : loop_(loop), timeout_ms_(timeout_ms), multi_(nullptr), timer_(nullptr) {
  if (timeout_ms_ < 1) fail(ExitCode::usage, "the timeout must be positive");
  ensure_curl_global();
  multi_ = curl_multi_init();
  if (!multi_) fail(ExitCode::failed, "cannot initialise libcurl");
  timer_ = new uv_timer_t;
  uv_timer_init(loop_, timer_);
  timer_->data = this;
  curl_multi_setopt(multi_of(multi_), CURLMOPT_SOCKETFUNCTION, &HttpPoster::on_socket);
  curl_multi_setopt(multi_of(multi_), CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_of(multi_), CURLMOPT_TIMERFUNCTION, &HttpPoster::on_curl_timer);
  curl_multi_setopt(multi_of(multi_), CURLMOPT_TIMERDATA, this);
}

HttpPoster::~HttpPoster() {
  // Removing a handle makes curl drop its sockets (CURL_POLL_REMOVE), which closes
  // their polls; their memory goes in the loop's close callbacks.
  for (Transfer* transfer : running_) {
    curl_multi_remove_handle(multi_of(multi_), transfer->easy);
    curl_easy_cleanup(transfer->easy);
    curl_slist_free_all(transfer->headers);
    delete transfer;
  }
  running_.clear();
  curl_multi_cleanup(multi_of(multi_));
  uv_close(reinterpret_cast<uv_handle_t*>(timer_),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
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
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms_));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_ms_));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, transfer->body.c_str());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(transfer->body.size()));
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &keep_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer->answer);
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, (std::string("sheratan/") + kVersion).c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  running_.insert(transfer);
  if (curl_multi_add_handle(multi_of(multi_), easy) != CURLM_OK) finish(transfer, CURLE_FAILED_INIT);
}

int HttpPoster::on_socket(void*, int fd, int what, void* self, void* socket_data) {
  auto* poster = static_cast<HttpPoster*>(self);
  auto* socket = static_cast<Socket*>(socket_data);
  if (what == CURL_POLL_REMOVE) {
    if (socket) {
      uv_poll_stop(&socket->poll);
      uv_close(reinterpret_cast<uv_handle_t*>(&socket->poll),
               [](uv_handle_t* handle) { delete static_cast<Socket*>(handle->data); });
      curl_multi_assign(multi_of(poster->multi_), fd, nullptr);
    }
    return 0;
  }
  if (!socket) {
    socket = new Socket;
    socket->fd = fd;
    socket->owner = poster;
    uv_poll_init_socket(poster->loop_, &socket->poll, fd);
    socket->poll.data = socket;
    curl_multi_assign(multi_of(poster->multi_), fd, socket);
  }
  int events = 0;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= UV_READABLE;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= UV_WRITABLE;
  uv_poll_start(&socket->poll, events, [](uv_poll_t* handle, int status, int ready) {
    auto* ready_socket = static_cast<Socket*>(handle->data);
    int flags = 0;
    if (status < 0) flags = CURL_CSELECT_ERR;
    if (ready & UV_READABLE) flags |= CURL_CSELECT_IN;
    if (ready & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
    ready_socket->owner->socket_action(ready_socket->fd, flags);
  });
  return 0;
}

int HttpPoster::on_curl_timer(void*, long timeout_ms, void* self) {
  auto* poster = static_cast<HttpPoster*>(self);
  if (timeout_ms < 0) {
    uv_timer_stop(poster->timer_);
    return 0;
  }
  // Acting from inside this callback is not allowed: a zero timeout goes through the loop.
  uv_timer_start(
      poster->timer_,
      [](uv_timer_t* timer) { static_cast<HttpPoster*>(timer->data)->socket_action(CURL_SOCKET_TIMEOUT, 0); },
      static_cast<std::uint64_t>(timeout_ms), 0);
  return 0;
}

void HttpPoster::socket_action(int fd, int flags) {
  int running = 0;
  curl_multi_socket_action(multi_of(multi_), fd, flags, &running);
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_of(multi_), &left)) {
    if (message->msg != CURLMSG_DONE) continue;
    Transfer* transfer = nullptr;
    curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &transfer);
    finish(transfer, static_cast<int>(message->data.result));
  }
}

void HttpPoster::finish(Transfer* transfer, int code) {
  HttpReply reply;
  if (code == CURLE_OK)
    curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &reply.status);
  else
    reply.error = lowercase_first(curl_easy_strerror(static_cast<CURLcode>(code)));
  reply.body = std::move(transfer->answer);
  curl_multi_remove_handle(multi_of(multi_), transfer->easy);
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

std::string read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(ExitCode::failed, "cannot read " + quote(path) + ": " + system_error_text(errno));
  std::string line;
  std::getline(in, line);
  auto first = line.find_first_not_of(" \t\r");
  auto last = line.find_last_not_of(" \t\r");
  if (first == std::string::npos) fail(ExitCode::bad_input, "the token file " + quote(path) + " has no token");
  return line.substr(first, last - first + 1);
}

}  // namespace sheratan
