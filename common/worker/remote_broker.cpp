#include "worker/remote_broker.hpp"

#include <algorithm>
#include <map>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "net/event_stream_watch.hpp"
#include "sheratan_version.hpp"
#include "worker/round_json.hpp"

namespace sheratan {

namespace {

constexpr std::int64_t kMostClaimed = 100'000;     // sheratan-serve's limit for one claim
constexpr std::size_t kLeasesPerRequest = 10'000;  // sheratan-serve takes up to 100,000

std::string user_agent() {
  return std::string("sheratan-worker/") + kVersion;
}

HttpSessionOptions session_options(const RemoteBrokerOptions& options) {
  HttpSessionOptions session;
  session.token = options.token;
  session.timeout_ms = options.timeout_ms;
  session.user_agent = user_agent();
  return session;
}

class RemoteChangeWatch final : public ChangeWatch {
 public:
  RemoteChangeWatch(uv_loop_t* loop, const std::string& url, const std::optional<std::string>& token,
                    std::function<void()> on_change)
      : watch_(loop, url, token, user_agent(), std::move(on_change)) {}

 private:
  EventStreamWatch watch_;
};

}  // namespace

RemoteBroker::RemoteBroker(const RemoteBrokerOptions& options, const Clock& clock)
    : token_(options.token),
      root_(server_root(options.url, "--server")),
      session_options_(session_options(options)),
      leases_(root_, "--server", session_options_),
      clock_(clock) {}

Json RemoteBroker::post(HttpSession& session, const std::string& path, const Json& body) {
  // Results come from programs and files: a byte that is no UTF-8 is replaced, not fatal.
  HttpAnswer answer = session.post(path, body.dump(-1, ' ', false, Json::error_handler_t::replace));
  if (answer.status >= 200 && answer.status < 300) {
    try {
      return parse_json_text(answer.body);
    } catch (const Error& error) {
      fail(ExitCode::failed, quote(root_ + path) + " answered what is not JSON: " + error.what());
    }
  }
  std::string message = quote(root_ + path) + " answered HTTP " + std::to_string(answer.status);
  if (std::string said = server_message(answer.body); !said.empty()) message += ": " + said;
  if (answer.status == 401 && !token_)
    message += "; the server needs a token with scope 'work' (--token-file F or SHERATAN_TOKEN)";
  fail(retry_may_help(answer.status) ? ExitCode::unavailable : ExitCode::failed, message);
}

Exchange RemoteBroker::exchange(std::vector<WorkReport>& reports, const ClaimRequest& claim) {
  Json body{{"worker", claim.worker},
            {"queue", claim.queue},
            {"kinds", claim.kinds},
            {"limit", std::min(claim.limit, kMostClaimed)},
            {"lease", format_duration(claim.lease_ms)},
            {"reports", Json::array()}};
  for (const auto& report : reports)
    body["reports"].push_back(report_to_json(report));
  // A connection whose request failed is dropped with the exception; the next round
  // opens a new one.
  auto session = take_session();
  Json answer = post(*session, "/v1/work", body);
  give_back(std::move(session));
  try {
    return round_from_json(answer, reports, clock_.now());
  } catch (const Error& error) {
    fail(ExitCode::failed, quote(root_ + "/v1/work") + ": " + error.what());
  }
}

std::unique_ptr<HttpSession> RemoteBroker::take_session() {
  {
    std::lock_guard lock(idle_mutex_);
    if (!idle_.empty()) {
      auto session = std::move(idle_.back());
      idle_.pop_back();
      return session;
    }
  }
  return std::make_unique<HttpSession>(root_, "--server", session_options_);
}

void RemoteBroker::give_back(std::unique_ptr<HttpSession> session) {
  std::lock_guard lock(idle_mutex_);
  idle_.push_back(std::move(session));
}

std::optional<std::set<std::string>> RemoteBroker::on_leases(const std::vector<Job*>& jobs, const char* action,
                                                             const Json& fields) {
  std::set<std::string> refused;
  std::map<std::string, Job*> by_id;
  try {
    for (std::size_t from = 0; from < jobs.size(); from += kLeasesPerRequest) {
      Json body = fields;
      Json& leases = body["leases"] = Json::array();
      by_id.clear();
      for (std::size_t i = from; i < std::min(jobs.size(), from + kLeasesPerRequest); ++i) {
        leases.push_back({{"id", jobs[i]->id}, {"token", jobs[i]->lease_token.value_or("")}});
        by_id[jobs[i]->id] = jobs[i];
      }
      const Json answer = post(leases_, std::string("/v1/leases/") + action, body);
      for (const auto& id : answer.at("refused"))
        refused.insert(id.get<std::string>());
      if (auto extended = answer.find("extended"); extended != answer.end())
        for (const auto& lease : *extended)
          if (auto job = by_id.find(lease.at("id").get<std::string>()); job != by_id.end())
            job->second->lease_until = parse_rfc3339(lease.at("lease_until").get<std::string>());
    }
  } catch (const Error& error) {
    print_warning(std::string("cannot ") + action + " leases at " + quote(root_) + ": " + error.what());
    return std::nullopt;
  } catch (const Json::exception& error) {
    print_warning(std::string("cannot ") + action + " leases at " + quote(root_) + ": its answer is no lease list (" +
                  error.what() + ")");
    return std::nullopt;
  }
  return refused;
}

std::optional<std::set<std::string>> RemoteBroker::extend(const std::vector<Job*>& jobs, Millis lease_ms) {
  return on_leases(jobs, "extend", Json{{"lease", format_duration(lease_ms)}});
}

std::optional<std::set<std::string>> RemoteBroker::release(const std::vector<Job*>& jobs) {
  return on_leases(jobs, "release", Json::object());
}

std::unique_ptr<ChangeWatch> RemoteBroker::watch(uv_loop_t* loop, std::function<void()> on_change) {
  return std::make_unique<RemoteChangeWatch>(loop, root_ + "/v1/changes", token_, std::move(on_change));
}

}  // namespace sheratan
