// farm submit / jobs / status / pause / resume / cancel / rerun / download.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>

#include "api.h"
#include "commands.h"
#include "farm/transfer/error.h"
#include "job_spec.h"
#include "progress.h"
#include "watch.h"

namespace farm::cli {

namespace json = boost::json;
namespace fs = std::filesystem;
using farm::transfer::Error;
using farm::transfer::ErrorKind;

namespace {

std::string str(const json::value& v) {
    if (v.is_string()) return std::string(v.as_string());
    if (v.is_null()) return "-";
    return json::serialize(v);
}

double num(const json::object& o, const char* key) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) return 0;
    return it->value().to_number<double>();
}

void print_job_line(const json::object& j) {
    std::printf("%-10s %-9s %-16s %5.1f%%  frames %3.0f/%-3.0f  %s\n", str(j.at("id")).c_str(),
                str(j.at("state")).c_str(), str(j.at("project")).c_str(),
                100 * num(j, "progress"), num(j, "frames_done"), num(j, "frames_total"),
                j.contains("name") ? str(j.at("name")).c_str() : "");
}

void print_job(const json::object& j) {
    std::printf("job %s (%s)  %s\n", str(j.at("id")).c_str(), str(j.at("project")).c_str(),
                str(j.at("state")).c_str());
    std::printf("  snapshot   %s\n", str(j.at("snapshot")).c_str());
    std::printf("  frames     %s   %.0fx%.0f  spp %.0f   tiles %.0fx%.0f\n",
                str(j.at("frames")).c_str(), num(j, "width"), num(j, "height"), num(j, "spp"),
                num(j, "tiles_x"), num(j, "tiles_y"));
    std::printf("  progress   %.1f%%  frames %.0f/%.0f  ETA %s\n", 100 * num(j, "progress"),
                num(j, "frames_done"), num(j, "frames_total"),
                j.contains("eta_s") && !j.at("eta_s").is_null()
                    ? human_duration(num(j, "eta_s")).c_str() : "--:--");
    if (j.contains("tasks")) std::printf("  tasks      %s\n", json::serialize(j.at("tasks")).c_str());
    std::printf("  render     %.1f s   cost ¥%.2f\n", num(j, "render_seconds"), num(j, "cost_yuan"));
}

// Writes next to the target and renames, so an interrupted download never leaves a
// partial frame under the final name.
void save(const fs::path& target, const std::string& bytes) {
    fs::path tmp = target;
    tmp += ".part";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!f) throw Error(ErrorKind::io, "cannot write " + tmp.string());
    }
    fs::rename(tmp, target);
}

}  // namespace

std::size_t download_job(Api& api, const std::string& job, const fs::path& dir, bool quiet) {
    fs::create_directories(dir);
    json::array frames = api.get_array("/api/v1/jobs/" + checked_job_id(job) + "/frames");
    std::size_t fetched = 0;
    for (const auto& f : frames) {
        for (const char* key : {"exr", "png"}) {
            const auto& o = f.as_object();
            if (!o.contains(key) || !o.at(key).is_string()) continue;
            std::string name(o.at(key).as_string());
            if (name.find('/') != std::string::npos || name.starts_with(".")) {
                throw Error(ErrorKind::io, "gateway sent a suspicious file name: " + name);
            }
            if (fs::exists(dir / name)) continue;
            save(dir / name, api.get_bytes("/api/v1/jobs/" + job + "/frames/" + name));
            ++fetched;
            if (!quiet) std::printf("downloaded %s\n", (dir / name).c_str());
        }
    }
    if (!fs::exists(dir / "preview.mp4")) {
        try {
            save(dir / "preview.mp4", api.get_bytes("/api/v1/jobs/" + job + "/frames/preview.mp4"));
            ++fetched;
            if (!quiet) std::printf("downloaded %s\n", (dir / "preview.mp4").c_str());
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::not_found) throw;
        }
    }
    return fetched;
}

void add_job_commands(CLI::App& app, GatewayOptions& g) {
    struct SubmitArgs {
        JobSpecArgs spec;
        std::string download;
        bool watch = false, json_out = false;
    };
    auto a = std::make_shared<SubmitArgs>();
    auto* submit = app.add_subcommand("submit", "submit a render job for a pushed project");
    add_job_spec_options(*submit, a->spec);
    submit->add_flag("--watch", a->watch, "watch the job after submitting");
    submit->add_option("--download", a->download, "with --watch: download frames into DIR as they finish");
    submit->add_flag("--json", a->json_out, "print the job as JSON");
    add_gateway_options(*submit, g);
    submit->callback([a, &g] {
        const json::object spec = job_spec(a->spec);
        Api api(g);
        json::object job = api.post("/api/v1/jobs", spec).as_object();
        if (a->json_out) std::cout << json::serialize(job) << std::endl;
        else std::printf("submitted %s\n", str(job.at("id")).c_str());
        if (a->watch) {
            WatchOptions w;
            w.download_dir = a->download;
            int rc = watch_job(g, std::string(job.at("id").as_string()), w);
            if (rc != 0) throw Error(ErrorKind::io, "job did not finish cleanly");
        }
    });

    auto* jobs = app.add_subcommand("jobs", "list your jobs");
    add_gateway_options(*jobs, g);
    jobs->callback([&g] {
        Api api(g);
        for (const auto& j : api.get_array("/api/v1/jobs")) print_job_line(j.as_object());
    });

    struct StatusArgs {
        std::string job;
        bool tasks = false, json_out = false;
    };
    auto s = std::make_shared<StatusArgs>();
    auto* status = app.add_subcommand("status", "show one job");
    status->add_option("job", s->job, "job id")->required();
    status->add_flag("--tasks", s->tasks, "also list every task");
    status->add_flag("--json", s->json_out, "print JSON");
    add_gateway_options(*status, g);
    status->callback([s, &g] {
        Api api(g);
        auto job = api.get("/api/v1/jobs/" + checked_job_id(s->job));
        if (s->json_out) std::cout << json::serialize(job) << std::endl;
        else print_job(job.as_object());
        if (!s->tasks) return;
        for (const auto& t : api.get_array("/api/v1/jobs/" + s->job + "/tasks")) {
            const auto& o = t.as_object();
            std::printf("  %-12s %-6s frame %4.0f tile %-18s %-10s attempt %.0f  %s %s\n",
                        str(o.at("id")).c_str(), o.contains("kind") ? str(o.at("kind")).c_str() : "",
                        num(o, "frame"), json::serialize(o.at("tile")).c_str(),
                        str(o.at("state")).c_str(), num(o, "attempt"),
                        o.contains("worker") ? str(o.at("worker")).c_str() : "",
                        o.contains("error") && !o.at("error").is_null() ? str(o.at("error")).c_str() : "");
            // Why it went where it went.
            if (auto d = o.find("decision"); d != o.end() && d->value().is_object())
                std::printf("               why: %s\n", str(d->value().as_object().at("why")).c_str());
        }
    });

    for (const char* verb : {"pause", "resume", "cancel"}) {
        auto id = std::make_shared<std::string>();
        auto* cmd = app.add_subcommand(verb, std::string(verb) + " a job");
        cmd->add_option("job", *id, "job id")->required();
        add_gateway_options(*cmd, g);
        cmd->callback([id, verb, &g] {
            Api api(g);
            auto job = api.post("/api/v1/jobs/" + checked_job_id(*id) + "/" + verb);
            print_job_line(job.as_object());
        });
    }

    struct RerunArgs {
        std::string job;
        std::vector<int> frames;
    };
    auto r = std::make_shared<RerunArgs>();
    auto* rerun = app.add_subcommand("rerun", "render chosen frames of a job again");
    rerun->add_option("job", r->job, "job id")->required();
    rerun->add_option("frames", r->frames, "frame numbers")->required();
    add_gateway_options(*rerun, g);
    rerun->callback([r, &g] {
        Api api(g);
        json::array frames(r->frames.begin(), r->frames.end());
        auto job = api.post("/api/v1/jobs/" + checked_job_id(r->job) + "/rerun",
                            json::object{{"frames", frames}});
        print_job_line(job.as_object());
    });

    struct DownloadArgs {
        std::string job, dir;
    };
    auto d = std::make_shared<DownloadArgs>();
    auto* download = app.add_subcommand("download", "download a job's finished frames and preview movie");
    download->add_option("job", d->job, "job id")->required();
    download->add_option("dir", d->dir, "destination folder")->required();
    add_gateway_options(*download, g);
    download->callback([d, &g] {
        Api api(g);
        std::size_t n = download_job(api, d->job, d->dir, false);
        std::printf("%zu file(s) downloaded into %s\n", n, d->dir.c_str());
    });

    auto report_id = std::make_shared<std::string>();
    auto* report = app.add_subcommand("report", "a job's bill: render time, cost, vouchers and transfers per site");
    report->add_option("job", *report_id, "job id")->required();
    add_gateway_options(*report, g);
    report->callback([report_id, &g] {
        Api api(g);
        const std::string& job = checked_job_id(*report_id);
        json::object j = api.get("/api/v1/jobs/" + job).as_object();
        std::map<std::string, int> tasks;
        for (const auto& t : api.get_array("/api/v1/jobs/" + job + "/tasks")) {
            const auto& o = t.as_object();
            if (str(o.at("state")) == "done") ++tasks[o.contains("site") ? str(o.at("site")) : "?"];
        }
        std::printf("job %s %s: frames %.0f/%.0f, %.1f render-seconds, cost ¥%.4f (vouchers -¥%.4f, "
                    "transfers ¥%.4f)\n",
                    job.c_str(), str(j.at("state")).c_str(), num(j, "frames_done"),
                    num(j, "frames_total"), num(j, "render_seconds"), num(j, "cost_yuan"),
                    num(j, "voucher_yuan"), num(j, "transfer_yuan"));
        // What was paid per site, retried attempts and probes included: the ledger's sums.
        std::printf("  %-20s %6s %12s %12s %12s %12s\n", "site", "tasks", "render s", "vouchers ¥",
                    "transfer ¥", "cost ¥");
        if (auto it = j.find("cost_by_site"); it != j.end() && it->value().is_object()) {
            for (const auto& [name, usage] : it->value().as_object()) {
                const auto& u = usage.as_object();
                std::printf("  %-20s %6d %12.1f %12.4f %12.4f %12.4f\n", std::string(name).c_str(),
                            tasks[std::string(name)], num(u, "render_seconds"), num(u, "voucher_yuan"),
                            num(u, "transfer_yuan"), num(u, "cost_yuan"));
            }
        }
    });

    struct WatchArgs {
        std::string job, download;
    };
    auto w = std::make_shared<WatchArgs>();
    auto* watch = app.add_subcommand("watch", "follow a job live; optionally download frames as they finish");
    watch->add_option("job", w->job, "job id")->required();
    watch->add_option("--download", w->download, "download finished frames into DIR");
    add_gateway_options(*watch, g);
    watch->callback([w, &g] {
        WatchOptions o;
        o.download_dir = w->download;
        int rc = watch_job(g, checked_job_id(w->job), o);
        if (rc != 0) throw Error(ErrorKind::io, "job ended " + std::string(rc == 2 ? "failed" : "canceled"));
    });
}

}  // namespace farm::cli
