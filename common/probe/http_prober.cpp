#include "probe/http_prober.hpp"

#include <curl/curl.h>

#include "cli/error.hpp"
#include "net/curl_global.hpp"
#include "net/curl_on_loop.hpp"
#include "sheratan_version.hpp"

namespace sheratan {

struct HttpProber::Transfer {
  ProbeTarget target;
  CURL* easy = nullptr;
  std::int64_t started = 0;  // monotonic ms
};

namespace {

std::size_t discard_body(char*, std::size_t size, std::size_t count, void*) {
  return size * count;
}

}  // namespace

HttpProber::HttpProber(uv_loop_t* loop, const Clock& clock, std::int64_t concurrency, Millis timeout_ms)
    : loop_(loop), clock_(clock), concurrency_(concurrency), timeout_ms_(timeout_ms) {
  if (concurrency_ < 1) fail(ExitCode::usage, "--concurrency must be at least 1");
  if (timeout_ms_ < 1) fail(ExitCode::usage, "--timeout must be positive");
  curl_ = std::make_unique<CurlOnLoop>(loop_, [this](CURL* easy, CURLcode code) {
    Transfer* transfer = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &transfer);
    finish(transfer, code);
  });
}

HttpProber::~HttpProber() {
  cancel();
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
    CurlOnLoop::set_common_options(easy, timeout_ms_, std::string("sheratan-probe/") + kVersion);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &discard_body);
    // A fresh connection per probe: a probe must see whether the host accepts one.
    curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
    ++active_;
    running_.insert(transfer);
    if (!curl_->add(easy)) finish(transfer, CURLE_FAILED_INIT);
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
    result.error = curl_error_text(static_cast<CURLcode>(code));
  }
  curl_->remove(transfer->easy);
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
    curl_->remove(transfer->easy);
    curl_easy_cleanup(transfer->easy);
    delete transfer;
  }
  running_.clear();
  active_ = 0;
  on_result_ = nullptr;
  on_done_ = nullptr;
}

}  // namespace sheratan
