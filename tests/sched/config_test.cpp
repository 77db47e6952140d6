// The sites file: every bad entry named, nothing half-loaded, TOML and JSON alike.
#include <catch2/catch.hpp>

#include "farm/sched/config.h"

using farm::sched::ConfigError;
using farm::sched::parse_sites;
using farm::sched::parse_time;
using Catch::Matchers::Contains;

namespace {

const char* kGood = R"(
[gpu_classes.A100]
match = ["A100"]
mrays_per_s = 400
[gpu_classes.L40S]

[tariffs.gansu]
utc_offset = "+08:00"
periods = { peak = 1.5, flat = 1.0, valley = 0.45 }
windows = [
  { from = "08:00", to = "11:00", period = "peak" },
  { from = "18:00", to = "23:00", period = "peak" },
  { from = "23:00", to = "07:00", period = "valley" },
]

[sites.gansu-qingyang]
region = "Gansu"
tariff = "gansu"
yuan_per_cpu_core_hour = 0.04
yuan_per_gpu_hour = { A100 = 9.5, L40S = 5.2 }
carbon_g_per_kwh = 520
link = { bandwidth_mbps = 1000, rtt_ms = 35, yuan_per_gb = 0.5 }

[sites.ningxia-zhongwei]
yuan_per_cpu_core_hour = 0.06

[[vouchers]]
id = "qy-2026"
tenant = "studio-a"
site = "gansu-qingyang"
discount_pct = 50
cap_yuan = 200000
valid_from = 2026-01-01T00:00:00+08:00
valid_until = "2027-01-01T00:00:00+08:00"
)";

std::string with(const std::string& extra) { return std::string(kGood) + extra; }

}  // namespace

TEST_CASE("a full TOML sites file loads with every field") {
    auto c = parse_sites(kGood, "sites.toml");
    REQUIRE(c.sites.size() == 2);
    const auto& g = c.sites.at("gansu-qingyang");
    CHECK(g.region == "Gansu");
    CHECK(g.yuan_per_gpu_hour.at("A100") == 9.5);
    CHECK(g.yuan_per_cpu_core_hour == 0.04);
    CHECK(g.link.yuan_per_gb == 0.5);
    CHECK(g.link.rtt_ms == 35);
    CHECK(*g.carbon_g_per_kwh == 520);
    CHECK_FALSE(g.tariff.flat());
    CHECK(c.sites.at("ningxia-zhongwei").tariff.flat());
    REQUIRE(c.vouchers.size() == 1);
    CHECK(c.vouchers[0].valid_from == parse_time("2025-12-31T16:00:00Z", "t"));
    CHECK(c.vouchers[0].valid_until - c.vouchers[0].valid_from == 365 * 86400.0);
    CHECK(c.classify_gpu("NVIDIA A100-SXM4-80GB") == "A100");
    CHECK(c.classify_gpu("NVIDIA L40S") == "L40S");
    CHECK(c.classify_gpu("NVIDIA GeForce RTX 4090") == "");
}

TEST_CASE("the same file as JSON loads the same") {
    auto c = parse_sites(R"({"gpu_classes": {"A100": {}},
        "sites": {"s1": {"yuan_per_cpu_core_hour": 0.1, "yuan_per_gpu_hour": {"A100": 9},
                         "tariff": {"periods": {"valley": 0.5},
                                    "windows": [{"from": "00:00", "to": "08:00", "period": "valley"}]}}}})",
                         "sites.json");
    CHECK(c.sites.at("s1").yuan_per_gpu_hour.at("A100") == 9);
    // 00:00 local (+08:00 default) is 16:00 UTC the day before.
    const double midnight_local = parse_time("2026-03-01T00:00:00+08:00", "t");
    CHECK(c.sites.at("s1").tariff.multiplier_at(midnight_local + 60) == 0.5);
    CHECK(c.sites.at("s1").tariff.multiplier_at(midnight_local + 8 * 3600 + 60) == 1.0);
}

TEST_CASE("bad sites files name the entry and the problem") {
    auto bad = [](const std::string& text, const std::string& needle) {
        INFO(text);
        CHECK_THROWS_WITH(parse_sites(text, "sites.toml"), Contains(needle));
    };
    bad(R"([gpu_classes.A100]
[sites.s]
yuan_per_cpu_core_hour = 1
yuan_per_gpu_hour = { B200 = 30 })",
        "sites.s.yuan_per_gpu_hour.B200: unknown GPU class 'B200'");
    bad("[sites.s]\nyuan_per_cpu_core_hour = -0.5\n", "sites.s.yuan_per_cpu_core_hour: must be >= 0");
    bad("[sites.s]\nregion = \"x\"\n", "sites.s: 'yuan_per_cpu_core_hour' is missing");
    bad("[gpu_classes.A100]\n[sites.s]\nyuan_per_cpu_core_hour = 1\nyuan_per_gpu_hour = { A100 = \"cheap\" }\n",
        "yuan_per_gpu_hour.A100: must be a number");
    bad(R"([sites.s]
yuan_per_cpu_core_hour = 1
tariff = { periods = { peak = 2 }, windows = [ { from = "08:00", to = "12:00", period = "peak" },
                                                { from = "11:00", to = "13:00", period = "peak" } ] })",
        "overlap at 11:00");
    bad(R"([sites.s]
yuan_per_cpu_core_hour = 1
tariff = { periods = { valley = 0.5 }, windows = [ { from = "22:00", to = "06:00", period = "valley" },
                                                  { from = "05:00", to = "07:00", period = "valley" } ] })",
        "overlap at 05:00");
    bad(R"([sites.s]
yuan_per_cpu_core_hour = 1
tariff = { windows = [ { from = "08:00", to = "12:00", period = "peek" } ] })",
        "unknown period 'peek'");
    bad(R"([sites.s]
yuan_per_cpu_core_hour = 1
tariff = { periods = { valley = 0 } })",
        "multiplier of period 'valley' must be > 0");
    bad(with(R"(
[[vouchers]]
id = "v2"
tenant = "t"
site = "gansu-qingyng"
discount_pct = 20
cap_yuan = 100
valid_from = "2026-01-01"
valid_until = "2026-02-01"
)"),
        "vouchers[1] (v2): unknown site 'gansu-qingyng'");
    bad(with(R"(
[[vouchers]]
id = "qy-2026"
tenant = "t"
site = "gansu-qingyang"
discount_pct = 20
cap_yuan = 100
valid_from = "2026-01-01"
valid_until = "2026-02-01"
)"),
        "duplicate voucher id");
    bad(with(R"(
[[vouchers]]
id = "v3"
tenant = "t"
site = "gansu-qingyang"
discount_pct = 120
cap_yuan = 100
valid_from = "2026-01-01"
valid_until = "2026-02-01"
)"),
        "discount_pct: must be in (0, 100]");
    bad(with(R"(
[[vouchers]]
id = "v4"
tenant = "t"
site = "gansu-qingyang"
discount_pct = 20
cap_yuan = 100
valid_from = "2026-02-01"
valid_until = "2026-01-01"
)"),
        "valid_until must be after valid_from");
    bad("[sites.s]\nyuan_per_cpu_core_hour = 1\nyuan_per_cpu_hour = 2\n", "sites.s: unknown key 'yuan_per_cpu_hour'");
    bad("[sites.s\nyuan_per_cpu_core_hour = 1\n", "sites.toml:1:");
    bad("{\"sites\": {\"s\": ", "not valid JSON");
    bad("[gpu_classes.A100]\n", "no [sites] table");
    bad("[sites.\"../etc\"]\nyuan_per_cpu_core_hour = 1\n", "site names may hold only");
}

TEST_CASE("times parse with offsets, Z, and China time by default") {
    CHECK(parse_time("2026-05-01T00:00:00Z", "t") == 1777593600.0);
    CHECK(parse_time("2026-05-01T08:00:00+08:00", "t") == 1777593600.0);
    CHECK(parse_time("2026-05-01 08:00", "t") == 1777593600.0);
    CHECK(parse_time("2026-05-01", "t") == 1777593600.0 - 8 * 3600);
    CHECK_THROWS_AS(parse_time("May 1st", "t"), ConfigError);
    CHECK_THROWS_AS(parse_time("2026-13-01", "t"), ConfigError);
}
