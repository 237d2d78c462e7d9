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
      // 2: the jobs table rebuilt with its status CHECK spelled as a chain of ORs. SQLite
      // checks "status IN (...)" by filling a temporary b-tree for every row it writes,
      // which cost a quarter of a push's instructions and as much again in claim and ack;
      // the ORs say the same and cost a few comparisons. Rows, seqs and indexes are kept.
      R"sql(
CREATE TABLE jobs_v2 (
  seq             INTEGER PRIMARY KEY,
  id              TEXT NOT NULL UNIQUE,
  kind            TEXT NOT NULL,
  queue           TEXT NOT NULL,
  params          TEXT NOT NULL,
  labels          TEXT NOT NULL,
  chain           TEXT,
  priority        INTEGER NOT NULL,
  status          TEXT NOT NULL CHECK (status = 'pending' OR status = 'ready' OR status = 'leased' OR
                    status = 'done' OR status = 'dead' OR status = 'canceled' OR status = 'blocked'),
  run_at          INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  max_attempts    INTEGER NOT NULL,
  timeout_ms      INTEGER NOT NULL,
  backoff_ms      INTEGER NOT NULL,
  backoff_max_ms  INTEGER NOT NULL,
  depends_on      TEXT NOT NULL,
  waiting_deps    INTEGER NOT NULL DEFAULT 0,
  idempotency_key TEXT,
  spec_hash       TEXT,
  cost            INTEGER,
  worker          TEXT,
  lease_token     TEXT,
  lease_until     INTEGER,
  error           TEXT,
  result          TEXT,
  result_hash     TEXT,
  finished_at     INTEGER
);
INSERT INTO jobs_v2 SELECT * FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_v2 RENAME TO jobs;
CREATE UNIQUE INDEX jobs_by_key ON jobs(idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_ready   ON jobs(queue, priority DESC, seq) WHERE status = 'ready';
CREATE INDEX jobs_due     ON jobs(run_at) WHERE status = 'pending' AND waiting_deps = 0;
CREATE INDEX jobs_leases  ON jobs(lease_until) WHERE status = 'leased';
CREATE INDEX jobs_unready ON jobs(queue, status) WHERE status IN ('pending', 'leased');
CREATE INDEX jobs_chain   ON jobs(chain, seq) WHERE chain IS NOT NULL;
CREATE INDEX jobs_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;
)sql",
      // 3: the system state machine (sheratan-state) and the host registry with its probe
      // results (sheratan-probe). A new store starts OPERATIONAL with a first event.
      R"sql(
CREATE TABLE state_events (
  seq        INTEGER PRIMARY KEY,     -- the event's id: increasing, unique in the store
  ts         INTEGER NOT NULL,
  prev_state TEXT,                    -- NULL only for the first event
  next_state TEXT NOT NULL CHECK (next_state IN
               ('OPERATIONAL','DEGRADED','REFLECTIVE','RECOVERY','PAUSED')),
  reason     TEXT NOT NULL CHECK (length(trim(reason)) > 0),
  actor      TEXT NOT NULL,
  meta       TEXT NOT NULL DEFAULT '{}'  -- JSON object
);
CREATE INDEX state_events_by_ts ON state_events(ts);
INSERT INTO state_events (ts, prev_state, next_state, reason, actor, meta)
  VALUES (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), NULL, 'OPERATIONAL',
          'store created', 'sheratan', '{}');

CREATE TABLE hosts (
  name         TEXT PRIMARY KEY,
  url          TEXT NOT NULL,
  path         TEXT NOT NULL,
  expect_low   INTEGER NOT NULL,
  expect_high  INTEGER NOT NULL,
  critical     INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  status       TEXT NOT NULL DEFAULT 'unknown' CHECK (status IN ('unknown','up','degraded','down')),
  status_since INTEGER,
  latency_ms_ema REAL NOT NULL DEFAULT 750,
  success_ema    REAL NOT NULL DEFAULT 0.85,
  samples        INTEGER NOT NULL DEFAULT 0,
  consecutive_failures  INTEGER NOT NULL DEFAULT 0,
  consecutive_successes INTEGER NOT NULL DEFAULT 0,
  last_seen      INTEGER,             -- the last successful probe
  last_probe     INTEGER,
  last_error     TEXT,
  cooldown_until INTEGER
) WITHOUT ROWID;

CREATE TABLE host_capabilities (
  host TEXT NOT NULL REFERENCES hosts(name) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  cost INTEGER NOT NULL,              -- money units of 0.0001
  PRIMARY KEY (kind, host)
) WITHOUT ROWID;
CREATE INDEX host_capabilities_by_host ON host_capabilities(host);

CREATE TABLE probe_results (
  seq         INTEGER PRIMARY KEY,
  host        TEXT NOT NULL REFERENCES hosts(name) ON DELETE CASCADE,
  ts          INTEGER NOT NULL,
  ok          INTEGER NOT NULL,
  http_status INTEGER,
  latency_ms  INTEGER NOT NULL,
  error       TEXT
);
CREATE INDEX probe_results_by_host ON probe_results(host, seq);
)sql",
      // 4: the ledger: accounts with their balances, the hash-chained journal (which is
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
      // 5: admission gates. The jobs table is rebuilt (the pattern of migration 2) for the
      // status 'quarantined', and gains the job's source (the entry point that admitted it)
      // and the gates' report of a WARN or PAUSE verdict. Rows, seqs and indexes are kept.
      R"sql(
CREATE TABLE jobs_v5 (
  seq             INTEGER PRIMARY KEY,
  id              TEXT NOT NULL UNIQUE,
  kind            TEXT NOT NULL,
  queue           TEXT NOT NULL,
  params          TEXT NOT NULL,
  labels          TEXT NOT NULL,
  chain           TEXT,
  priority        INTEGER NOT NULL,
  status          TEXT NOT NULL CHECK (status = 'pending' OR status = 'ready' OR status = 'leased' OR
                    status = 'done' OR status = 'dead' OR status = 'canceled' OR status = 'blocked' OR
                    status = 'quarantined'),
  run_at          INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  max_attempts    INTEGER NOT NULL,
  timeout_ms      INTEGER NOT NULL,
  backoff_ms      INTEGER NOT NULL,
  backoff_max_ms  INTEGER NOT NULL,
  depends_on      TEXT NOT NULL,
  waiting_deps    INTEGER NOT NULL DEFAULT 0,
  idempotency_key TEXT,
  spec_hash       TEXT,
  cost            INTEGER,
  worker          TEXT,
  lease_token     TEXT,
  lease_until     INTEGER,
  error           TEXT,
  result          TEXT,
  result_hash     TEXT,
  finished_at     INTEGER,
  source          TEXT NOT NULL DEFAULT 'cli' CHECK (source = 'cli' OR source = 'ingest' OR
                    source = 'api' OR source = 'followup'),
  gate_report     TEXT              -- JSON: the admission report of a WARN or PAUSE verdict
);
INSERT INTO jobs_v5 SELECT *, 'cli', NULL FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_v5 RENAME TO jobs;
CREATE UNIQUE INDEX jobs_by_key ON jobs(idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_ready   ON jobs(queue, priority DESC, seq) WHERE status = 'ready';
CREATE INDEX jobs_due     ON jobs(run_at) WHERE status = 'pending' AND waiting_deps = 0;
CREATE INDEX jobs_leases  ON jobs(lease_until) WHERE status = 'leased';
CREATE INDEX jobs_unready ON jobs(queue, status) WHERE status IN ('pending', 'leased');
CREATE INDEX jobs_chain   ON jobs(chain, seq) WHERE chain IS NOT NULL;
CREATE INDEX jobs_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX jobs_quarantined ON jobs(seq) WHERE status = 'quarantined';
)sql",
      // 6: the ledger journal and holds rebuilt with their CHECKs spelled as chains of ORs,
      // for the reason of migration 2: "type IN (...)" fills a temporary b-tree for every
      // row written, about a tenth of a transfer's instructions. Rows, seqs, hashes and
      // indexes are kept as they were.
      R"sql(
CREATE TABLE ledger_journal_v6 (
  seq        INTEGER PRIMARY KEY,
  type       TEXT NOT NULL CHECK (type = 'open' OR type = 'transfer' OR type = 'hold' OR type = 'post' OR
                                  type = 'void' OR type = 'expire'),
  id         TEXT NOT NULL,
  debit      TEXT,
  credit     TEXT,
  amount     INTEGER,
  reason     TEXT,
  job        TEXT,
  kind       TEXT,
  expires_at INTEGER,
  ts         INTEGER NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
INSERT INTO ledger_journal_v6 SELECT * FROM ledger_journal;
DROP TABLE ledger_journal;
ALTER TABLE ledger_journal_v6 RENAME TO ledger_journal;
CREATE UNIQUE INDEX ledger_journal_ids ON ledger_journal(id, type);
CREATE INDEX ledger_journal_debit ON ledger_journal(debit, seq) WHERE debit IS NOT NULL;
CREATE INDEX ledger_journal_credit ON ledger_journal(credit, seq) WHERE credit IS NOT NULL;

CREATE TABLE ledger_holds_v6 (
  id         TEXT PRIMARY KEY,
  debit      TEXT NOT NULL,
  credit     TEXT NOT NULL,
  amount     INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  status     TEXT NOT NULL CHECK (status = 'pending' OR status = 'posted' OR status = 'voided' OR
                                  status = 'expired'),
  posted     INTEGER
) WITHOUT ROWID;
INSERT INTO ledger_holds_v6 SELECT * FROM ledger_holds;
DROP TABLE ledger_holds;
ALTER TABLE ledger_holds_v6 RENAME TO ledger_holds;
CREATE INDEX ledger_holds_due ON ledger_holds(expires_at) WHERE status = 'pending';
)sql",
      // 7: signed heartbeats (sheratan-serve POST /v1/heartbeat). host_keys holds each
      // sending host's pinned Ed25519 key (trust on first use), the last counter (which
      // must grow) and the last heartbeat; its hosts need not be in the probe registry.
      // audit_events records refused heartbeats and other security-relevant events.
      R"sql(
CREATE TABLE host_keys (
  host           TEXT PRIMARY KEY,
  public_key     TEXT NOT NULL,       -- base64 Ed25519 public key, pinned
  fingerprint    TEXT NOT NULL,       -- "SHA256:" hex of the raw key
  pinned_at      INTEGER NOT NULL,
  last_counter   INTEGER NOT NULL,
  last_ts        INTEGER NOT NULL,    -- the heartbeat's own time
  last_seen      INTEGER NOT NULL,    -- when the server accepted it
  last_heartbeat TEXT NOT NULL,       -- JSON, as received
  heartbeats     INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;

CREATE TABLE audit_events (
  seq     INTEGER PRIMARY KEY,        -- the event's id: increasing, unique in the store
  ts      INTEGER NOT NULL,
  kind    TEXT NOT NULL,              -- e.g. heartbeat.bad_signature, heartbeat.key_mismatch
  subject TEXT,                       -- the host (or other thing) it is about
  actor   TEXT,                       -- the API caller
  detail  TEXT NOT NULL DEFAULT '{}'  -- JSON object
);
CREATE INDEX audit_events_by_ts ON audit_events(ts);
)sql",
      // 8: a claim and an ack no longer write an index that only counts open jobs. jobs_unready
      // held the pending and the leased jobs by queue, for the depth check of a push, and
      // cost a claimed and acked job an index insert and delete (a twentieth of its
      // instructions). It now holds the pending ones alone; the leased ones are counted from
      // jobs_leases, which gains their queue for that (a scan of the leased jobs, whose
      // number the workers' concurrency bounds).
      R"sql(
DROP INDEX jobs_unready;
CREATE INDEX jobs_pending ON jobs(queue) WHERE status = 'pending';
DROP INDEX jobs_leases;
CREATE INDEX jobs_leases ON jobs(lease_until, queue) WHERE status = 'leased';
)sql",
      // 9: a job's events are found from the job, not through the index job_events_by_job.
      // That index holds a job's events beside each other, so each event of a claim or an
      // ack went into the middle of index pages that earlier events had packed full, and
      // split them: a sixth of a claimed and acked job's instructions. Now jobs.last_event
      // names the job's latest event and each event names the job's one before it
      // (prev_seq, NULL for its first): show and purge walk that chain back by rowid.
      R"sql(
ALTER TABLE job_events ADD COLUMN prev_seq INTEGER;
ALTER TABLE jobs ADD COLUMN last_event INTEGER;
UPDATE job_events SET prev_seq = (SELECT max(p.seq) FROM job_events p
                                  WHERE p.job_seq = job_events.job_seq AND p.seq < job_events.seq);
UPDATE jobs SET last_event = (SELECT max(seq) FROM job_events WHERE job_seq = jobs.seq);
DROP INDEX job_events_by_job;
)sql",
  };
  return migrations;
}

}  // namespace sheratan
