// A lower bound on what any schedule of a trace can cost: the fluid linear relaxation
// solved with GLPK. It knows every frame's true cost and every outage in advance,
// splits tasks freely, stages each snapshot at the link's full speed with no queueing
// (paying only the bytes, fractionally), and must still meet each deadline the
// relaxation can meet at all.
#pragma once

#include <map>
#include <string>

#include "trace.h"

namespace farm::sim {

struct LpResult {
    bool solved = false;
    double cost = 0;          // yuan: rendering net of vouchers + staging
    double staging_cost = 0;
    double voucher = 0;
    int late_jobs = 0;        // deadlines even the relaxation cannot meet
    int variables = 0, constraints = 0;
    double seconds = 0;
    std::string note;
    std::map<std::string, double> hours_by_class, hours_by_period;
    struct Job {
        double gross = 0, staging = 0;  // rendering before vouchers; staging (fractional)
        std::map<std::string, double> hours_by_period;
        std::map<std::string, double> tasks_by_site;
    };
    std::map<std::string, Job> per_job;  // by job id: where the relaxation spends
    // When asked: the same problem with whole stagings (each y 0 or 1), by GLPK's branch
    // and bound. `whole_bound` is proven (a lower bound on any schedule, tighter than
    // `cost`); `whole_best` is the cheapest such fluid plan found; equal when `whole_optimal`.
    bool whole_run = false, whole_optimal = false;
    double whole_bound = 0, whole_best = 0, whole_seconds = 0;
};

// `whole_staging_s` > 0: also solve with whole stagings for at most that many seconds.
LpResult lp_bound(const Trace& t, double whole_staging_s = 0);

}  // namespace farm::sim
