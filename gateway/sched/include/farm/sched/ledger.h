// What a stretch of device time costs: the base rate weighted by the site's time-of-use
// tariff over the exact interval, minus the tenant's compute vouchers (best discount
// first, each yuan discounted at most once, never past a voucher's cap or outside its
// validity window). The gateway's ledger and the simulator both price through this.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "farm/sched/config.h"

namespace farm::sched {

struct Charge {
    double gross_yuan = 0;     // base rate x tariff over the interval
    double discount_yuan = 0;  // taken off by vouchers
    double net_yuan = 0;       // gross - discount
    double multiplier = 1;     // time-weighted mean tariff multiplier
    std::string period;        // tariff period at the start
    std::vector<std::pair<std::string, double>> vouchers;  // (voucher id, yuan taken off)
};

// A worker's base price per hour at multiplier 1: GPU class price x GPUs, or cores x the
// CPU core-hour price for a worker without a priced GPU.
double base_rate_per_hour(const Site& site, const std::string& gpu_class, int gpus, int cores);

class VoucherBook {
  public:
    VoucherBook() = default;
    explicit VoucherBook(const SitesConfig& config) : config_(&config) {}
    void set_config(const SitesConfig& config) { config_ = &config; }

    void set_used(const std::string& voucher, double yuan) { used_[voucher] = yuan; }
    double used(const std::string& voucher) const;
    double remaining(const Voucher& v) const;

    // Prices [t0, t1] of `rate_per_hour` at `site` for `tenant` and books the vouchers'
    // share (commit = false prices without booking, as a quote does).
    Charge charge(const Site& site, const std::string& tenant, double rate_per_hour, double t0,
                  double t1, bool commit = true);
    // The fraction taken off a yuan spent at time t (0 when no voucher applies or every
    // applicable cap is used up).
    double discount_at(const std::string& tenant, const std::string& site, double t) const;
    // The vouchers of `tenant` at `site` valid at some point of [t0, t1), best first.
    std::vector<const Voucher*> applicable(const std::string& tenant, const std::string& site,
                                           double t0, double t1) const;

  private:
    const SitesConfig* config_ = nullptr;
    std::map<std::string, double> used_;
};

}  // namespace farm::sched
