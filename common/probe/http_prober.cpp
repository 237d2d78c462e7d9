#include "probe/http_prober.hpp"

#include <curl/curl.h>

#include <cctype>

#include "cli/error.hpp"
#include "net/curl_global.hpp"
#include "sheratan_version.hpp"

namespace sheratan {

struct HttpProber::Transfer {
  ProbeTarget target;
  CURL* easy = nullptr;
  std::int64_t started = 0;  // monotonic ms
};

struct HttpProber::Socket {
  uv_poll_t poll{};
  curl_socket_t fd = CURL_SOCKET_BAD;
  HttpProber* owner = nullptr;
};

namespace {

CURLM* multi_of(void* handle) {
  return static_cast<CURLM*>(handle);
}

std::size_t discard_body(char*, std::size_t size, std::size_t count, void*) {
  return size * count;
}

std::string lowercase_first(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

}  // namespace

HttpProber::HttpProber(uv_loop_t* loop, const Clock& clock, std::int64_t concurrency, Millis timeout_ms)
    : loop_(loop), clock_(clock), concurrency_(concurrency), timeout_ms_(timeout_ms), multi_(nullptr), timer_(nullptr) {
  if (concurrency_ < 1) fail(ExitCode::usage, "--concurrency must be at least 1");
  if (timeout_ms_ < 1) fail(ExitCode::usage, "--timeout must be positive");
  ensure_curl_global();
  multi_ = curl_multi_init();
  if (!multi_) fail(ExitCode::failed, "cannot initialise libcurl");
  timer_ = new uv_timer_t;
  uv_timer_init(loop_, timer_);
  timer_->data = this;
  curl_multi_setopt(multi_of(multi_), CURLMOPT_SOCKETFUNCTION, &HttpProber::on_socket);
  curl_multi_setopt(multi_of(multi_), CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_of(multi_), CURLMOPT_TIMERFUNCTION, &HttpProber::on_curl_timer);
  curl_multi_setopt(multi_of(multi_), CURLMOPT_TIMERDATA, this);
}

HttpProber::~HttpProber() {
  cancel();
  curl_multi_cleanup(multi_of(multi_));
  uv_close(reinterpret_cast<uv_handle_t*>(timer_),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
}

void HttpProber::start_round(std::vector<ProbeTarget> targets, ResultHandler on_result, std::function<void()> on_done) {
  if (busy()) fail(ExitCode::failed, "internal error: a probe round is still running");
  on_result_ = std::move(on_result);
  on_done_ = std::move(on_done);
  for (auto& target : targets)
    pending_.push_back(std::move(target));
  if (pending_.empty()) {
    if (on_done_) on_done_();
    return;
  }
  start_pending();
}

void HttpProber::start_pending() {
  while (active_ < concurrency_ && !pending_.empty()) {
    auto* transfer = new Transfer{std::move(pending_.front()), curl_easy_init(), monotonic_millis()};
    pending_.pop_front();
    CURL* easy = transfer->easy;
    curl_easy_setopt(easy, CURLOPT_URL, transfer->target.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms_));
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_ms_));
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &discard_body);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, (std::string("sheratan-probe/") + kVersion).c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    // A fresh connection per probe: a probe must see whether the host accepts one.
    curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
    ++active_;
    running_.insert(transfer);
    if (curl_multi_add_handle(multi_of(multi_), easy) != CURLM_OK) finish(transfer, CURLE_FAILED_INIT);
  }
}

int HttpProber::on_socket(void*, int fd, int what, void* self, void* socket_data) {
  auto* prober = static_cast<HttpProber*>(self);
  auto* socket = static_cast<Socket*>(socket_data);
  if (what == CURL_POLL_REMOVE) {
    if (socket) {
      uv_poll_stop(&socket->poll);
      uv_close(reinterpret_cast<uv_handle_t*>(&socket->poll),
               [](uv_handle_t* handle) { delete static_cast<Socket*>(handle->data); });
      curl_multi_assign(multi_of(prober->multi_), fd, nullptr);
    }
    return 0;
  }
  if (!socket) {
    socket = new Socket;
    socket->fd = fd;
    socket->owner = prober;
    uv_poll_init_socket(prober->loop_, &socket->poll, fd);
    socket->poll.data = socket;
    curl_multi_assign(multi_of(prober->multi_), fd, socket);
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

int HttpProber::on_curl_timer(void*, long timeout_ms, void* self) {
  auto* prober = static_cast<HttpProber*>(self);
  if (timeout_ms < 0) {
    uv_timer_stop(prober->timer_);
    return 0;
  }
  // Acting from inside this callback is not allowed: a zero timeout goes through the loop.
  uv_timer_start(
      prober->timer_,
      [](uv_timer_t* timer) { static_cast<HttpProber*>(timer->data)->socket_action(CURL_SOCKET_TIMEOUT, 0); },
      static_cast<std::uint64_t>(timeout_ms), 0);
  return 0;
}

void HttpProber::socket_action(int fd, int flags) {
  int running = 0;
  curl_multi_socket_action(multi_of(multi_), fd, flags, &running);
  collect_finished();
}

void HttpProber::collect_finished() {
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_of(multi_), &left)) {
    if (message->msg != CURLMSG_DONE) continue;
    Transfer* transfer = nullptr;
    curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &transfer);
    finish(transfer, static_cast<int>(message->data.result));
  }
}

void HttpProber::finish(Transfer* transfer, int code) {
  ProbeResult result;
  result.host = transfer->target.host;
  result.ts = clock_.now();
  result.latency_ms = monotonic_millis() - transfer->started;
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &status);
    result.http_status = status;
    result.ok = status >= transfer->target.expect_low && status <= transfer->target.expect_high;
    if (!result.ok)
      result.error = "HTTP status " + std::to_string(status) + " (expected " +
                     std::to_string(transfer->target.expect_low) + "-" + std::to_string(transfer->target.expect_high) +
                     ")";
  } else {
    result.error = lowercase_first(curl_easy_strerror(static_cast<CURLcode>(code)));
  }
  curl_multi_remove_handle(multi_of(multi_), transfer->easy);
  curl_easy_cleanup(transfer->easy);
  running_.erase(transfer);
  delete transfer;
  --active_;
  if (on_result_) on_result_(std::move(result));
  start_pending();
  if (!busy() && on_done_) {
    auto done = std::move(on_done_);
    on_done_ = nullptr;
    done();
  }
}

void HttpProber::cancel() {
  pending_.clear();
  for (Transfer* transfer : running_) {
    curl_multi_remove_handle(multi_of(multi_), transfer->easy);
    curl_easy_cleanup(transfer->easy);
    delete transfer;
  }
  running_.clear();
  active_ = 0;
  on_result_ = nullptr;
  on_done_ = nullptr;
}

}  // namespace sheratan
