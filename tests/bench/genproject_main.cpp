// farm-bench-genproject v1 OUTDIR [--scale S] [--seed N]
// farm-bench-genproject v2 V1DIR OUTDIR [--seed N]
//
// v1 writes a synthetic animation project (~1.5 GB at scale 1). v2 copies V1DIR to OUTDIR
// with an edit applied and writes the bytes that changed to OUTDIR.changes.bin (and a log
// of the edits to OUTDIR.changes.txt), both beside OUTDIR, outside the tree.
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "genproject.h"

namespace {

namespace fs = std::filesystem;

int usage() {
    std::fprintf(stderr,
                 "usage: farm-bench-genproject v1 OUTDIR [--scale S] [--seed N]\n"
                 "       farm-bench-genproject v2 V1DIR OUTDIR [--seed N]\n");
    return 2;
}

void require_empty(const fs::path& dir) {
    if (fs::exists(dir) && !fs::is_empty(dir))
        throw std::runtime_error("output folder exists and is not empty: " + dir.string());
    fs::create_directories(dir);
}

fs::path strip_slash(std::string p) {
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    return fs::path(p);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> pos;
    double scale = 1.0;
    std::uint64_t seed = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if ((a == "--scale" || a == "--seed") && i + 1 < argc) {
            const std::string v = argv[++i];
            try {
                if (a == "--scale") scale = std::stod(v);
                else seed = std::stoull(v);
            } catch (const std::exception&) {
                std::fprintf(stderr, "farm-bench-genproject: bad value for %s: %s\n", a.c_str(),
                             v.c_str());
                return 2;
            }
        } else if (a == "-h" || a == "--help") {
            return usage(), 0;
        } else if (!a.empty() && a[0] == '-') {
            std::fprintf(stderr, "farm-bench-genproject: unknown option %s\n", a.c_str());
            return usage();
        } else {
            pos.push_back(a);
        }
    }
    if (!(scale > 0 && scale <= 64)) {
        std::fprintf(stderr, "farm-bench-genproject: --scale must be in (0, 64]\n");
        return 2;
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto seconds = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    try {
        if (pos.size() == 2 && pos[0] == "v1") {
            const fs::path out = strip_slash(pos[1]);
            require_empty(out);
            const auto s = farm::bench::generate_v1(out, scale, seed);
            std::printf("v1: %llu files, %llu bytes in %.1f s -> %s\n",
                        static_cast<unsigned long long>(s.files),
                        static_cast<unsigned long long>(s.bytes), seconds(), out.c_str());
        } else if (pos.size() == 3 && pos[0] == "v2") {
            const fs::path v1 = strip_slash(pos[1]), out = strip_slash(pos[2]);
            if (!fs::is_directory(v1)) throw std::runtime_error("not a folder: " + v1.string());
            require_empty(out);
            const fs::path changes = out.string() + ".changes.bin";
            const fs::path log = out.string() + ".changes.txt";
            const auto s = farm::bench::generate_v2(v1, out, changes, log, seed);
            std::printf(
                "v2: %llu files, %llu bytes in %.1f s -> %s\n"
                "    %llu modified, %llu added, %llu renamed; %llu changed bytes -> %s\n",
                static_cast<unsigned long long>(s.tree.files),
                static_cast<unsigned long long>(s.tree.bytes), seconds(), out.c_str(),
                static_cast<unsigned long long>(s.files_modified),
                static_cast<unsigned long long>(s.files_added),
                static_cast<unsigned long long>(s.files_renamed),
                static_cast<unsigned long long>(s.changed_bytes), changes.c_str());
        } else {
            return usage();
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "farm-bench-genproject: %s\n", e.what());
        return 1;
    }
    return 0;
}
