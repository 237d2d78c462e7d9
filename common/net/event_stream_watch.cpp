#include "net/event_stream_watch.hpp"

#include <curl/curl.h>

#include "cli/message.hpp"
#include "net/curl_global.hpp"
#include "net/curl_on_loop.hpp"

namespace sheratan {

namespace {

constexpr std::uint64_t kReopenMs = 1000;
// The server sends a keep-alive comment every 15 s: a stream silent for longer than
// this has lost its server, and is opened again.
constexpr long kSilentSeconds = 45;

}  // namespace

struct EventStreamWatch::Stream {
  uv_loop_t* loop;
  std::string url;
  std::function<void()> on_change;
  std::string user_agent;
  curl_slist* headers = nullptr;
  CURL* easy = nullptr;
  std::unique_ptr<CurlOnLoop> curl;
  uv_timer_t* reopen_timer = nullptr;  // freed by its close callback
  bool at_line_start = true;
  bool failing = false;  // a warning was printed; the next successful open says so

  void open() {
    at_line_start = true;
    easy = curl_easy_init();
    if (!easy) {
      reopen_later("cannot start an HTTP transfer");
      return;
    }
    CurlOnLoop::set_common_options(easy, 10'000, user_agent);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 0L);  // a stream has no end
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, kSilentSeconds);
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, this);
    if (!curl->add(easy)) {
      curl_easy_cleanup(easy);
      easy = nullptr;
      reopen_later("cannot start an HTTP transfer");
    }
  }

  /// A line that is neither empty nor a comment (":...") belongs to an event.
  static std::size_t on_data(char* data, std::size_t size, std::size_t count, void* user) {
    auto* stream = static_cast<Stream*>(user);
    const std::size_t bytes = size * count;
    long status = 0;
    curl_easy_getinfo(stream->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) return bytes;  // an error's body: the end of the transfer tells
    if (stream->failing) {
      stream->failing = false;
      print_info("event stream " + quote(stream->url) + " open again");
    }
    bool event = false;
    for (std::size_t i = 0; i < bytes; ++i) {
      if (stream->at_line_start && data[i] != '\n' && data[i] != '\r' && data[i] != ':') event = true;
      stream->at_line_start = data[i] == '\n';
    }
    if (event) stream->on_change();
    return bytes;
  }

  void on_done(CURL* done, CURLcode code) {
    long status = 0;
    curl_easy_getinfo(done, CURLINFO_RESPONSE_CODE, &status);
    curl->remove(done);
    curl_easy_cleanup(done);
    easy = nullptr;
    std::string why = code != CURLE_OK ? curl_error_text(code)
                      : status == 200  ? "the server ended it"
                                       : "HTTP " + std::to_string(status);
    reopen_later(why);
  }

  void reopen_later(const std::string& why) {
    if (!failing) print_warning("event stream " + quote(url) + ": " + why + " (opening it again every 1s)");
    failing = true;
    uv_timer_start(
        reopen_timer,
        [](uv_timer_t* timer) {
          auto* stream = static_cast<Stream*>(timer->data);
          stream->open();
          stream->on_change();  // events may have been missed while it was closed
        },
        kReopenMs, 0);
  }
};

EventStreamWatch::EventStreamWatch(uv_loop_t* loop, std::string url, std::optional<std::string> token,
                                   std::string user_agent, std::function<void()> on_change)
    : stream_(std::make_unique<Stream>()) {
  Stream& stream = *stream_;
  stream.loop = loop;
  stream.url = std::move(url);
  stream.on_change = std::move(on_change);
  stream.user_agent = std::move(user_agent);
  stream.headers = curl_slist_append(nullptr, "Accept: text/event-stream");
  if (token) stream.headers = curl_slist_append(stream.headers, ("Authorization: Bearer " + *token).c_str());
  stream.curl =
      std::make_unique<CurlOnLoop>(loop, [&stream](CURL* easy, CURLcode code) { stream.on_done(easy, code); });
  stream.reopen_timer = new uv_timer_t;
  uv_timer_init(loop, stream.reopen_timer);
  stream.reopen_timer->data = &stream;
  stream.open();
}

EventStreamWatch::~EventStreamWatch() {
  Stream& stream = *stream_;
  if (stream.easy) {
    stream.curl->remove(stream.easy);
    curl_easy_cleanup(stream.easy);
  }
  stream.curl.reset();
  uv_close(reinterpret_cast<uv_handle_t*>(stream.reopen_timer),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
  curl_slist_free_all(stream.headers);
}

}  // namespace sheratan
