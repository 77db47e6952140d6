// Time-of-use tariffs: a day cut into segments, each with a multiplier. Everything the
// scheduler and the ledger need reduces to "which segment holds t" and "the integral of
// the multiplier over an interval", both exact at segment edges.
#include <algorithm>
#include <cmath>

#include "farm/sched/config.h"

namespace farm::sched {

namespace {

constexpr int kDayMin = 24 * 60;
constexpr double kDay = 86400.0;

std::string hhmm(int m) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d:%02d", (m / 60) % 24, m % 60);
    return buf;
}

}  // namespace

Tariff::Tariff() : segments_{{0, kDayMin, 1.0, "flat"}} {}

Tariff::Tariff(int utc_offset_s, std::map<std::string, double> multipliers,
               std::vector<Window> windows, const std::string& where)
    : utc_offset_s_(utc_offset_s) {
    if (utc_offset_s < -14 * 3600 || utc_offset_s > 14 * 3600)
        throw ConfigError(where + ": utc_offset out of range");
    if (!multipliers.count("flat")) multipliers["flat"] = 1.0;
    for (const auto& [name, m] : multipliers)
        if (!(m > 0) || !std::isfinite(m))
            throw ConfigError(where + ": multiplier of period '" + name + "' must be > 0");
    // Paint each minute of the day with its window; a minute painted twice is an overlap.
    std::vector<int> owner(kDayMin, -1);
    for (std::size_t i = 0; i < windows.size(); ++i) {
        const Window& w = windows[i];
        if (!multipliers.count(w.period))
            throw ConfigError(where + ": window " + hhmm(w.from_min) + "-" + hhmm(w.to_min) +
                              " names unknown period '" + w.period + "'");
        if (w.from_min < 0 || w.from_min >= kDayMin || w.to_min < 0 || w.to_min > kDayMin ||
            w.from_min == w.to_min)
            throw ConfigError(where + ": window " + hhmm(w.from_min) + "-" + hhmm(w.to_min) +
                              " is empty or outside the day");
        for (int m = w.from_min; m != w.to_min; m = (m + 1) % kDayMin) {
            if (owner[m] >= 0) {
                const Window& o = windows[owner[m]];
                throw ConfigError(where + ": windows " + hhmm(o.from_min) + "-" +
                                  hhmm(o.to_min) + " (" + o.period + ") and " +
                                  hhmm(w.from_min) + "-" + hhmm(w.to_min) + " (" + w.period +
                                  ") overlap at " + hhmm(m));
            }
            owner[m] = static_cast<int>(i);
            if (w.to_min == kDayMin && m == kDayMin - 1) break;
        }
    }
    for (int m = 0; m < kDayMin;) {
        int e = m;
        while (e < kDayMin && owner[e] == owner[m]) ++e;
        const std::string period = owner[m] < 0 ? "flat" : windows[owner[m]].period;
        const double mult = multipliers.at(period);
        if (!segments_.empty() && segments_.back().multiplier == mult &&
            segments_.back().period == period)
            segments_.back().to_min = e;
        else
            segments_.push_back({m, e, mult, period});
        m = e;
    }
}

const Tariff::Segment& Tariff::segment_at(double t) const {
    const double local = std::fmod(std::fmod(t + utc_offset_s_, kDay) + kDay, kDay);
    const int minute = std::min(kDayMin - 1, static_cast<int>(local / 60.0));
    auto it = std::upper_bound(segments_.begin(), segments_.end(), minute,
                               [](int m, const Segment& s) { return m < s.to_min; });
    return it == segments_.end() ? segments_.back() : *it;
}

double Tariff::multiplier_at(double t) const { return segment_at(t).multiplier; }
const std::string& Tariff::period_at(double t) const { return segment_at(t).period; }

double Tariff::next_change(double t) const {
    if (flat()) return t + kDay;
    const double day_start = std::floor((t + utc_offset_s_) / kDay) * kDay - utc_offset_s_;
    const Segment& s = segment_at(t);
    double end = day_start + s.to_min * 60.0;
    if (end <= t) end += kDay;  // rounding at midnight
    // Adjacent segments always differ (merged at construction), except across midnight.
    if (s.to_min == kDayMin && segments_.front().multiplier == s.multiplier)
        end = day_start + kDay + segments_.front().to_min * 60.0;
    return end;
}

double Tariff::integrate(double t0, double t1) const {
    if (!(t1 > t0)) return 0;
    if (flat()) return (t1 - t0) * segments_[0].multiplier;
    // Whole days at once, then segment by segment through the remainder.
    double sum = 0;
    const double days = std::floor((t1 - t0) / kDay);
    if (days > 0) {
        double per_day = 0;
        for (const auto& s : segments_) per_day += (s.to_min - s.from_min) * 60.0 * s.multiplier;
        sum += days * per_day;
        t0 += days * kDay;
    }
    while (t0 < t1) {
        const double e = std::min(t1, next_change(t0));
        sum += (e - t0) * multiplier_at(t0);
        t0 = e;
    }
    return sum;
}

}  // namespace farm::sched
