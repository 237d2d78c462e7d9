#include "queue/job_defaults.hpp"

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan {

JobDefaults job_defaults_from(const Config& config) {
  JobDefaults defaults;
  // Defaults from the config pass the same checks as a job's own fields.
  Json sample{{"kind", "config"}};
  if (auto queue = config.text(std::nullopt, "SHERATAN_QUEUE", "queue.default")) sample["queue"] = *queue;
  if (auto attempts = config.integer(std::nullopt, nullptr, "queue.max_attempts")) sample["max_attempts"] = *attempts;
  if (auto timeout = config.text(std::nullopt, nullptr, "queue.timeout")) sample["timeout"] = *timeout;
  try {
    return parse_job_spec(sample, defaults, 0).defaults();
  } catch (const Error& error) {
    fail(ExitCode::bad_input, "config " + quote(config.source()) + ": " + error.what());
  }
}

}  // namespace sheratan
