// What the site LP and the cell LP share: x = worker-seconds of a (pool, slot) cell
// given to a job, each job's demand (tasks) >= what it needs, each cell's free
// capacity, and per voucher a column d <= what is left of its cap with
// d <= discount x the priced x of its cells. The site LP adds staging on top.
#pragma once

#include <glpk.h>

#include <map>
#include <string>
#include <vector>

#include "farm/sched/lp_matrix.h"
#include "state.h"

namespace farm::sched {

struct LpCell {
    int job, pool, slot;
    double free_ws, tau, price_ws;  // price per worker-second, before vouchers
    int voucher = -1;               // index in config.vouchers
    double pct = 0;
    double per_task = 0;  // what a task costs here, for offering each job its cheapest
};

// Sets c.voucher and c.pct from the first of `applicable` valid at `t0` with cap left.
void pick_voucher(LpCell& c, const std::vector<const Voucher*>& applicable, double t0,
                  const std::map<std::string, double>& voucher_left,
                  const std::map<std::string, int>& voucher_index);

// Adds the rows and one column per cell (cells[c] is column c + 1), priced
// price_ws x (1 + later_nudge x slot / slots): a nudge > 0 breaks ties toward earlier
// slots. Returns the first voucher row, for add_voucher_columns.
int add_transport(glp_prob* lp, LpMatrix& m, const Plan& p, const std::vector<double>& demand,
                  const std::vector<LpCell>& cells, int vouchers, double later_nudge);
void add_voucher_columns(glp_prob* lp, LpMatrix& m, const std::vector<Voucher>& vouchers,
                         const std::map<std::string, double>& voucher_left, int row_voucher);

}  // namespace farm::sched
