// A tiny farm in simulated time around a real Scheduler: workers that render for a
// known number of seconds, jobs as counters of queued tasks. Tests read which worker
// got which task and when.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "farm/sched/scheduler.h"

namespace farm::sched::test {

// 2026-03-02 00:00 China time (UTC+8), on the hour.
extern const double kT0;
constexpr double kHour = 3600;

Site flat_site(const std::string& name, double yuan_per_core_hour);
// Peak 08-11 and 18-23 (x1.5), valley 23-07 (x0.45), flat otherwise.
Tariff gansu_tariff();

struct Lease {
    std::string job, worker;
    double start = 0, end = 0;
    bool probe = false;
};

class MiniFarm {
  public:
    explicit MiniFarm(Options o = exact_options(), SitesConfig c = {});
    static Options exact_options();  // z = 0, no lease timeout margin, replan every minute

    void add_site(Site s);
    void add_worker(const std::string& id, const std::string& site, double score = 1);
    // A job of `tasks` tasks, each taking `seconds` on a score-1 worker (taught to the
    // estimator as one finished observation, so the plan knows it exactly).
    void add_job(const std::string& id, const std::string& tenant, int tasks, double seconds,
                 std::optional<double> deadline, int priority = 50,
                 std::optional<double> budget = std::nullopt, double snapshot_bytes = 0);

    // Steps time by `step` until every task is done or `until`; polls idle workers.
    void run(double until, double step = 1);

    Scheduler sched;
    double now = kT0;
    std::vector<Lease> leases;
    std::map<std::string, int> queued, done;
    std::map<std::string, double> finished_at;
    std::map<std::string, std::string> last_hold;  // worker -> reason
    std::map<std::string, Decision> last_decision;  // job -> its latest decision
    double cost_yuan = 0;

  private:
    struct W {
        std::string site;
        double score = 1;
        bool busy = false;
        Lease lease;
    };
    std::map<std::string, W> workers_;
    std::map<std::string, JobInfo> jobs_;
    std::map<std::string, double> seconds_;
    SitesConfig config_;
};

}  // namespace farm::sched::test
