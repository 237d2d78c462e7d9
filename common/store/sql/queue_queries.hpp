#pragma once
// Every SQL statement of the job queue. The store prepares each once and reuses it.
// Columns of a job row, in the order read_job() expects them:
#include <string>
#include <string_view>

namespace sheratan::sql {

#define SHERATAN_JOB_COLUMNS                                                                           \
  "seq, id, kind, queue, params, labels, priority, status, run_at, created_at, updated_at, attempts, " \
  "max_attempts, timeout_ms, backoff_ms, backoff_max_ms, depends_on, waiting_deps, idempotency_key, "  \
  "cost, worker, lease_token, lease_until, error, result, result_hash, finished_at, source, gate_report"

inline constexpr std::string_view kJobColumns = SHERATAN_JOB_COLUMNS;

// Pushes insert many rows per statement: executing one statement per job cost more
// than the rows themselves. Values bind in column order, row after row. OR FAIL: a
// statement that writes many rows and may abort keeps a statement journal (a copy of
// each page it touches) to undo its own rows; the batch is checked before (keys,
// dependencies), and a failure throws and rolls the whole transaction back anyway.
inline constexpr std::string_view kInsertJobPrefix =
    "INSERT OR FAIL INTO jobs (seq, id, kind, queue, params, labels, chain, priority, status, run_at, created_at, "
    "updated_at, max_attempts, timeout_ms, backoff_ms, backoff_max_ms, depends_on, waiting_deps, "
    "idempotency_key, spec_hash, cost, source, gate_report, last_event) VALUES ";
inline constexpr int kInsertJobColumns = 24;
// Events written many at a time take the seqs after kLastEventSeq in the order of their
// rows (SQLite gives a new row the largest rowid plus one), which the writer sets as the
// jobs' last_event beforehand and checks after (JobQueue::check_event_seqs); an explicit
// seq would cost each row a search of the table. prev_seq is the job's last_event
// before (see migration 9).
inline constexpr std::string_view kInsertEventPrefix =
    "INSERT OR FAIL INTO job_events (job_seq, ts, from_status, to_status, worker, detail, prev_seq) VALUES ";
inline constexpr int kInsertEventColumns = 7;

// The events of one change of many jobs (a claim's leases, a batch of acks): ts ?1,
// from_status ?2 and to_status ?3 are bound once, then each event's job seq, worker,
// detail and prev_seq from ?4 on (multi_row.hpp). Each bind costs some 200
// instructions: the shared ones are bound once a statement.
std::string transition_events(std::size_t rows);
// One event of one job, chained to the job's last one; the caller then sets the job's
// last_event to the new event's rowid with kSetLastEvent.
inline constexpr std::string_view kRecordEvent =
    "INSERT OR FAIL INTO job_events (job_seq, ts, from_status, to_status, worker, detail, prev_seq) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT last_event FROM jobs WHERE seq = ?1))";
inline constexpr std::string_view kSetLastEvent = "UPDATE jobs SET last_event = ?2 WHERE seq = ?1";

/// prefix followed by `rows` groups of `columns` placeholders.
std::string multi_row_insert(std::string_view prefix, int columns, std::size_t rows);

inline constexpr std::string_view kMaxJobSeq = "SELECT coalesce(max(seq), 0) FROM jobs";

inline constexpr std::string_view kInsertDependency =
    "INSERT OR IGNORE INTO job_deps (dep_seq, job_seq) VALUES (?1, ?2)";

inline constexpr std::string_view kFindByKey = "SELECT id, status, spec_hash FROM jobs WHERE idempotency_key = ?1";
inline constexpr std::string_view kSeqStatusById = "SELECT seq, status FROM jobs WHERE id = ?1";
inline constexpr std::string_view kJobBySeq = "SELECT " SHERATAN_JOB_COLUMNS " FROM jobs WHERE seq = ?1";
inline constexpr std::string_view kJobById = "SELECT " SHERATAN_JOB_COLUMNS " FROM jobs WHERE id = ?1";

// Open jobs: each third is served by a partial index (jobs_ready, jobs_pending, and a
// scan of jobs_leases, which covers the queue; see migration 8).
inline constexpr std::string_view kQueueDepth =
    "SELECT (SELECT count(*) FROM jobs WHERE status = 'ready' AND queue = ?1) + "
    "(SELECT count(*) FROM jobs WHERE status = 'pending' AND queue = ?1) + "
    "(SELECT count(*) FROM jobs WHERE status = 'leased' AND queue = ?1)";

// Claiming: the partial indexes jobs_ready, jobs_due and jobs_leases serve these.
inline constexpr std::string_view kExpiredLeases =
    "SELECT seq FROM jobs WHERE status = 'leased' AND lease_until <= ?1 ORDER BY lease_until LIMIT ?2";
inline constexpr std::string_view kDuePending =
    "SELECT seq FROM jobs WHERE status = 'pending' AND waiting_deps = 0 AND run_at <= ?1 ORDER BY run_at LIMIT ?2";
// The jobs a claim leases, whole, and each one's last_event: the claim updates them by
// seq and so knows their new state without reading them again.
inline constexpr std::string_view kReadyInQueue = "SELECT " SHERATAN_JOB_COLUMNS
                                                  ", last_event FROM jobs WHERE status = 'ready' AND queue = ?1 "
                                                  "ORDER BY priority DESC, seq LIMIT ?2";
inline constexpr std::string_view kReadyInQueueOfKinds =
    "SELECT " SHERATAN_JOB_COLUMNS
    ", last_event FROM jobs WHERE status = 'ready' AND queue = ?1 "
    "AND kind IN (SELECT value FROM json_each(?3)) ORDER BY priority DESC, seq LIMIT ?2";
inline constexpr std::string_view kAnyReadyInQueue =
    "SELECT EXISTS (SELECT 1 FROM jobs WHERE status = 'ready' AND queue = ?1)";
inline constexpr std::string_view kAnyReadyInQueueOfKinds =
    "SELECT EXISTS (SELECT 1 FROM jobs WHERE status = 'ready' AND queue = ?1 "
    "AND kind IN (SELECT value FROM json_each(?2)))";
inline constexpr std::string_view kNextDue =
    "SELECT min(run_at) FROM jobs WHERE status = 'pending' AND waiting_deps = 0";
inline constexpr std::string_view kNextLeaseExpiry = "SELECT min(lease_until) FROM jobs WHERE status = 'leased'";

// Leases the jobs of a claim, many per statement (multi_row.hpp): worker ?1,
// lease_until ?2, updated_at ?3, then each job's seq, new token and new event's seq
// (its last_event) from ?4 on, in ascending seq, the CASEs picking each row's values by
// halving the seqs. One UPDATE per job cost about 40% more: each statement execution
// opens a cursor per index, seeks from the root and frees its registers, which a batch
// pays once. No RETURNING: SQLite runs RETURNING as a trigger, and a statement with a
// trigger opens a statement journal; the caller read the rows before and applies the
// same change to its copies. OR FAIL for the same reason: a statement that changes many
// rows and may abort keeps a statement journal (a copy of each page it touches) to undo
// its own rows; no constraint can fail on the values bound, and a failure throws and
// rolls the whole transaction back anyway.
std::string lease_rows(std::size_t rows);

// Finishing a lease: the token must match and the lease must not have run out.
#define SHERATAN_LEASE_COLUMNS \
  "seq, status, lease_token, lease_until, attempts, max_attempts, backoff_ms, backoff_max_ms, worker, result_hash, id"
inline constexpr std::string_view kLeaseHolder = "SELECT " SHERATAN_LEASE_COLUMNS " FROM jobs WHERE id = ?1";
// The jobs a batch of acks names, whole, and each one's last_event (see done_rows),
// `rows` ids at a time from ?1 on (multi_row.hpp): binding them costs less than a JSON
// array to build and parse.
std::string jobs_by_ids(std::size_t rows);
// What an ack checks and writes of each job it names (kAckCheckColumns), for a batch
// whose caller wants no jobs back: a fifth of the columns of jobs_by_ids.
#define SHERATAN_ACK_CHECK_COLUMNS "seq, id, status, worker, lease_token, lease_until, result_hash, last_event"
inline constexpr int kAckCheckColumns = 8;
std::string ack_checks_by_ids(std::size_t rows);
// Completes the acks of a batch, many per statement, for the same reasons as
// lease_rows: finished_at and updated_at ?1, then each job's seq, result, result hash and
// new event's seq from ?2 on, in ascending seq. The token stays, so that a repeated ack is recognised.
std::string done_rows(std::size_t rows);

inline constexpr std::string_view kMarkRetry =
    "UPDATE jobs SET status = 'pending', run_at = ?2, error = ?3, updated_at = ?4, lease_token = NULL, "
    "lease_until = NULL WHERE seq = ?1 RETURNING " SHERATAN_JOB_COLUMNS;
inline constexpr std::string_view kMarkDead =
    "UPDATE jobs SET status = 'dead', error = ?2, finished_at = ?3, updated_at = ?3, lease_token = NULL, "
    "lease_until = NULL WHERE seq = ?1 RETURNING " SHERATAN_JOB_COLUMNS;
inline constexpr std::string_view kExtendLease =
    "UPDATE jobs SET lease_until = ?2, updated_at = ?3 WHERE seq = ?1 RETURNING " SHERATAN_JOB_COLUMNS;
inline constexpr std::string_view kRelease =
    "UPDATE jobs SET status = 'ready', attempts = max(attempts - 1, 0), lease_token = NULL, lease_until = NULL, "
    "updated_at = ?2 WHERE seq = ?1 RETURNING " SHERATAN_JOB_COLUMNS;
inline constexpr std::string_view kReapToReady =
    "UPDATE jobs SET status = 'ready', lease_token = NULL, lease_until = NULL, error = 'lease expired', "
    "updated_at = ?2 WHERE seq = ?1";
inline constexpr std::string_view kSetStatus = "UPDATE jobs SET status = ?2, updated_at = ?3 WHERE seq = ?1";
inline constexpr std::string_view kCancel =
    "UPDATE jobs SET status = 'canceled', lease_token = NULL, lease_until = NULL, finished_at = ?2, "
    "updated_at = ?2 WHERE seq = ?1";
// Review of a quarantined job: the report, with the decision added, replaces the old one.
inline constexpr std::string_view kReviewed =
    "UPDATE jobs SET status = ?2, gate_report = ?3, updated_at = ?4, finished_at = ?5 WHERE seq = ?1";
inline constexpr std::string_view kResetForRetry =
    "UPDATE jobs SET status = ?2, attempts = 0, error = NULL, finished_at = NULL, run_at = ?3, updated_at = ?3, "
    "lease_token = NULL, lease_until = NULL WHERE seq = ?1";

// Dependencies.
inline constexpr std::string_view kDependents = "SELECT job_seq FROM job_deps WHERE dep_seq = ?1";
// Whether any job waits for another: most stores have no dependencies, and an ack
// then looks up no dependents.
inline constexpr std::string_view kAnyDependency = "SELECT EXISTS (SELECT 1 FROM job_deps)";
inline constexpr std::string_view kDependentsOfAll =
    "SELECT job_seq FROM job_deps WHERE dep_seq IN (SELECT value FROM json_each(?1))";
inline constexpr std::string_view kDependencyStatuses =
    "SELECT j.status FROM job_deps d JOIN jobs j ON j.seq = d.dep_seq WHERE d.job_seq = ?1";
inline constexpr std::string_view kDependencyDone =
    "UPDATE jobs SET waiting_deps = waiting_deps - 1, updated_at = ?2 WHERE seq = ?1 "
    "RETURNING status, waiting_deps, run_at";
inline constexpr std::string_view kStatusBySeq = "SELECT status, waiting_deps, run_at FROM jobs WHERE seq = ?1";

// Reading.
#define SHERATAN_EVENT_COLUMNS "e.seq, j.id, e.ts, e.from_status, e.to_status, e.worker, e.detail"
// A job's events: the chain from its last_event back through prev_seq (migration 9).
#define SHERATAN_EVENT_CHAIN(JOB)                                        \
  "WITH RECURSIVE chain(seq) AS (SELECT last_event FROM jobs WHERE " JOB \
  " UNION ALL SELECT e.prev_seq FROM job_events e JOIN chain c ON e.seq = c.seq WHERE e.prev_seq IS NOT NULL) "
inline constexpr std::string_view kEventsOfJob = SHERATAN_EVENT_CHAIN(
    "id = ?1") "SELECT " SHERATAN_EVENT_COLUMNS
               " FROM chain c JOIN job_events e ON e.seq = c.seq JOIN jobs j ON j.seq = e.job_seq ORDER BY e.seq";
inline constexpr std::string_view kEventsAfter = "SELECT " SHERATAN_EVENT_COLUMNS
                                                 " FROM job_events e JOIN jobs j ON j.seq = e.job_seq "
                                                 "WHERE e.seq > ?1 ORDER BY e.seq LIMIT ?2";
inline constexpr std::string_view kLastEventSeq = "SELECT coalesce(max(seq), 0) FROM job_events";
inline constexpr std::string_view kCountsByQueueStatus =
    "SELECT queue, status, count(*) FROM jobs GROUP BY queue, status ORDER BY queue, status";
inline constexpr std::string_view kOldestReady =
    "SELECT queue, min(run_at) FROM jobs WHERE status = 'ready' GROUP BY queue";

// Purging finished jobs.
// A finished job is kept while a job that depends on it has not ended, so that a
// blocked dependent can still be unblocked by retrying it. A dead or canceled one is
// kept while any job that depends on it is left, ended or not: retrying that job
// must still find it blocked, and would otherwise wait for ever for a job that is gone.
// Purge repeats the query, so a dependency goes once its dependents have gone before it.
inline constexpr std::string_view kPurgeable =
    "SELECT seq FROM jobs WHERE finished_at < ?1 AND status IN ('done', 'dead', 'canceled') "
    "AND NOT EXISTS (SELECT 1 FROM job_deps d JOIN jobs w ON w.seq = d.job_seq "
    "WHERE d.dep_seq = jobs.seq AND (jobs.status <> 'done' OR w.status NOT IN ('done', 'dead', 'canceled'))) "
    "LIMIT 10000";
inline constexpr std::string_view kDeleteJob = "DELETE FROM jobs WHERE seq = ?1";
// SQLite gives a new row the largest rowid plus one, so a purge that deleted the newest
// events would hand their ids out again, and a watcher resuming after one would miss the
// new events that took them. This row of no job (job_seq 0; readers join events to
// jobs) keeps the newest id taken.
inline constexpr std::string_view kKeepEventId =
    "INSERT OR IGNORE INTO job_events (seq, job_seq, ts, to_status, detail) "
    "VALUES (?1, 0, ?2, 'purged', 'keeps the id of a purged event from being used again')";
inline constexpr std::string_view kDeleteEventsOfJob =
    SHERATAN_EVENT_CHAIN("seq = ?1") "DELETE FROM job_events WHERE seq IN (SELECT seq FROM chain)";
inline constexpr std::string_view kDeleteDependencies = "DELETE FROM job_deps WHERE dep_seq = ?1 OR job_seq = ?1";

}  // namespace sheratan::sql
