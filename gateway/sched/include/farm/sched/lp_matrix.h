// A sparse constraint matrix built one nonzero at a time, in the 1-based triplet form
// GLPK's glp_load_matrix takes (index 0 unused). Shared by the scheduler's site LP and
// farm-sim's lower bound.
#pragma once

#include <glpk.h>

#include <climits>
#include <vector>

namespace farm::sched {

struct LpMatrix {
    std::vector<int> rows{0}, cols{0};
    std::vector<double> values{0};
    void add(int row, int col, double v) {
        rows.push_back(row);
        cols.push_back(col);
        values.push_back(v);
    }
    int nonzeros() const { return static_cast<int>(values.size()) - 1; }
};

// Loads `m` into `lp` and runs GLPK's simplex (presolved, quiet) for at most
// `time_limit_ms`; true when it found the optimum.
inline bool solve_lp(glp_prob* lp, const LpMatrix& m, int time_limit_ms = INT_MAX) {
    glp_load_matrix(lp, m.nonzeros(), m.rows.data(), m.cols.data(), m.values.data());
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.presolve = GLP_ON;
    parm.tm_lim = time_limit_ms;
    glp_term_out(GLP_OFF);
    return glp_simplex(lp, &parm) == 0 && glp_get_status(lp) == GLP_OPT;
}

}  // namespace farm::sched
