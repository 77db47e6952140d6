// Tariffs and vouchers priced across their boundaries, against sums done by hand.
#include <catch2/catch.hpp>

#include "farm/sched/config.h"
#include "farm/sched/ledger.h"

using namespace farm::sched;

namespace {

constexpr double H = 3600;

// Peak 08-11 and 18-23 (x1.5), valley 23-07 (x0.45), flat otherwise, China time.
Tariff gansu() {
    return Tariff(8 * 3600, {{"peak", 1.5}, {"flat", 1.0}, {"valley", 0.45}},
                  {{8 * 60, 11 * 60, "peak"}, {18 * 60, 23 * 60, "peak"}, {23 * 60, 7 * 60, "valley"}},
                  "test");
}

// 2026-03-02 00:00 China time.
const double T0 = parse_time("2026-03-02T00:00:00+08:00", "t");

}  // namespace

TEST_CASE("tariff multipliers by local hour, edges included") {
    Tariff t = gansu();
    CHECK(t.multiplier_at(T0) == 0.45);
    CHECK(t.multiplier_at(T0 + 7 * H - 1) == 0.45);
    CHECK(t.multiplier_at(T0 + 7 * H) == 1.0);
    CHECK(t.multiplier_at(T0 + 8 * H) == 1.5);
    CHECK(t.period_at(T0 + 9 * H) == "peak");
    CHECK(t.multiplier_at(T0 + 11 * H) == 1.0);
    CHECK(t.multiplier_at(T0 + 22 * H + 59 * 60) == 1.5);
    CHECK(t.multiplier_at(T0 + 23 * H) == 0.45);
    CHECK(t.period_at(T0 + 23 * H) == "valley");
}

TEST_CASE("tariff integrals across window edges, midnight and whole days") {
    Tariff t = gansu();
    // Half an hour of peak then half an hour of valley.
    CHECK(t.integrate(T0 + 22.5 * H, T0 + 23.5 * H) == Approx(0.5 * H * 1.5 + 0.5 * H * 0.45));
    // 23:00 to 07:00 next day is one valley window through midnight.
    CHECK(t.integrate(T0 + 23 * H, T0 + 31 * H) == Approx(8 * H * 0.45));
    CHECK(t.next_change(T0 + 23.5 * H) == Approx(T0 + 31 * H));
    CHECK(t.next_change(T0 + 7.5 * H) == Approx(T0 + 8 * H));
    // A day: 8 h peak, 8 h valley, 8 h flat.
    const double day = (8 * 1.5 + 8 * 0.45 + 8 * 1.0) * H;
    CHECK(t.integrate(T0, T0 + 24 * H) == Approx(day));
    CHECK(t.integrate(T0 + 5 * H, T0 + 77 * H) == Approx(3 * day));
    CHECK(t.integrate(T0 + 10 * H, T0 + 82 * H + 1800) ==
          Approx(3 * day + 0.5 * H * 1.5));
    CHECK(t.integrate(T0 + 5 * H, T0 + 5 * H) == 0);
    CHECK(Tariff().integrate(T0, T0 + 100) == 100);
}

TEST_CASE("worker base rates: GPU class x GPUs, else CPU cores") {
    Site s;
    s.yuan_per_gpu_hour = {{"A100", 9.5}};
    s.yuan_per_cpu_core_hour = 0.04;
    CHECK(base_rate_per_hour(s, "A100", 2, 64) == Approx(19.0));
    CHECK(base_rate_per_hour(s, "cpu", 0, 16) == Approx(0.64));
    CHECK(base_rate_per_hour(s, "L40S", 1, 16) == Approx(0.64));  // unpriced here
}

TEST_CASE("charges follow the tariff and vouchers stop at their window and cap") {
    SitesConfig c;
    Site s;
    s.name = "gs";
    s.tariff = gansu();
    c.sites["gs"] = s;
    c.vouchers.push_back({"v50", "studio-a", "gs", 50, 10, T0 + 12 * H, T0 + 36 * H});
    VoucherBook book(c);
    const Site& site = c.sites.at("gs");

    // 11:00-13:00 flat at 10 yuan/h: 20 gross, the voucher covers 12:00-13:00 only.
    Charge a = book.charge(site, "studio-a", 10, T0 + 11 * H, T0 + 13 * H);
    CHECK(a.gross_yuan == Approx(20));
    CHECK(a.discount_yuan == Approx(5));
    CHECK(a.net_yuan == Approx(15));
    REQUIRE(a.vouchers.size() == 1);
    CHECK(a.vouchers[0].first == "v50");
    // 13:00-17:00: 40 gross, half would be 20, but only 5 of the cap is left.
    Charge b = book.charge(site, "studio-a", 10, T0 + 13 * H, T0 + 17 * H);
    CHECK(b.discount_yuan == Approx(5));
    CHECK(b.net_yuan == Approx(35));
    CHECK(book.used("v50") == Approx(10));
    // Cap spent: nothing more off.
    Charge c2 = book.charge(site, "studio-a", 10, T0 + 17 * H, T0 + 18 * H);
    CHECK(c2.discount_yuan == 0);
    // Peak hour 18:00-19:00 at 10 yuan/h base costs 15.
    CHECK(c2.net_yuan == Approx(10));
    Charge peak = book.charge(site, "studio-a", 10, T0 + 18 * H, T0 + 19 * H);
    CHECK(peak.gross_yuan == Approx(15));
    CHECK(peak.multiplier == Approx(1.5));
    CHECK(peak.period == "peak");
    // Another tenant never gets the voucher.
    VoucherBook other(c);
    CHECK(other.charge(site, "studio-b", 10, T0 + 12 * H, T0 + 13 * H).discount_yuan == 0);
    // Pricing without booking (a quote) leaves the cap alone.
    VoucherBook q(c);
    q.charge(site, "studio-a", 10, T0 + 12 * H, T0 + 13 * H, false);
    CHECK(q.used("v50") == 0);
}

TEST_CASE("several vouchers: the best first, each yuan discounted once") {
    SitesConfig c;
    Site s;
    s.name = "gs";
    c.sites["gs"] = s;
    c.vouchers.push_back({"v30", "t", "gs", 30, 100, T0, T0 + 48 * H});
    c.vouchers.push_back({"v60", "t", "gs", 60, 3, T0, T0 + 48 * H});
    VoucherBook book(c);
    // 10 gross: v60 takes its cap of 3 (covering 5 yuan), v30 takes 30% of the other 5.
    Charge ch = book.charge(c.sites.at("gs"), "t", 10, T0 + H, T0 + 2 * H);
    CHECK(ch.discount_yuan == Approx(4.5));
    CHECK(ch.net_yuan == Approx(5.5));
    REQUIRE(ch.vouchers.size() == 2);
    CHECK(ch.vouchers[0].first == "v60");
    CHECK(book.discount_at("t", "gs", T0 + 3 * H) == Approx(0.30));
    CHECK(book.discount_at("t", "gs", T0 + 49 * H) == 0);
}
