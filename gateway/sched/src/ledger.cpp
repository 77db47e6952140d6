#include "farm/sched/ledger.h"

#include <algorithm>

namespace farm::sched {

double base_rate_per_hour(const Site& site, const std::string& gpu_class, int gpus, int cores) {
    if (!gpu_class.empty() && gpu_class != "cpu" && gpus > 0) {
        auto it = site.yuan_per_gpu_hour.find(gpu_class);
        if (it != site.yuan_per_gpu_hour.end()) return it->second * gpus;
    }
    return site.yuan_per_cpu_core_hour * std::max(1, cores);
}

double VoucherBook::used(const std::string& voucher) const {
    auto it = used_.find(voucher);
    return it == used_.end() ? 0.0 : it->second;
}

double VoucherBook::remaining(const Voucher& v) const {
    return std::max(0.0, v.cap_yuan - used(v.id));
}

std::vector<const Voucher*> VoucherBook::applicable(const std::string& tenant,
                                                    const std::string& site, double t0,
                                                    double t1) const {
    std::vector<const Voucher*> out;
    if (!config_) return out;
    for (const auto& v : config_->vouchers)
        if (v.tenant == tenant && v.site == site && v.valid_from < std::max(t1, t0 + 1e-9) &&
            v.valid_until > t0 && remaining(v) > 0)
            out.push_back(&v);
    std::stable_sort(out.begin(), out.end(), [](const Voucher* a, const Voucher* b) {
        return a->discount_pct > b->discount_pct;
    });
    return out;
}

double VoucherBook::discount_at(const std::string& tenant, const std::string& site,
                                double t) const {
    auto list = applicable(tenant, site, t, t);
    for (const Voucher* v : list)
        if (v->valid_from <= t && t < v->valid_until) return v->discount_pct / 100.0;
    return 0.0;
}

Charge VoucherBook::charge(const Site& site, const std::string& tenant, double rate_per_hour,
                           double t0, double t1, bool commit) {
    Charge c;
    if (t1 < t0) std::swap(t0, t1);
    const double weighted = site.tariff.integrate(t0, t1);
    c.gross_yuan = rate_per_hour / 3600.0 * weighted;
    c.multiplier = t1 > t0 ? weighted / (t1 - t0) : site.tariff.multiplier_at(t0);
    c.period = site.tariff.period_at(t0);
    // Each voucher takes its share of the gross inside its window, out of what earlier
    // (better) vouchers left undiscounted: portions are tracked per voucher window.
    double undiscounted = c.gross_yuan;
    for (const Voucher* v : applicable(tenant, site.name, t0, t1)) {
        if (undiscounted <= 0) break;
        const double a = std::max(t0, v->valid_from), b = std::min(t1, v->valid_until);
        double in_window = t1 > t0 ? rate_per_hour / 3600.0 * site.tariff.integrate(a, b)
                                   : c.gross_yuan;
        in_window = std::min(in_window, undiscounted);
        const double off = std::min(in_window * v->discount_pct / 100.0, remaining(*v));
        if (off <= 0) continue;
        c.vouchers.emplace_back(v->id, off);
        c.discount_yuan += off;
        // The yuan this voucher discounted are spent for the others.
        undiscounted -= off / (v->discount_pct / 100.0);
        if (commit) used_[v->id] += off;
    }
    c.net_yuan = c.gross_yuan - c.discount_yuan;
    return c;
}

}  // namespace farm::sched
