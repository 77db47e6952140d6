// farm push / pull / ls.
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>

#include "api.h"
#include "commands.h"
#include "farm/transfer/error.h"
#include "farm/transfer/sync_client.h"
#include "progress.h"

namespace farm::cli {

namespace tr = farm::transfer;
namespace fs = std::filesystem;

namespace {

std::string local_time(std::int64_t unix_ns) {
    std::time_t t = static_cast<std::time_t>(unix_ns / 1'000'000'000);
    char buf[32];
    std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", std::localtime(&t));
    return buf;
}

double ratio(double a, double b) { return b > 0 ? a / b : 0; }

void print_push_summary(const tr::PushResult& r, const std::string& project) {
    std::printf("pushed %s@%s%s\n", project.c_str(), r.snapshot.hex().substr(0, 16).c_str(),
                r.parent ? (" (parent " + r.parent->hex().substr(0, 16) + ")").c_str() : "");
    std::printf("  files            %llu (%s logical, %s read)\n",
                static_cast<unsigned long long>(r.files), human_bytes(r.logical_bytes).c_str(),
                human_bytes(r.bytes_read).c_str());
    std::printf("  chunks           %llu referenced, %llu unique, %llu new\n",
                static_cast<unsigned long long>(r.chunks),
                static_cast<unsigned long long>(r.unique_chunks),
                static_cast<unsigned long long>(r.new_chunks));
    std::printf("  new bytes        %s raw, %s compressed\n", human_bytes(r.new_raw_bytes).c_str(),
                human_bytes(r.new_encoded_bytes).c_str());
    std::printf("  sent             %s in %llu requests (manifest %s)\n",
                human_bytes(r.bytes_sent).c_str(), static_cast<unsigned long long>(r.requests),
                human_bytes(r.manifest_bytes).c_str());
    std::printf("  dedup ratio      %.2fx   compression ratio %.2fx   logical/sent %.1fx\n",
                ratio(r.logical_bytes, r.new_raw_bytes), ratio(r.new_raw_bytes, r.new_encoded_bytes),
                ratio(r.logical_bytes, r.bytes_sent));
    std::printf("  time             %.2f s (%s/s of input)\n", r.seconds,
                human_bytes(ratio(r.logical_bytes, r.seconds)).c_str());
}

void print_push_json(const tr::PushResult& r) {
    boost::json::object o{
        {"snapshot", r.snapshot.hex()},
        {"parent", r.parent ? boost::json::value(r.parent->hex()) : boost::json::value(nullptr)},
        {"files", r.files},
        {"logical_bytes", r.logical_bytes},
        {"chunks", r.chunks},
        {"unique_chunks", r.unique_chunks},
        {"bytes_read", r.bytes_read},
        {"new_chunks", r.new_chunks},
        {"new_raw_bytes", r.new_raw_bytes},
        {"new_encoded_bytes", r.new_encoded_bytes},
        {"manifest_bytes", r.manifest_bytes},
        {"bytes_sent", r.bytes_sent},
        {"bytes_received", r.bytes_received},
        {"requests", r.requests},
        {"seconds", r.seconds}};
    std::cout << boost::json::serialize(o) << std::endl;
}

const char* kind_letter(tr::EntryKind k) {
    switch (k) {
        case tr::EntryKind::directory: return "d";
        case tr::EntryKind::symlink: return "l";
        default: return "-";
    }
}

}  // namespace

void add_gateway_options(CLI::App& cmd, GatewayOptions& g) {
    cmd.add_option("--gateway,-g", g.url, "gateway URL (default $FARM_GATEWAY or http://127.0.0.1:8080)");
    cmd.add_option("--token", g.token, "access token (default $FARM_TOKEN)");
    cmd.add_option("--cache", g.cache, "client cache folder, or 'none' (default ~/.cache/xixuan)");
}

void add_transfer_commands(CLI::App& app, GatewayOptions& g) {
    struct PushArgs {
        std::string dir, project;
        int level = 3;
        unsigned connections = 4, threads = 0;
        std::size_t avg_kib = 0;
        double bwlimit_mib = 0;
        bool json = false, rehash = false, quiet = false;
    };
    auto push_args = std::make_shared<PushArgs>();
    auto* push = app.add_subcommand("push", "upload a project folder as a new snapshot (only new chunks travel)");
    push->add_option("dir", push_args->dir, "project folder")->required()->check(CLI::ExistingDirectory);
    push->add_option("--project,-p", push_args->project, "project name")->required();
    push->add_option("--level", push_args->level, "zstd level")->check(CLI::Range(1, 19));
    push->add_option("--connections", push_args->connections, "parallel uploads")->check(CLI::Range(1, 64));
    push->add_option("--threads", push_args->threads, "hash/compress threads (0 = all cores)");
    push->add_option("--avg-chunk-kib", push_args->avg_kib,
                     "average chunk size in KiB (power of two; min = avg/4, max = avg*4)");
    push->add_option("--bwlimit", push_args->bwlimit_mib, "upload rate cap in MiB/s (0 = none)")
        ->check(CLI::NonNegativeNumber);
    push->add_flag("--json", push_args->json, "print the summary as one JSON object");
    push->add_flag("--rehash", push_args->rehash, "read every file, even those unchanged since the last push");
    push->add_flag("--quiet,-q", push_args->quiet, "no progress display");
    add_gateway_options(*push, g);
    push->callback([push_args, &g] {
        tr::PushOptions o;
        o.project = push_args->project;
        o.zstd_level = push_args->level;
        o.connections = push_args->connections;
        o.threads = push_args->threads;
        o.rehash = push_args->rehash;
        o.cache_dir = cache_dir(g);
        o.max_bytes_per_second = push_args->bwlimit_mib * 1024 * 1024;
        if (push_args->avg_kib) {
            o.chunker.avg_size = push_args->avg_kib * 1024;
            o.chunker.min_size = o.chunker.avg_size / 4;
            o.chunker.max_size = o.chunker.avg_size * 4;
        }
        tr::TransferProgress progress;
        o.progress = &progress;
        tr::PushResult r;
        {
            ProgressLine line(progress, "push " + o.project, !push_args->quiet && !push_args->json);
            r = tr::push(push_args->dir, endpoint(g), o);
        }
        if (push_args->json) print_push_json(r);
        else print_push_summary(r, o.project);
    });

    struct PullArgs {
        std::string spec, dir;
        unsigned connections = 4;
        bool quiet = false;
    };
    auto pull_args = std::make_shared<PullArgs>();
    auto* pull = app.add_subcommand("pull", "download a snapshot into a new folder");
    pull->add_option("spec", pull_args->spec, "PROJECT or PROJECT@SNAPSHOT")->required();
    pull->add_option("dir", pull_args->dir, "destination folder (absent or empty)")->required();
    pull->add_option("--connections", pull_args->connections, "parallel downloads")->check(CLI::Range(1, 64));
    pull->add_flag("--quiet,-q", pull_args->quiet, "no progress display");
    add_gateway_options(*pull, g);
    pull->callback([pull_args, &g] {
        tr::PullOptions o;
        o.connections = pull_args->connections;
        o.cache_dir = cache_dir(g);
        tr::TransferProgress progress;
        o.progress = &progress;
        tr::PullResult r;
        {
            ProgressLine line(progress, "pull", !pull_args->quiet);
            r = tr::pull(endpoint(g), pull_args->spec, pull_args->dir, o);
        }
        std::printf("pulled %s into %s: %llu files, %s, %llu chunks fetched (%s), %llu from cache, %.2f s\n",
                    r.snapshot.hex().substr(0, 16).c_str(), pull_args->dir.c_str(),
                    static_cast<unsigned long long>(r.files), human_bytes(r.logical_bytes).c_str(),
                    static_cast<unsigned long long>(r.chunks_fetched),
                    human_bytes(r.bytes_received).c_str(),
                    static_cast<unsigned long long>(r.chunks_from_cache), r.seconds);
    });

    auto ls_spec = std::make_shared<std::string>();
    auto* ls = app.add_subcommand("ls", "list projects, a project's snapshots, or a snapshot's files");
    ls->add_option("spec", *ls_spec, "nothing, PROJECT, or PROJECT@SNAPSHOT");
    add_gateway_options(*ls, g);
    ls->callback([ls_spec, &g] {
        tr::Endpoint ep = endpoint(g);
        const std::string& spec = *ls_spec;
        if (spec.empty()) {
            for (const auto& p : tr::list_projects(ep)) {
                std::printf("%-24s %4zu snapshot(s)  latest %s  %s\n", p.name.c_str(),
                            p.snapshot_count, p.latest.hex().substr(0, 16).c_str(),
                            local_time(p.latest_unix_ns).c_str());
            }
            return;
        }
        std::size_t at = spec.find('@');
        auto snaps = tr::list_snapshots(ep, spec.substr(0, at));
        if (at == std::string::npos) {
            for (const auto& s : snaps) {
                std::printf("%s  %s\n", s.id.hex().c_str(), local_time(s.created_unix_ns).c_str());
            }
            return;
        }
        std::string prefix = spec.substr(at + 1);
        for (const auto& s : snaps) {
            if (prefix.size() < 8 || s.id.hex().compare(0, prefix.size(), prefix) != 0) continue;
            tr::Manifest m = tr::fetch_manifest(ep, s.id);
            for (const auto& e : m.entries) {
                std::printf("%s%04o %12llu %4zu  %s%s%s\n", kind_letter(e.kind), e.mode,
                            static_cast<unsigned long long>(e.size), e.chunks.size(),
                            e.path.c_str(), e.kind == tr::EntryKind::symlink ? " -> " : "",
                            e.link_target.c_str());
            }
            std::printf("%zu files, %s\n", m.file_count(), human_bytes(m.total_size()).c_str());
            return;
        }
        throw tr::Error(tr::ErrorKind::not_found, "no snapshot " + prefix + " in " + spec.substr(0, at));
    });
}

}  // namespace farm::cli
