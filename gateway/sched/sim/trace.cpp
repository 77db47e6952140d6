#include "trace.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace farm::sim {

namespace {

struct ClassSpec {
    const char* name;
    double score;  // benchmark Mrays/s
    double price;  // typical yuan per GPU-hour, late 2026
};
// Price follows configuration: dearer GPUs are faster but not in proportion, so the
// cheapest work comes from the consumer cards (when a scene fits them).
const ClassSpec kClasses[] = {{"H100", 620, 14.0}, {"A100", 400, 9.0}, {"L40S", 330, 6.0},
                              {"RTX4090", 270, 3.5}};

const char* kSites[] = {"gansu-qingyang",   "ningxia-zhongwei", "guizhou-guian",
                        "neimenggu-helinger", "sichuan-yaan",   "chongqing-liangjiang",
                        "xinjiang-hami",    "qinghai-hainan",   "yunnan-qujing",
                        "shaanxi-xixian",   "gansu-jiuquan",    "ningxia-yinchuan",
                        "guizhou-gui-an-2", "neimenggu-wulanchabu", "sichuan-tianfu",
                        "xinjiang-kelamayi", "qinghai-xining",  "yunnan-kunming",
                        "xizang-lhasa",     "shaanxi-yulin"};
const char* kRegions[] = {"Gansu",    "Ningxia",   "Guizhou", "Inner Mongolia", "Sichuan",
                          "Chongqing", "Xinjiang", "Qinghai", "Yunnan",         "Shaanxi"};

}  // namespace

int Trace::frames() const {
    int n = 0;
    for (const auto& j : jobs) n += static_cast<int>(j.frame_mrays.size());
    return n;
}

double frame_seconds(const SimJob& j, double mrays, const SimWorker& w) {
    auto it = j.class_factor.find(w.cls);
    const double f = it == j.class_factor.end() ? 1.0 : it->second;
    return j.overhead_s + mrays / (w.score * f);
}

Trace make_trace(const TraceSpec& spec) {
    Trace t;
    t.spec = spec;
    t.t0 = sched::parse_time("2026-03-02T00:00:00+08:00", "sim");
    std::mt19937_64 rng(spec.seed);
    auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
    auto normal = [&](double m, double s) { return std::normal_distribution<double>(m, s)(rng); };

    for (const auto& c : kClasses) {
        sched::GpuClass g;
        g.name = c.name;
        g.match = {c.name};
        g.mrays_per_s = c.score;
        t.config.gpu_classes[c.name] = g;
    }
    // Sites: prices around the typical, provincial tariffs, links of 1-10 Gbit/s.
    std::vector<std::vector<std::string>> site_classes;
    for (int s = 0; s < spec.sites; ++s) {
        sched::Site site;
        site.name = s < 20 ? kSites[s] : "site-" + std::to_string(s);
        site.region = kRegions[s % 10];
        const double level = uni(0.75, 1.25);
        std::vector<std::string> classes;
        for (const auto& c : kClasses)
            if (uni(0, 1) < 0.6 || classes.empty()) classes.push_back(c.name);
        for (const auto& c : classes)
            for (const auto& k : kClasses)
                if (c == k.name) site.yuan_per_gpu_hour[c] = std::round(k.price * level * uni(0.9, 1.1) * 100) / 100;
        site.yuan_per_cpu_core_hour = 0.05;
        const int peak_end = uni(0, 1) < 0.5 ? 22 : 23;
        const int valley_start = peak_end, valley_end = uni(0, 1) < 0.5 ? 7 : 8;
        std::vector<sched::Tariff::Window> w = {{8 * 60, 11 * 60, "peak"},
                                                {18 * 60, peak_end * 60, "peak"},
                                                {valley_start * 60, valley_end * 60, "valley"}};
        site.tariff = sched::Tariff(8 * 3600,
                                    {{"peak", uni(1.3, 1.7)}, {"flat", 1.0}, {"valley", uni(0.35, 0.6)}},
                                    w, site.name);
        site.link.bandwidth_mbps = std::round(uni(1, 10)) * 1000;
        site.link.rtt_ms = uni(15, 45);
        site.link.yuan_per_gb = std::round(uni(0.1, 0.8) * 100) / 100;
        site.carbon_g_per_kwh = uni(150, 750);
        site_classes.push_back(classes);
        t.config.sites[site.name] = std::move(site);
    }
    // Workers: spread over sites and their classes; some join late.
    std::vector<std::pair<int, int>> slots;  // (site, class index in site)
    for (int s = 0; s < spec.sites; ++s)
        for (int c = 0; c < static_cast<int>(site_classes[s].size()); ++c) slots.emplace_back(s, c);
    std::vector<double> weight(slots.size());
    for (auto& w : weight) w = uni(0.3, 1.7);
    std::discrete_distribution<std::size_t> pick(weight.begin(), weight.end());
    std::vector<std::string> names;
    for (const auto& [n, _] : t.config.sites) names.push_back(n);
    for (int i = 0; i < spec.workers; ++i) {
        const auto [s, c] = slots[pick(rng)];
        SimWorker w;
        char id[32];
        std::snprintf(id, sizeof id, "w-%05d", i);
        w.id = id;
        w.site = s < 20 ? kSites[s] : "site-" + std::to_string(s);
        w.cls = site_classes[s][c];
        w.score = t.config.gpu_classes.at(w.cls).mrays_per_s * uni(0.95, 1.05);
        w.join = uni(0, 1) < 0.1 ? t.t0 + uni(4, 12) * 3600 : t.t0;
        if (spec.mtbf_h > 0) {
            double x = w.join;
            std::exponential_distribution<double> up(1.0 / (spec.mtbf_h * 3600));
            while (true) {
                x += up(rng);
                if (x > t.t0 + 5 * 86400) break;
                const double down = uni(20, 90) * 60;
                w.outages.emplace_back(x, x + down);
                x += down;
            }
        }
        t.workers.push_back(std::move(w));
    }
    // Jobs: frame counts summing to spec.frames, arrivals over the first day, a mix of
    // rush, next-day and relaxed deadlines.
    std::vector<double> sizes(spec.jobs);
    for (auto& s : sizes) s = std::exp(normal(0, 0.6));
    const double total = std::accumulate(sizes.begin(), sizes.end(), 0.0);
    std::vector<int> frames(spec.jobs);
    int assigned = 0;
    for (int j = 0; j < spec.jobs; ++j) {
        frames[j] = std::max(100, static_cast<int>(sizes[j] / total * spec.frames));
        assigned += frames[j];
    }
    for (int j = 0; assigned != spec.frames; j = (j + 1) % spec.jobs) {
        const int d = assigned < spec.frames ? 1 : -1;
        if (frames[j] + d >= 100) {
            frames[j] += d;
            assigned += d;
        }
    }
    for (int j = 0; j < spec.jobs; ++j) {
        SimJob job;
        char id[32];
        std::snprintf(id, sizeof id, "j-%03d", j + 1);
        job.id = id;
        job.tenant = "studio-" + std::string(1, static_cast<char>('a' + j % 8));
        job.arrival = t.t0 + uni(0, 24) * 3600;
        const double r = uni(0, 1);
        job.deadline = job.arrival + (r < 0.25 ? uni(6, 10) : r < 0.7 ? uni(16, 28) : uni(36, 60)) * 3600;
        job.priority = uni(0, 1) < 0.2 ? 80 : 50;
        job.snapshot_bytes = std::exp(normal(std::log(200e9), 0.8));
        job.overhead_s = uni(20, 90);
        job.pixel_samples = 1920.0 * 1080 * 128;
        // A100-seconds per frame around 200-1200; the shot's cost drifts with the camera
        // and a few frames (explosions, crowds) are much heavier.
        const double base = std::exp(normal(std::log(600), 0.45)) * 400;
        const double phase = uni(0, 6.28), wave = uni(0.1, 0.35);
        for (int f = 0; f < frames[j]; ++f) {
            double m = base * (1 + wave * std::sin(phase + 6.28 * f / frames[j])) *
                       std::exp(normal(0, 0.08));
            if (uni(0, 1) < 0.01) m *= uni(2, 4);
            job.frame_mrays.push_back(m);
        }
        job.class_factor["H100"] = std::clamp(normal(1.0, 0.08), 0.7, 1.3);
        job.class_factor["A100"] = std::clamp(normal(1.0, 0.06), 0.7, 1.3);
        job.class_factor["L40S"] = std::clamp(normal(0.97, 0.08), 0.6, 1.3);
        job.class_factor["RTX4090"] = std::clamp(normal(0.92, 0.15), 0.45, 1.3);
        t.jobs.push_back(std::move(job));
    }
    std::sort(t.jobs.begin(), t.jobs.end(),
              [](const SimJob& a, const SimJob& b) { return a.arrival < b.arrival; });
    // Compute vouchers (算力券): a few studios hold discounts at a few sites.
    for (int v = 0; v < 6; ++v) {
        sched::Voucher vo;
        vo.id = "voucher-" + std::to_string(v + 1);
        vo.tenant = "studio-" + std::string(1, static_cast<char>('a' + v % 8));
        vo.site = names[static_cast<std::size_t>(uni(0, static_cast<double>(names.size()) - 1e-9))];
        vo.discount_pct = std::round(uni(30, 60));
        vo.cap_yuan = std::round(uni(2000, 20000));
        vo.valid_from = t.t0;
        vo.valid_until = t.t0 + 10 * 86400;
        t.config.vouchers.push_back(vo);
    }
    return t;
}

}  // namespace farm::sim
