// farm-sim: the real scheduler (farm::sched, the code the gateway runs) in simulated
// time against a synthetic trace, beside two baselines and the LP lower bound on cost.
//   farm-sim [--sites 20] [--workers 2000] [--jobs 50] [--frames 100000] [--seed 1]
//            [--mtbf-h 30] [--no-lp] [--policies xixuan,fifo,fastest]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>

#include "lp_bound.h"
#include "simulate.h"

using namespace farm::sim;

namespace {

double percentile(std::vector<float> v, double q) {
    if (v.empty()) return 0;
    const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
    return v[k];
}

std::string yuan(double y) {
    char b[32];
    std::snprintf(b, sizeof b, "%.0f", y);
    std::string s = b, out;
    int n = 0;
    for (auto it = s.rbegin(); it != s.rend(); ++it) {
        if (n && n % 3 == 0 && *it != '-') out.insert(out.begin(), ',');
        out.insert(out.begin(), *it);
        ++n;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"farm-sim: cost-first scheduling in simulated time, against baselines and an LP bound"};
    TraceSpec spec;
    bool no_lp = false, detail = false;
    std::string policies = "xixuan,fifo,fastest";
    app.add_option("--sites", spec.sites, "western sites")->check(CLI::Range(1, 200));
    app.add_option("--workers", spec.workers, "GPU workers")->check(CLI::Range(1, 100000));
    app.add_option("--jobs", spec.jobs, "jobs")->check(CLI::Range(1, 2000));
    app.add_option("--frames", spec.frames, "frames over all jobs")->check(CLI::Range(1, 10000000));
    app.add_option("--seed", spec.seed, "trace seed");
    app.add_option("--mtbf-h", spec.mtbf_h, "mean hours between a worker's failures (0: none)");
    app.add_flag("--no-lp", no_lp, "skip the LP lower bound");
    double whole_staging_s = 0;
    app.add_option("--whole-staging", whole_staging_s,
                   "also bound with whole stagings (0/1), GLPK branch and bound for at most this many seconds")
        ->check(CLI::NonNegativeNumber);
    app.add_flag("--detail", detail, "per job: deadline slack, cost and frames by site");
    app.add_option("--policies", policies, "comma-separated: xixuan, fifo, fastest");
    farm::sched::Options opt = sim_options();
    app.add_option("--reserve", opt.reserve, "share of the time to a deadline kept in reserve")
        ->capture_default_str();
    app.add_option("--z", opt.z, "demand planned at mean + z sigma")->capture_default_str();
    app.add_option("--availability", opt.availability, "share of future capacity counted on")
        ->capture_default_str();
    app.add_option("--tail-scale", opt.tail_scale, "tail = this x the heaviest task seen")
        ->capture_default_str();
    app.add_option("--staging-newcomer", opt.staging_newcomer,
                   "extra payback for a site the job's last plan did not stage")
        ->capture_default_str();
    app.add_option("--staging-payback", opt.staging_payback, "a new site must save this x its staging")
        ->capture_default_str();
    bool no_site_lp = false;
    app.add_flag("--no-site-lp", no_site_lp, "place in deadline order without the joint site LP");
    bool no_cell_lp = false;
    app.add_flag("--no-cell-lp", no_cell_lp, "keep placement's cells (no joint cell LP after it)");
    Foresight know;
    app.add_flag("--know-frame-times", know.frame_times,
                 "tell the scheduler every frame's true work (no probes): what estimating costs");
    app.add_flag("--know-arrivals", know.arrivals,
                 "tell the scheduler every job from the start (implies --know-frame-times)");
    CLI11_PARSE(app, argc, argv);
    if (no_site_lp) opt.site_lp = false;
    if (no_cell_lp) opt.cell_lp = false;
    if (know.arrivals) know.frame_times = true;
    if (spec.frames < spec.jobs * 100) {
        std::fprintf(stderr, "farm-sim: --frames must be at least 100 per job\n");
        return 2;
    }

    const Trace trace = make_trace(spec);
    int classes = static_cast<int>(trace.config.gpu_classes.size());
    std::printf("farm-sim: %d sites, %zu workers (%d GPU classes, MTBF %.0f h), %zu jobs, %d frames, "
                "%zu vouchers, seed %llu\n",
                spec.sites, trace.workers.size(), classes, spec.mtbf_h, trace.jobs.size(),
                trace.frames(), trace.config.vouchers.size(),
                static_cast<unsigned long long>(spec.seed));
    if (know.frame_times)
        std::printf("foresight for xixuan: every frame's work%s\n", know.arrivals ? ", every job's arrival" : "");

    std::future<LpResult> lp;
    if (!no_lp) lp = std::async(std::launch::async, [&] { return lp_bound(trace, whole_staging_s); });
    std::vector<Policy> ps;
    if (policies.find("xixuan") != std::string::npos) ps.push_back(Policy::xixuan);
    if (policies.find("fifo") != std::string::npos) ps.push_back(Policy::fifo);
    if (policies.find("fastest") != std::string::npos) ps.push_back(Policy::fastest_first);
    std::vector<SimResult> results;
    std::vector<double> wall;
    for (Policy p : ps) {
        const auto a = std::chrono::steady_clock::now();
        results.push_back(simulate(trace, p, opt, know));
        wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
    }
    LpResult bound;
    if (!no_lp) bound = lp.get();

    std::printf("\n%-22s %12s %8s %10s %11s %6s %11s %10s %9s %9s\n", "policy", "cost (yuan)",
                "vs LP", "deadlines", "late frames", "util", "staging GB", "staging", "vouchers",
                "makespan");
    for (const auto& r : results) {
        char vs[16] = "-";
        if (bound.solved && bound.cost > 0) std::snprintf(vs, sizeof vs, "%.3fx", r.cost / bound.cost);
        std::printf("%-22s %12s %8s %5d/%-4d %11ld %5.0f%% %11.0f %10s %9s %7.1f h\n", r.policy.c_str(),
                    yuan(r.cost).c_str(), vs, r.deadlines_met, r.jobs, r.late_frames,
                    100 * r.utilization(), r.staging_gb, yuan(r.staging_cost).c_str(),
                    yuan(r.voucher).c_str(), r.makespan_h);
    }
    if (bound.solved)
        std::printf("%-22s %12s %8s %5d/%-4d %11s %6s %11s %10s %9s %9s\n", "LP lower bound",
                    yuan(bound.cost).c_str(), "1.000x", static_cast<int>(trace.jobs.size()) - bound.late_jobs,
                    static_cast<int>(trace.jobs.size()), "-", "-", "-",
                    yuan(bound.staging_cost).c_str(), yuan(bound.voucher).c_str(), "-");
    else if (!no_lp)
        std::printf("LP lower bound: not solved\n");
    if (!bound.note.empty()) std::printf("  LP: %s\n", bound.note.c_str());
    {
        // Every job must reach at least one site: the cheapest link per job is a floor.
        double floor = 0;
        for (const auto& j : trace.jobs) {
            double best = 1e300;
            for (const auto& [name, s] : trace.config.sites)
                best = std::min(best, j.snapshot_bytes / 1e9 * s.link.yuan_per_gb);
            floor += best;
        }
        std::printf("  staging floor (each job once, at its cheapest link): %s yuan\n", yuan(floor).c_str());
    }
    if (bound.solved)
        std::printf("  LP: %d variables, %d constraints, solved by GLPK simplex in %.1f s\n",
                    bound.variables, bound.constraints, bound.seconds);
    if (bound.whole_run && bound.whole_optimal)
        std::printf("  with whole stagings (0/1): optimum %s = %.4fx the LP, proven by branch and bound in %.1f s\n",
                    yuan(bound.whole_bound).c_str(), bound.whole_bound / bound.cost, bound.whole_seconds);
    else if (bound.whole_run)
        std::printf("  with whole stagings (0/1): at least %s (%.4fx the LP), best plan found %s, stopped after %.1f s\n",
                    yuan(bound.whole_bound).c_str(), bound.whole_bound / bound.cost,
                    bound.whole_best > 0 ? yuan(bound.whole_best).c_str() : "none", bound.whole_seconds);
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        std::printf("  %s: %ld tasks lost to failures and re-run, %ld probes; simulated in %.1f s",
                    r.policy.c_str(), r.lost_tasks, r.probes, wall[i]);
        if (!r.decision_us.empty())
            std::printf("; %zu decisions: median %.1f us, p99 %.1f us; %ld replans, mean %.1f ms",
                        r.decision_us.size(), percentile(r.decision_us, 0.5),
                        percentile(r.decision_us, 0.99), r.replans,
                        r.replans ? 1000 * r.replan_s / r.replans : 0.0);
        std::printf("\n");
    }
    auto mix = [](const char* name, const std::map<std::string, double>& c,
                  const std::map<std::string, double>& p) {
        std::printf("  %-20s hours by class:", name);
        for (const auto& [k, v] : c) std::printf(" %s %.0f", k.c_str(), v);
        std::printf("; by tariff period:");
        for (const auto& [k, v] : p) std::printf(" %s %.0f", k.c_str(), v);
        std::printf("\n");
    };
    for (const auto& r : results) mix(r.policy.c_str(), r.hours_by_class, r.hours_by_period);
    if (bound.solved) mix("LP lower bound", bound.hours_by_class, bound.hours_by_period);
    auto hours = [](const std::map<std::string, double>& m, const char* k) {
        auto it = m.find(k);
        return it == m.end() ? 0.0 : it->second;
    };
    if (detail)
        for (const auto& r : results) {
            std::printf("\n%s\n", r.policy.c_str());
            for (const auto& j : r.per_job) {
                std::printf("  %s slack %7.2f h  cost %9.0f  gross %7.0f staging %5.0f  peak/flat/valley h %.0f/%.0f/%.0f",
                            j.id.c_str(), j.slack_h, j.cost, j.gross, j.staging, hours(j.hours_by_period, "peak"),
                            hours(j.hours_by_period, "flat"), hours(j.hours_by_period, "valley"));
                if (auto it = bound.per_job.find(j.id); it != bound.per_job.end())
                    std::printf("  | LP gross %7.0f staging %5.0f  h %.0f/%.0f/%.0f", it->second.gross,
                                it->second.staging, hours(it->second.hours_by_period, "peak"),
                                hours(it->second.hours_by_period, "flat"),
                                hours(it->second.hours_by_period, "valley"));
                std::printf("\n   ");
                for (const auto& [s, n] : j.frames_by_site) std::printf(" %s:%d", s.c_str(), n);
                if (auto it = bound.per_job.find(j.id); it != bound.per_job.end()) {
                    std::printf("  | LP");
                    for (const auto& [s, n] : it->second.tasks_by_site)
                        if (n >= 0.5) std::printf(" %s:%.0f", s.c_str(), n);
                }
                std::printf("\n");
            }
        }
    // One machine-readable line.
    std::printf("\nRESULT {\"workers\":%zu,\"jobs\":%zu,\"frames\":%d,\"seed\":%llu", trace.workers.size(),
                trace.jobs.size(), trace.frames(), static_cast<unsigned long long>(spec.seed));
    if (bound.solved) std::printf(",\"lp_cost\":%.2f,\"lp_late_jobs\":%d", bound.cost, bound.late_jobs);
    if (bound.whole_run) std::printf(",\"whole_staging_bound\":%.2f,\"whole_staging_optimal\":%s", bound.whole_bound,
                                     bound.whole_optimal ? "true" : "false");
    for (const auto& r : results) {
        std::string key = r.policy.substr(0, r.policy.find(' '));
        std::printf(",\"%s\":{\"cost\":%.2f,\"deadlines_met\":%d,\"late_frames\":%ld,\"utilization\":%.4f,"
                    "\"staging_gb\":%.1f",
                    key.c_str(), r.cost, r.deadlines_met, r.late_frames, r.utilization(), r.staging_gb);
        if (!r.decision_us.empty())
            std::printf(",\"decision_median_us\":%.2f,\"decision_p99_us\":%.2f,\"replans\":%ld,\"replan_mean_ms\":%.2f",
                        percentile(r.decision_us, 0.5), percentile(r.decision_us, 0.99), r.replans,
                        r.replans ? 1000 * r.replan_s / r.replans : 0.0);
        std::printf("}");
    }
    std::printf("}\n");
    return 0;
}
