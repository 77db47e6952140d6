// farm::sched — the operator's description of the western sites: GPU classes, prices,
// time-of-use tariffs, the link from the gateway to each site, and studios' compute
// vouchers (算力券). Loaded from a TOML or JSON sites file (docs/sites.md); every bad
// entry is a ConfigError naming the file and the entry, and nothing is half-loaded.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace farm::sched {

class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Multipliers on a site's base prices by local time of day, as Chinese electricity
// tariffs work: named periods (peak, flat, valley, sharp...) and the windows they cover.
// Minutes no window covers are "flat".
class Tariff {
  public:
    struct Window {
        int from_min = 0, to_min = 0;  // local minutes of day; to < from wraps midnight
        std::string period;
    };
    Tariff();  // flat all day, multiplier 1
    // Throws ConfigError (prefixed with `where`) on overlapping windows, unknown periods,
    // or multipliers that are not positive.
    Tariff(int utc_offset_s, std::map<std::string, double> multipliers,
           std::vector<Window> windows, const std::string& where);

    double multiplier_at(double unix_s) const;
    const std::string& period_at(double unix_s) const;
    // The integral of the multiplier over [t0, t1], in seconds.
    double integrate(double t0, double t1) const;
    // The next time after t at which the multiplier changes (t + 1 day when it never does).
    double next_change(double t) const;
    bool flat() const { return segments_.size() == 1; }
    int utc_offset_s() const { return utc_offset_s_; }

  private:
    struct Segment {
        int from_min, to_min;  // [from, to) within one day, sorted, covering 0..1440
        double multiplier;
        std::string period;
    };
    const Segment& segment_at(double unix_s) const;
    int utc_offset_s_ = 0;
    std::vector<Segment> segments_;
};

struct Link {
    double bandwidth_mbps = 1000;  // gateway -> site, megabits per second
    double rtt_ms = 20;
    double yuan_per_gb = 0;  // per 10^9 bytes moved to the site
};

struct Site {
    std::string name, region;
    std::map<std::string, double> yuan_per_gpu_hour;  // by GPU class
    double yuan_per_cpu_core_hour = 0;
    Tariff tariff;
    Link link;
    std::optional<double> carbon_g_per_kwh;
};

struct GpuClass {
    std::string name;
    std::vector<std::string> match;  // substrings of a GPU's reported name ("A100")
    double mrays_per_s = 0;          // speed score of a worker that reports none
};

struct Voucher {
    std::string id, tenant, site;
    double discount_pct = 0;  // (0, 100]
    double cap_yuan = 0;      // the most this voucher ever takes off
    double valid_from = 0, valid_until = 0;  // unix seconds, [from, until)
};

struct SitesConfig {
    std::map<std::string, GpuClass> gpu_classes;
    std::map<std::string, Site> sites;
    std::vector<Voucher> vouchers;
    std::string source;  // the file it came from, for messages

    const Site* site(const std::string& name) const;
    // The class a GPU reported as `gpu_name` belongs to, or "" when none matches.
    std::string classify_gpu(const std::string& gpu_name) const;
};

// Parses TOML, or JSON when `text` starts with '{'. `name` is used in messages.
SitesConfig parse_sites(const std::string& text, const std::string& name);
SitesConfig load_sites_file(const std::filesystem::path& path);

// "2026-05-01T00:00:00+08:00" (or "...Z") to unix seconds; throws ConfigError.
double parse_time(const std::string& iso, const std::string& where);

}  // namespace farm::sched
