#include "worker/action_run.hpp"

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

#include "cli/error.hpp"

namespace sheratan {

struct ActionMailbox::Handles {
  uv_async_t async{};
  std::mutex mutex;
  std::deque<std::function<void()>> deliveries;
};

ActionMailbox::ActionMailbox(uv_loop_t* loop) : handles_(new Handles) {
  handles_->async.data = handles_;
  uv_async_init(loop, &handles_->async, [](uv_async_t* async) {
    auto* handles = static_cast<Handles*>(async->data);
    std::deque<std::function<void()>> ready;
    {
      std::lock_guard lock(handles->mutex);
      ready.swap(handles->deliveries);
    }
    for (auto& delivery : ready)
      delivery();
  });
}

ActionMailbox::~ActionMailbox() {
  uv_close(reinterpret_cast<uv_handle_t*>(&handles_->async),
           [](uv_handle_t* handle) { delete static_cast<Handles*>(handle->data); });
}

void ActionMailbox::post(std::function<void()> delivery) {
  {
    std::lock_guard lock(handles_->mutex);
    handles_->deliveries.push_back(std::move(delivery));
  }
  uv_async_send(&handles_->async);
}

struct ActionRun::State {
  std::atomic<bool> stop_requested{false};
  std::thread thread;
  Finish finish;
};

RunOutcome run_action(const ActionSpec& action, const Json& params, const ActionContext& context) {
  try {
    return RunOutcome::success(action.run(params, context));
  } catch (const ActionFailure& failure) {
    return failure.temporary() ? RunOutcome::temporary(failure.what()) : RunOutcome::permanent(failure.what());
  } catch (const Error& error) {
    return RunOutcome::permanent(error.what());
  } catch (const std::exception& error) {
    return RunOutcome::permanent(std::string(action.name) + ": " + error.what());
  }
}

ActionRun::ActionRun(ActionMailbox& mailbox, const ActionSpec& action, const Job& job, const Sandbox& root,
                     Finish finish)
    : state_(std::make_shared<State>()) {
  state_->finish = std::move(finish);
  auto work = [&mailbox, &action, &root, state = state_, params = job.spec.params, timeout = job.spec.timeout_ms] {
    ActionContext context{root, state->stop_requested, timeout};
    RunOutcome outcome = run_action(action, params, context);
    mailbox.post([state, outcome = std::move(outcome)]() mutable {
      if (state->thread.joinable()) state->thread.join();
      if (auto deliver = std::move(state->finish)) deliver(std::move(outcome));
    });
  };
  if (action.blocking)
    state_->thread = std::thread(std::move(work));
  else
    work();
}

ActionRun::~ActionRun() {
  // Normally the thread was joined before finish; a run dropped early still waits for it.
  state_->stop_requested = true;
  state_->finish = nullptr;  // a delivery still in the mailbox must not call back
  if (state_->thread.joinable() && state_->thread.get_id() != std::this_thread::get_id()) state_->thread.join();
}

void ActionRun::stop() {
  state_->stop_requested = true;
}

}  // namespace sheratan
