#include "net/curl_on_loop.hpp"

#include "cli/error.hpp"
#include "net/curl_global.hpp"

namespace sheratan {

struct CurlOnLoop::Socket {
  uv_poll_t poll{};
  curl_socket_t fd = CURL_SOCKET_BAD;
  CurlOnLoop* owner = nullptr;
};

CurlOnLoop::CurlOnLoop(uv_loop_t* loop, Done on_done) : loop_(loop), on_done_(std::move(on_done)) {
  ensure_curl_global();
  multi_ = curl_multi_init();
  if (!multi_) fail(ExitCode::failed, "cannot initialise libcurl");
  timer_ = new uv_timer_t;
  uv_timer_init(loop_, timer_);
  timer_->data = this;
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlOnLoop::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlOnLoop::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

CurlOnLoop::~CurlOnLoop() {
  curl_multi_cleanup(multi_);
  uv_close(reinterpret_cast<uv_handle_t*>(timer_),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
}

bool CurlOnLoop::add(CURL* easy) {
  return curl_multi_add_handle(multi_, easy) == CURLM_OK;
}

void CurlOnLoop::remove(CURL* easy) {
  // Curl drops the transfer's sockets (CURL_POLL_REMOVE), which closes their polls;
  // their memory goes in the loop's close callbacks.
  curl_multi_remove_handle(multi_, easy);
}

void CurlOnLoop::set_common_options(CURL* easy, Millis timeout_ms, const std::string& user_agent) {
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, user_agent.c_str());  // curl copies it
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
}

int CurlOnLoop::on_socket(CURL*, curl_socket_t fd, int what, void* self, void* socket_data) {
  auto* owner = static_cast<CurlOnLoop*>(self);
  auto* socket = static_cast<Socket*>(socket_data);
  if (what == CURL_POLL_REMOVE) {
    if (socket) {
      uv_poll_stop(&socket->poll);
      uv_close(reinterpret_cast<uv_handle_t*>(&socket->poll),
               [](uv_handle_t* handle) { delete static_cast<Socket*>(handle->data); });
      curl_multi_assign(owner->multi_, fd, nullptr);
    }
    return 0;
  }
  if (!socket) {
    socket = new Socket;
    socket->fd = fd;
    socket->owner = owner;
    uv_poll_init_socket(owner->loop_, &socket->poll, fd);
    socket->poll.data = socket;
    curl_multi_assign(owner->multi_, fd, socket);
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

int CurlOnLoop::on_timer(CURLM*, long timeout_ms, void* self) {
  auto* owner = static_cast<CurlOnLoop*>(self);
  if (timeout_ms < 0) {
    uv_timer_stop(owner->timer_);
    return 0;
  }
  // Acting from inside this callback is not allowed: a zero timeout goes through the loop.
  uv_timer_start(
      owner->timer_,
      [](uv_timer_t* timer) { static_cast<CurlOnLoop*>(timer->data)->socket_action(CURL_SOCKET_TIMEOUT, 0); },
      static_cast<std::uint64_t>(timeout_ms), 0);
  return 0;
}

void CurlOnLoop::socket_action(curl_socket_t fd, int flags) {
  int running = 0;
  curl_multi_socket_action(multi_, fd, flags, &running);
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_, &left))
    if (message->msg == CURLMSG_DONE) on_done_(message->easy_handle, message->data.result);
}

}  // namespace sheratan
