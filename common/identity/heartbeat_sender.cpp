#include "identity/heartbeat_sender.hpp"

namespace sheratan {

std::string heartbeat_url(std::string base) {
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  return base + "/v1/heartbeat";
}

std::int64_t next_heartbeat_counter(EpochMillis now, std::int64_t last) {
  return now > last ? now : last + 1;
}

HeartbeatSender::HeartbeatSender(uv_loop_t* loop, const Clock& clock, Identity identity, HeartbeatTarget target,
                                 Describe describe, ReplyHandler on_reply)
    : clock_(clock),
      identity_(std::move(identity)),
      target_(std::move(target)),
      url_(heartbeat_url(target_.url)),
      describe_(std::move(describe)),
      on_reply_(std::move(on_reply)),
      poster_(loop, target_.timeout_ms),
      timer_(new uv_timer_t) {
  uv_timer_init(loop, timer_);
  timer_->data = this;
}

HeartbeatSender::~HeartbeatSender() {
  // The timer's memory goes in its close callback, after this object: it must not
  // point back here.
  uv_timer_stop(timer_);
  timer_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(timer_),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
}

void HeartbeatSender::start() {
  const auto every = static_cast<std::uint64_t>(std::max<Millis>(target_.every_ms, 1));
  uv_timer_start(
      timer_,
      [](uv_timer_t* timer) {
        // An exception must not unwind through libuv: a heartbeat that cannot be made
        // is reported as a failed one, and the next is tried at its time.
        auto* self = static_cast<HeartbeatSender*>(timer->data);
        try {
          self->send();
        } catch (const std::exception& error) {
          if (self->on_reply_) self->on_reply_(Json(), HttpReply{0, {}, std::string(error.what())});
        }
      },
      0, every);
}

void HeartbeatSender::send() {
  if (poster_.in_flight() > 0) return;  // the last one has not answered yet
  HeartbeatFields fields;
  fields.host = target_.host;
  fields.ts = clock_.now();
  fields.counter = last_counter_ = next_heartbeat_counter(fields.ts, last_counter_);
  auto [status, facts] = describe_ ? describe_() : std::pair<std::string, Json>{"ok", Json()};
  fields.status = status;
  if (facts.is_object()) fields.facts = facts;
  Json body = sign_heartbeat(fields, identity_);
  poster_.post(url_, body.dump(), target_.token, [this, body](HttpReply reply) {
    if (on_reply_) on_reply_(body, reply);
  });
}

}  // namespace sheratan
