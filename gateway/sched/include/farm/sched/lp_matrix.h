// A sparse constraint matrix built one nonzero at a time, in the 1-based triplet form
// GLPK's glp_load_matrix takes (index 0 unused). Shared by the scheduler's site LP and
// farm-sim's lower bound.
#pragma once

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

}  // namespace farm::sched
