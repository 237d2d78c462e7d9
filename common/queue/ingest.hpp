#pragma once
// The drop folder of the original: each DIR/*.job.json ({job_id, kind, payload}) becomes
// a job with job_id as its idempotency key. The file then moves to DIR/ingested/, or to
// DIR/rejected/ beside NAME.error.json saying why. A file is moved only after its job
// committed, so a crash in between leaves it to be ingested again, as a duplicate.
// Every file's job passes the admission gates with the source "ingest".

#include <filesystem>
#include <functional>
#include <optional>

#include "cli/exit_code.hpp"
#include "gates/admission.hpp"
#include "queue/queue.hpp"

namespace sheratan {

struct IngestResult {
  std::string file;
  bool accepted = false;
  std::optional<PushOutcome> job;
  std::string error;
  ExitCode error_code = ExitCode::ok;
  Json gate;  // the gates' report: of an admitted job, or of a refused one; else null
  Json to_json() const;
};

class DropFolder {
 public:
  DropFolder(JobQueue& queue, std::filesystem::path folder, const Admission& admission,
             std::optional<std::int64_t> max_depth, const Clock& clock);

  /// Ingests every *.job.json now in the folder, oldest name first.
  void ingest_all(const std::function<void(const IngestResult&)>& report);
  /// Ingests one file (by name inside the folder), if it is a *.job.json.
  std::optional<IngestResult> ingest_file(const std::string& name);
  /// Goes on ingesting files as they are closed after writing or renamed in, woken by
  /// inotify, until SIGINT/SIGTERM. Returns the exit code for the signal.
  int watch(const std::function<void(const IngestResult&)>& report);
  const std::filesystem::path& path() const { return folder_; }

 private:
  JobQueue& queue_;
  std::filesystem::path folder_;
  const Admission& admission_;
  std::optional<std::int64_t> max_depth_;
  const Clock& clock_;
};

}  // namespace sheratan
