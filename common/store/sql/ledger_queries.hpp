#pragma once
// Every SQL statement of the ledger. The store prepares each once and reuses it.
#include <string_view>

namespace sheratan::sql {

#define SHERATAN_LEDGER_ENTRY_COLUMNS \
  "seq, type, id, debit, credit, amount, reason, job, kind, expires_at, ts, prev_hash, hash"

/// Columns of a journal row, in the order read_journal_entry() expects them.
inline constexpr std::string_view kLedgerEntryColumns = SHERATAN_LEDGER_ENTRY_COLUMNS;

// Journal rows are inserted many per statement, in this column order.
inline constexpr std::string_view kInsertLedgerEntryPrefix =
    "INSERT INTO ledger_journal (" SHERATAN_LEDGER_ENTRY_COLUMNS ") VALUES ";
inline constexpr int kInsertLedgerEntryColumns = 13;

inline constexpr std::string_view kLastLedgerEntry = "SELECT seq, hash FROM ledger_journal ORDER BY seq DESC LIMIT 1";
inline constexpr std::string_view kLedgerEntryBySeq =
    "SELECT " SHERATAN_LEDGER_ENTRY_COLUMNS " FROM ledger_journal WHERE seq = ?1";
// Every entry under an id (one per type). An IN list on type would build a temporary
// table at each run, which costs more than the lookup itself.
inline constexpr std::string_view kLedgerEntriesById =
    "SELECT " SHERATAN_LEDGER_ENTRY_COLUMNS " FROM ledger_journal WHERE id = ?1";
// The first post among ids in [?1, ?2): the posted cost hold of a job (holds of one
// job share an id prefix), served by the (id, type) index.
inline constexpr std::string_view kLedgerPostInIdRange =
    "SELECT " SHERATAN_LEDGER_ENTRY_COLUMNS
    " FROM ledger_journal WHERE id >= ?1 AND id < ?2 AND type = 'post' ORDER BY id LIMIT 1";
inline constexpr std::string_view kAnyLedgerHoldInIdRange =
    "SELECT EXISTS (SELECT 1 FROM ledger_holds WHERE id >= ?1 AND id < ?2)";
inline constexpr std::string_view kLedgerEntryOfHold =
    "SELECT " SHERATAN_LEDGER_ENTRY_COLUMNS " FROM ledger_journal WHERE id = ?1 AND type = ?2";
inline constexpr std::string_view kLedgerEntriesAfter =
    "SELECT " SHERATAN_LEDGER_ENTRY_COLUMNS " FROM ledger_journal WHERE seq > ?1 ORDER BY seq LIMIT ?2";
inline constexpr std::string_view kLedgerEntriesUpTo =
    "SELECT " SHERATAN_LEDGER_ENTRY_COLUMNS " FROM ledger_journal WHERE seq <= ?1 ORDER BY seq";
inline constexpr std::string_view kLedgerHistory =
    "SELECT " SHERATAN_LEDGER_ENTRY_COLUMNS
    " FROM ledger_journal WHERE seq IN ("
    "SELECT seq FROM ledger_journal WHERE debit = ?1 UNION SELECT seq FROM ledger_journal WHERE credit = ?1 "
    "UNION SELECT seq FROM ledger_journal WHERE type = 'open' AND id = ?1) ORDER BY seq LIMIT ?2";
// Transfers of settled jobs: charges credit the operator, payouts debit it.
inline constexpr std::string_view kLedgerJobTransfers =
    "SELECT job, debit, credit, amount FROM ledger_journal WHERE type IN ('transfer', 'post') "
    "AND job IS NOT NULL AND (credit = 'system:operator' OR debit = 'system:operator') ORDER BY seq";

inline constexpr std::string_view kLedgerAccount =
    "SELECT kind, allow_negative, balance, held, created_at FROM ledger_accounts WHERE id = ?1";
inline constexpr std::string_view kLedgerAccounts =
    "SELECT id, kind, allow_negative, balance, held, created_at FROM ledger_accounts ORDER BY id";
inline constexpr std::string_view kInsertLedgerAccount =
    "INSERT INTO ledger_accounts (id, kind, allow_negative, balance, held, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
inline constexpr std::string_view kUpdateLedgerAccount =
    "UPDATE ledger_accounts SET balance = ?2, held = ?3 WHERE id = ?1";

inline constexpr std::string_view kLedgerHold =
    "SELECT debit, credit, amount, expires_at, status, posted FROM ledger_holds WHERE id = ?1";
inline constexpr std::string_view kLedgerHolds =
    "SELECT id, debit, credit, amount, expires_at, status, posted FROM ledger_holds ORDER BY id";
// Holds with the job and creation time of their hold entry, oldest first; ?1 names an
// account on either side, or NULL for all.
inline constexpr std::string_view kLedgerHoldsListed =
    "SELECT h.id, h.debit, h.credit, h.amount, h.expires_at, h.status, h.posted, j.job, j.ts "
    "FROM ledger_holds h JOIN ledger_journal j ON j.id = h.id AND j.type = 'hold' "
    "WHERE ?1 IS NULL OR h.debit = ?1 OR h.credit = ?1 ORDER BY j.seq";
inline constexpr std::string_view kInsertLedgerHold =
    "INSERT INTO ledger_holds (id, debit, credit, amount, expires_at, status, posted) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
inline constexpr std::string_view kUpdateLedgerHold = "UPDATE ledger_holds SET status = ?2, posted = ?3 WHERE id = ?1";
inline constexpr std::string_view kDueLedgerHolds =
    "SELECT id FROM ledger_holds WHERE status = 'pending' AND expires_at <= ?1 ORDER BY expires_at LIMIT ?2";
inline constexpr std::string_view kAnyDueLedgerHold =
    "SELECT EXISTS (SELECT 1 FROM ledger_holds WHERE status = 'pending' AND expires_at <= ?1)";

inline constexpr std::string_view kLedgerMeta = "SELECT value FROM ledger_meta WHERE key = ?1";
inline constexpr std::string_view kSetLedgerMeta =
    "INSERT INTO ledger_meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";

// A replica's source is another store file, opened read-only.
inline constexpr std::string_view kSourceHasLedger =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'ledger_journal'";

}  // namespace sheratan::sql
