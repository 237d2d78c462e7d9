#pragma once
// The worker's lifecycle events on stdout, so that a pipeline can follow what it does:
// one JSON line per event ({"event":"done","job":...}), a short human line per event
// when stdout is a terminal, nothing with --quiet. Events are printed only after the
// change they report has been committed.

#include <string>
#include <string_view>

#include "cli/output.hpp"
#include "cli/timestamp.hpp"
#include "queue/job.hpp"

namespace sheratan {

enum class EventStyle { json, human, none };

class EventLog {
 public:
  EventLog(EventStyle style, std::string worker, const Clock& clock)
      : style_(style), worker_(std::move(worker)), clock_(clock) {}

  /// Prints one event about a job; extra fields are merged into the line.
  void job_event(std::string_view event, const Job& job, Json extra = Json::object());
  /// Prints one event about the worker itself (started, stopping, stopped).
  void worker_event(std::string_view event, Json extra = Json::object());

 private:
  void print(Json line);
  EventStyle style_;
  std::string worker_;
  const Clock& clock_;
};

}  // namespace sheratan
