#include "job_spec.h"

#include <ctime>
#include <regex>

#include "farm/transfer/error.h"

namespace farm::cli {

namespace json = boost::json;
using farm::transfer::Error;
using farm::transfer::ErrorKind;

namespace {

[[noreturn]] void bad(const std::string& message) { throw Error(ErrorKind::bad_input, message); }

}  // namespace

std::pair<int, int> parse_pair(const std::string& text, char sep, const char* what) {
    std::smatch m;
    std::regex re(std::string("^(\\d+)") + (sep == '-' ? "(?:-(\\d+))?$" : std::string("[") + sep + "](\\d+)$"));
    if (!std::regex_match(text, m, re)) bad(std::string(what) + ": cannot read '" + text + "'");
    int a = std::stoi(m[1]);
    int b = m[2].matched ? std::stoi(m[2]) : a;
    return {a, b};
}

std::int64_t parse_deadline(const std::string& text) {
    std::smatch m;
    if (std::regex_match(text, m, std::regex(R"(^\+(\d+)([smhd])$)"))) {
        std::int64_t n = std::stoll(m[1]);
        int unit = m[2] == "s" ? 1 : m[2] == "m" ? 60 : m[2] == "h" ? 3600 : 86400;
        return static_cast<std::int64_t>(std::time(nullptr)) + n * unit;
    }
    if (std::regex_match(text, std::regex(R"(^\d{9,11}$)"))) return std::stoll(text);
    std::tm tm{};
    const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M", &tm);
    if (end && *end == ':') end = strptime(end + 1, "%S", &tm);
    if (!end || (*end != 'Z' && *end != '\0')) {
        bad("deadline: use +2h, a unix time or 2026-11-23T18:00Z, not '" + text + "'");
    }
    return static_cast<std::int64_t>(timegm(&tm));
}

std::string china_time(double unix_s) {
    const std::time_t t = static_cast<std::time_t>(unix_s) + 8 * 3600;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M +08:00", &tm);
    return buf;
}

void add_job_spec_options(CLI::App& cmd, JobSpecArgs& a) {
    cmd.add_option("project", a.project, "project name (as pushed)")->required();
    cmd.add_option("--snapshot", a.snapshot, "snapshot id (default: the latest)");
    cmd.add_option("--settings", a.settings, "render settings file inside the project (default render.json)");
    cmd.add_option("--frames", a.frames, "frame range A-B or one frame");
    cmd.add_option("--res", a.res, "resolution WxH");
    cmd.add_option("--spp", a.spp, "samples per pixel")->check(CLI::PositiveNumber);
    cmd.add_option("--depth", a.depth, "max path depth")->check(CLI::PositiveNumber);
    cmd.add_option("--tiles", a.tiles, "split each frame into NxM tiles (default 1x1)");
    cmd.add_option("--priority", a.priority, "0-100, higher first")->check(CLI::Range(0, 100));
    cmd.add_option("--deadline", a.deadline, "+2h, a unix time, or 2026-11-23T18:00Z");
    cmd.add_option("--budget", a.budget, "budget in yuan: the job pauses before spending more")
        ->check(CLI::NonNegativeNumber);
    cmd.add_option("--name", a.name, "a label for the job");
    cmd.add_option("--order", a.order,
                   "frame order: interleaved (default: the whole shot early, at a coarse step) or sequential")
        ->check(CLI::IsMember({"interleaved", "sequential"}));
    cmd.add_flag("--no-probe", a.no_probe, "skip the sample renders that estimate cost");
}

json::object job_spec(const JobSpecArgs& a) {
    json::object spec{{"project", a.project}};
    if (!a.snapshot.empty()) spec["snapshot"] = a.snapshot;
    if (!a.settings.empty()) spec["settings"] = a.settings;
    if (!a.frames.empty()) {
        auto [lo, hi] = parse_pair(a.frames, '-', "--frames");
        spec["frames"] = json::array{lo, hi};
    }
    json::object overrides;
    if (!a.res.empty()) {
        auto [w, h] = parse_pair(a.res, 'x', "--res");
        overrides["width"] = w;
        overrides["height"] = h;
    }
    if (a.spp) overrides["spp"] = a.spp;
    if (a.depth) overrides["max_depth"] = a.depth;
    if (!overrides.empty()) spec["overrides"] = overrides;
    if (!a.tiles.empty()) {
        auto [tx, ty] = parse_pair(a.tiles, 'x', "--tiles");
        spec["split"] = json::object{{"tiles_x", tx}, {"tiles_y", ty}};
    }
    spec["priority"] = a.priority;
    if (!a.deadline.empty()) spec["deadline_unix"] = parse_deadline(a.deadline);
    if (a.budget > 0) spec["budget_yuan"] = a.budget;
    if (!a.name.empty()) spec["name"] = a.name;
    if (a.no_probe) spec["probe"] = false;
    if (!a.order.empty()) spec["frame_order"] = a.order;
    return spec;
}

}  // namespace farm::cli
