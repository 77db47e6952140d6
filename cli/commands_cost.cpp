// farm quote / plan / ledger (studios) and farm sites / site / workers / worker
// (pool operators).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "api.h"
#include "commands.h"
#include "farm/transfer/error.h"
#include "job_spec.h"
#include "progress.h"

namespace farm::cli {

namespace json = boost::json;
using farm::transfer::Error;
using farm::transfer::ErrorKind;

namespace {

double num(const json::object& o, const char* key) {
    auto it = o.find(key);
    if (it == o.end() || !it->value().is_number()) return 0;
    return it->value().to_number<double>();
}

std::string str(const json::object& o, const char* key) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) return "-";
    if (it->value().is_string()) return std::string(it->value().as_string());
    return json::serialize(it->value());
}

// Yuan with as many decimals as small bills need (CPU core-hours cost fen, not yuan).
std::string yuan(double v) {
    char b[48];
    std::snprintf(b, sizeof b, v < 10 ? "¥%.4f" : "¥%.2f", v);
    return b;
}

void print_plan_row(const char* label, const json::object& p, double now) {
    std::printf("  %-22s %10s  (%s - %s)   done %s (in %s)%s\n", label, yuan(num(p, "cost_yuan")).c_str(),
                yuan(num(p, "cost_low_yuan")).c_str(), yuan(num(p, "cost_high_yuan")).c_str(),
                china_time(num(p, "finish_unix")).c_str(),
                human_duration(std::max(0.0, num(p, "finish_unix") - now)).c_str(),
                p.at("feasible").as_bool() ? "" : "   misses the deadline");
    if (num(p, "voucher_yuan") > 0 || num(p, "staging_yuan") > 0)
        std::printf("  %-22s vouchers save %s, staging costs %s\n", "", yuan(num(p, "voucher_yuan")).c_str(),
                    yuan(num(p, "staging_yuan")).c_str());
}

void print_quote(const json::object& q) {
    const double now = static_cast<double>(std::time(nullptr));
    std::printf("quote %s: %.0f tasks, about %s each on the cheapest pool; estimate from %s "
                "(%.0f observations, ±%.0f%%)\n",
                str(q, "id").c_str(), num(q, "tasks"), human_duration(num(q, "task_seconds")).c_str(),
                str(q, "basis").c_str(), num(q, "observations"), 100 * num(q, "uncertainty"));
    if (!q.at("deadline_feasible").as_bool())
        std::printf("  the deadline cannot be met: the earliest finish is %s\n",
                    china_time(num(q, "earliest_finish_unix")).c_str());
    print_plan_row("cheapest", q.at("cheapest").as_object(), now);
    print_plan_row("fastest", q.at("fastest").as_object(), now);
    for (const auto& [site, p] : q.at("sites").as_object())
        print_plan_row(("only " + std::string(site)).c_str(), p.as_object(), now);
    if (auto b = q.find("budget_yuan"); b != q.end())
        std::printf("  budget %s: %s\n", yuan(num(q, "budget_yuan")).c_str(),
                    q.at("within_budget").as_bool() ? "enough for the cheapest plan"
                                                    : "NOT enough for the cheapest plan");
    std::printf("  probes cost %s\n", yuan(num(q, "probe_cost_yuan")).c_str());
}

void admin_commands(CLI::App& app, GatewayOptions& g, const char* noun, const char* route) {
    for (const char* verb : {"drain", "disable", "enable"}) {
        auto name = std::make_shared<std::string>();
        const std::string help = std::string(verb) + " a " + noun +
                                 (std::string(verb) == "drain"     ? ": no new tasks, running ones finish"
                                  : std::string(verb) == "disable" ? ": no new tasks, running ones move now"
                                                                   : ": back to work");
        auto* cmd = app.add_subcommand(verb, help);
        cmd->add_option(noun, *name, std::string(noun) + " name")->required();
        add_gateway_options(*cmd, g);
        cmd->callback([name, verb, route, &g] {
            if (name->find('/') != std::string::npos) throw Error(ErrorKind::bad_input, "bad name " + *name);
            Api api(g);
            json::object r = api.post(std::string(route) + *name + "/" + verb).as_object();
            std::printf("%s: %s\n", name->c_str(), str(r, "admin").c_str());
        });
    }
}

}  // namespace

void add_cost_commands(CLI::App& app, GatewayOptions& g) {
    struct QuoteArgs {
        JobSpecArgs spec;
        bool json_out = false;
        double wait_s = 300;
    };
    auto q = std::make_shared<QuoteArgs>();
    auto* quote = app.add_subcommand("quote", "price a job before submitting it: cheapest, fastest, per site");
    add_job_spec_options(*quote, q->spec);
    quote->add_flag("--json", q->json_out, "print the quote as JSON");
    quote->add_option("--wait", q->wait_s, "seconds to wait for probe renders")->capture_default_str();
    add_gateway_options(*quote, g);
    quote->callback([q, &g] {
        Api api(g);
        json::object r = api.post("/api/v1/quotes", job_spec(q->spec)).as_object();
        const std::string id = str(r, "id");
        const auto give_up = std::chrono::steady_clock::now() +
                             std::chrono::milliseconds(static_cast<long>(q->wait_s * 1000));
        bool said = false;
        while (str(r, "state") == "probing" && std::chrono::steady_clock::now() < give_up) {
            if (!said && !q->json_out) std::fprintf(stderr, "quote %s: probing (sample renders)...\n", id.c_str());
            said = true;
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
            r = api.get("/api/v1/quotes/" + id).as_object();
        }
        if (q->json_out) {
            std::cout << json::serialize(r) << std::endl;
            return;
        }
        if (str(r, "state") != "ready")
            throw Error(ErrorKind::io, "quote " + id + " still probing after " +
                                           std::to_string(static_cast<int>(q->wait_s)) + " s");
        print_quote(r);
    });

    auto plan_id = std::make_shared<std::string>();
    auto* plan = app.add_subcommand("plan", "what the scheduler expects of a job: finish, cost, pools");
    plan->add_option("job", *plan_id, "job id")->required();
    add_gateway_options(*plan, g);
    plan->callback([plan_id, &g] {
        Api api(g);
        json::object p = api.get("/api/v1/jobs/" + checked_job_id(*plan_id) + "/plan").as_object();
        std::printf("job %s %s: spent ¥%.4f, projected ¥%.4f (±%.0f%%), %s\n", plan_id->c_str(),
                    str(p, "state").c_str(), num(p, "spent_yuan"), num(p, "projected_cost_yuan"),
                    100 * num(p, "uncertainty"),
                    p.at("probing").as_bool() ? "probing"
                    : p.at("on_time").as_bool() ? "on time" : "LATE: best effort");
        if (p.contains("finish_unix")) std::printf("  finish   %s\n", china_time(num(p, "finish_unix")).c_str());
        for (const auto& [pool, n] : p.at("tasks_by_pool").as_object())
            std::printf("  %-28s %8.1f tasks\n", std::string(pool).c_str(), n.to_number<double>());
    });

    auto ledger_id = std::make_shared<std::string>();
    auto* ledger = app.add_subcommand("ledger", "every charge of a job");
    ledger->add_option("job", *ledger_id, "job id")->required();
    add_gateway_options(*ledger, g);
    ledger->callback([ledger_id, &g] {
        Api api(g);
        std::printf("%-6s %-9s %-10s %-20s %9s %8s %-7s %10s %10s %10s\n", "row", "kind", "task", "site",
                    "seconds", "x tariff", "period", "gross ¥", "voucher ¥", "net ¥");
        for (const auto& v : api.get_array("/api/v1/jobs/" + checked_job_id(*ledger_id) + "/ledger")) {
            const auto& r = v.as_object();
            std::printf("%-6.0f %-9s %-10s %-20s %9.2f %8.2f %-7s %10.4f %10.4f %10.4f\n", num(r, "id"),
                        str(r, "kind").c_str(), str(r, "task").c_str(), str(r, "site").c_str(),
                        num(r, "device_seconds"), num(r, "multiplier"), str(r, "period").c_str(),
                        num(r, "gross_yuan"), num(r, "voucher_yuan"), num(r, "net_yuan"));
        }
    });

    auto* sites = app.add_subcommand("sites", "western sites: prices, tariff now, state, spend");
    add_gateway_options(*sites, g);
    sites->callback([&g] {
        Api api(g);
        std::printf("%-22s %-9s %-7s %6s %8s %10s %10s %s\n", "site", "state", "tariff", "x", "workers",
                    "render s", "cost ¥", "GPU ¥/h");
        for (const auto& v : api.get_array("/api/v1/sites")) {
            const auto& s = v.as_object();
            std::string gpu;
            if (auto it = s.find("yuan_per_gpu_hour"); it != s.end())
                for (const auto& [c, p] : it->value().as_object()) {
                    char b[64];
                    std::snprintf(b, sizeof b, "%s%s %.2f", gpu.empty() ? "" : ", ", std::string(c).c_str(),
                                  p.to_number<double>());
                    gpu += b;
                }
            std::printf("%-22s %-9s %-7s %6.2f %8.0f %10.1f %10.4f %s\n", str(s, "name").c_str(),
                        str(s, "admin").c_str(), str(s, "tariff_period").c_str(),
                        s.contains("tariff_multiplier") ? num(s, "tariff_multiplier") : 1.0,
                        num(s, "workers"), num(s, "render_seconds"), num(s, "cost_yuan"), gpu.c_str());
        }
    });
    auto* reload = sites->add_subcommand("reload", "re-read the gateway's sites file (a bad one is refused)");
    add_gateway_options(*reload, g);
    reload->callback([&g] {
        Api api(g);
        json::object r = api.post("/api/v1/sites/reload").as_object();
        std::printf("reloaded: %.0f sites, %.0f vouchers\n", num(r, "sites"), num(r, "vouchers"));
    });
    auto* site = app.add_subcommand("site", "drain, disable or enable a site");
    site->require_subcommand(1);
    admin_commands(*site, g, "site", "/api/v1/sites/");

    auto* workers = app.add_subcommand("workers", "workers: site, class, speed, state");
    add_gateway_options(*workers, g);
    workers->callback([&g] {
        Api api(g);
        for (const auto& v : api.get_array("/api/v1/workers")) {
            const auto& w = v.as_object();
            std::printf("%-10s %-14s %-20s %-8s %8.2f Mrays/s  %-9s done %4.0f  %s\n", str(w, "id").c_str(),
                        str(w, "name").c_str(), str(w, "site").c_str(), str(w, "gpu_class").c_str(),
                        num(w, "score_mrays_per_s"), str(w, "state").c_str(), num(w, "tasks_done"),
                        w.contains("held") ? str(w, "held").c_str() : "");
        }
    });
    auto* worker = app.add_subcommand("worker", "drain, disable or enable a worker");
    worker->require_subcommand(1);
    admin_commands(*worker, g, "worker", "/api/v1/workers/");
}

}  // namespace farm::cli
