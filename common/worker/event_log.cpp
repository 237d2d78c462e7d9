#include "worker/event_log.hpp"

#include <cstdio>

namespace sheratan {

void EventLog::job_event(std::string_view event, const Job& job, Json extra) {
  if (style_ == EventStyle::none) return;  // --quiet: not even the line is built
  Json line{{"event", event}, {"job", job.id}, {"kind", job.spec.kind}, {"attempt", job.attempts}};
  for (auto& [key, value] : extra.items())
    line[key] = value;
  print(std::move(line));
}

void EventLog::worker_event(std::string_view event, Json extra) {
  if (style_ == EventStyle::none) return;
  Json line{{"event", event}};
  for (auto& [key, value] : extra.items())
    line[key] = value;
  print(std::move(line));
}

void EventLog::print(Json line) {
  if (style_ == EventStyle::none) return;
  line["ts"] = format_rfc3339(clock_.now());
  line["worker"] = worker_;
  if (style_ == EventStyle::json) {
    write_json_line(line);
  } else {
    // A person at a terminal gets one short line: time, event, job, kind, what matters.
    std::string text = line["ts"].get<std::string>().substr(11, 12) + "  " + line["event"].get<std::string>();
    for (const char* key : {"job", "kind", "error", "reason"})
      if (line.contains(key)) text += "  " + cell_text(line[key]);
    if (line.contains("ms")) text += "  " + cell_text(line["ms"]) + " ms";
    text += '\n';
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  flush_output();
}

}  // namespace sheratan
