#include "store/sql/schema.hpp"

namespace sheratan {

const std::vector<const char*>& schema_migrations() {
  static const std::vector<const char*> migrations = {
      // 1: the job queue.
      R"sql(
CREATE TABLE jobs (
  seq             INTEGER PRIMARY KEY,      -- insertion order: "oldest first"
  id              TEXT NOT NULL UNIQUE,     -- UUIDv7
  kind            TEXT NOT NULL,
  queue           TEXT NOT NULL,
  params          TEXT NOT NULL,            -- JSON object
  labels          TEXT NOT NULL,            -- JSON object of strings
  chain           TEXT,                     -- labels.chain, indexed
  priority        INTEGER NOT NULL,
  status          TEXT NOT NULL CHECK (status IN
                    ('pending','ready','leased','done','dead','canceled','blocked')),
  run_at          INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  max_attempts    INTEGER NOT NULL,
  timeout_ms      INTEGER NOT NULL,
  backoff_ms      INTEGER NOT NULL,
  backoff_max_ms  INTEGER NOT NULL,
  depends_on      TEXT NOT NULL,            -- JSON array of job ids, immutable
  waiting_deps    INTEGER NOT NULL DEFAULT 0,
  idempotency_key TEXT,
  spec_hash       TEXT,
  cost            INTEGER,                  -- money units of 0.0001
  worker          TEXT,                     -- lease holder, then the worker that finished it
  lease_token     TEXT,
  lease_until     INTEGER,
  error           TEXT,
  result          TEXT,
  result_hash     TEXT,
  finished_at     INTEGER
);
CREATE UNIQUE INDEX jobs_by_key ON jobs(idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_ready   ON jobs(queue, priority DESC, seq) WHERE status = 'ready';
CREATE INDEX jobs_due     ON jobs(run_at) WHERE status = 'pending' AND waiting_deps = 0;
CREATE INDEX jobs_leases  ON jobs(lease_until) WHERE status = 'leased';
-- Open jobs that are not ready, for queue depth; ready ones are counted in jobs_ready.
-- (An index on every job's status cost a third of a push's time.)
CREATE INDEX jobs_unready ON jobs(queue, status) WHERE status IN ('pending', 'leased');
CREATE INDEX jobs_chain   ON jobs(chain, seq) WHERE chain IS NOT NULL;
CREATE INDEX jobs_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE job_deps (
  dep_seq INTEGER NOT NULL,   -- the job depended on
  job_seq INTEGER NOT NULL,   -- the job that waits for it
  PRIMARY KEY (dep_seq, job_seq)
) WITHOUT ROWID;
CREATE INDEX job_deps_by_job ON job_deps(job_seq, dep_seq);

CREATE TABLE job_events (
  seq     INTEGER PRIMARY KEY,    -- the event's id: increasing, unique in the store
  job_seq INTEGER NOT NULL,       -- jobs.seq
  ts      INTEGER NOT NULL,
  from_status TEXT,
  to_status   TEXT NOT NULL,
  worker  TEXT,
  detail  TEXT
);
CREATE INDEX job_events_by_job ON job_events(job_seq);
)sql",
      // The ledger: accounts with their balances, the hash-chained journal (which is
      // also the table of transfers), holds, and a replica's settings.
      R"sql(
CREATE TABLE ledger_accounts (
  id             TEXT PRIMARY KEY,
  kind           TEXT NOT NULL CHECK (kind IN ('user','worker','operator','system')),
  allow_negative INTEGER NOT NULL,
  balance        INTEGER NOT NULL DEFAULT 0,   -- money units of 0.0001
  held           INTEGER NOT NULL DEFAULT 0,   -- sum of this account's pending holds
  created_at     INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO ledger_accounts (id, kind, allow_negative, created_at) VALUES
  ('system:mint', 'system', 1, 0), ('system:operator', 'operator', 0, 0);

CREATE TABLE ledger_journal (
  seq        INTEGER PRIMARY KEY,   -- gap-free from 1
  type       TEXT NOT NULL CHECK (type IN ('open','transfer','hold','post','void','expire')),
  id         TEXT NOT NULL,         -- transfer or hold id; the account of an open
  debit      TEXT,                  -- "from"
  credit     TEXT,                  -- "to"
  amount     INTEGER,
  reason     TEXT,
  job        TEXT,
  kind       TEXT,                  -- the kind of an opened account
  expires_at INTEGER,               -- a hold's expiry
  ts         INTEGER NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
CREATE UNIQUE INDEX ledger_journal_ids ON ledger_journal(id, type);  -- an id once per type
CREATE INDEX ledger_journal_debit ON ledger_journal(debit, seq) WHERE debit IS NOT NULL;
CREATE INDEX ledger_journal_credit ON ledger_journal(credit, seq) WHERE credit IS NOT NULL;

CREATE TABLE ledger_holds (
  id         TEXT PRIMARY KEY,
  debit      TEXT NOT NULL,
  credit     TEXT NOT NULL,
  amount     INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('pending','posted','voided','expired')),
  posted     INTEGER                -- the amount a post moved
) WITHOUT ROWID;
CREATE INDEX ledger_holds_due ON ledger_holds(expires_at) WHERE status = 'pending';

CREATE TABLE ledger_meta (
  key   TEXT PRIMARY KEY,           -- 'replica_of': the writer a replica syncs from
  value TEXT NOT NULL
) WITHOUT ROWID;
)sql",
  };
  return migrations;
}

}  // namespace sheratan
