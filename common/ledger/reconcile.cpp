#include "ledger/reconcile.hpp"

#include <map>

#include "ledger/entry.hpp"
#include "ledger/margin.hpp"
#include "store/sql/ledger_queries.hpp"

namespace sheratan::ledger {

namespace {

struct JobTotals {
  MoneyUnits charged = 0, paid = 0;
};

}  // namespace

Json reconcile_settlements(Store& store) {
  return store.read([&] {
    std::map<std::string, JobTotals> jobs;
    std::map<std::string, MoneyUnits> workers;
    MoneyUnits charged = 0, paid = 0;
    Statement rows = store.use(sql::kLedgerJobTransfers);
    while (rows.step()) {
      const std::string job = rows.text(0);
      const MoneyUnits amount = rows.integer(3);
      if (rows.text_view(2) == kOperator) {
        jobs[job].charged += amount;
        charged += amount;
      } else {
        jobs[job].paid += amount;
        workers[rows.text(2)] += amount;
        paid += amount;
      }
    }
    // The mean of the jobs' margins (1 − paid/charged), in millionths.
    WideInt margin_sum = 0;
    std::int64_t settled = 0;
    Json unpaid = Json::array();
    for (const auto& [job, totals] : jobs) {
      if (totals.charged <= 0) continue;
      ++settled;
      margin_sum += static_cast<WideInt>(totals.charged - totals.paid) * 1'000'000 / totals.charged;
      if (totals.paid == 0) unpaid.push_back(job);
    }
    Json earnings = Json::object();
    for (const auto& [worker, amount] : workers)
      earnings[worker] = format_money(amount);
    Margin average{settled ? static_cast<std::int64_t>(margin_sum / settled) : 0, 1'000'000};
    return Json{{"charged", format_money(charged)},
                {"paid_out", format_money(paid)},
                {"revenue", format_money(charged - paid)},
                {"jobs", settled},
                {"average_margin", settled && average.num < average.den ? Json(format_margin(average)) : Json(nullptr)},
                {"workers", earnings},
                {"unpaid_jobs", unpaid}};
  });
}

}  // namespace sheratan::ledger
