#include "worker/round_thread.hpp"

#include <algorithm>
#include <thread>

#include "cli/error.hpp"

namespace sheratan {

RoundOutcome run_round(JobBroker& broker, std::uint64_t seq, std::vector<WorkReport> batch, const ClaimRequest& claim) {
  RoundOutcome outcome;
  outcome.seq = seq;
  outcome.batch = std::move(batch);
  outcome.claim_limit = claim.limit;
  try {
    outcome.round = broker.exchange(outcome.batch, claim);
  } catch (const Error& error) {
    if (error.code() == ExitCode::unavailable)
      outcome.unavailable = error.what();
    else
      outcome.error = std::current_exception();
  } catch (...) {
    outcome.error = std::current_exception();
  }
  return outcome;
}

struct RoundThread::Flight {
  std::thread thread;
  bool dropped = false;  // the RoundThread is gone: nobody waits for this outcome
};

RoundThread::RoundThread(JobBroker& broker, ActionMailbox& mailbox, std::function<void(RoundOutcome)> on_done)
    : broker_(broker), mailbox_(mailbox), on_done_(std::move(on_done)) {}

RoundThread::~RoundThread() {
  for (auto& flight : flights_) {
    flight->dropped = true;
    if (flight->thread.joinable()) flight->thread.join();
  }
}

void RoundThread::start(std::uint64_t seq, std::vector<WorkReport> batch, ClaimRequest claim) {
  auto flight = std::make_shared<Flight>();
  flights_.push_back(flight);
  // The outcome comes back through the mailbox, which runs it on the loop; the thread
  // is joined there (it has posted, so the join is immediate), or by the destructor.
  flight->thread = std::thread([this, seq, flight, batch = std::move(batch), claim = std::move(claim)]() mutable {
    RoundOutcome outcome = run_round(broker_, seq, std::move(batch), claim);
    mailbox_.post([this, flight, outcome = std::move(outcome)]() mutable {
      if (flight->dropped) return;
      flight->thread.join();
      std::erase(flights_, flight);
      on_done_(std::move(outcome));
    });
  });
}

}  // namespace sheratan
