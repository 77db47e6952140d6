// The options that describe a job, shared by `farm submit` and `farm quote`, and the JSON
// spec they become (docs/farm-protocol.md, Jobs).
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <string>

namespace farm::cli {

struct JobSpecArgs {
    std::string project, snapshot, settings, frames, res, tiles, deadline, name, order;
    int spp = 0, depth = 0, priority = 50;
    double budget = 0;
    bool no_probe = false;
};

void add_job_spec_options(CLI::App& cmd, JobSpecArgs& a);
boost::json::object job_spec(const JobSpecArgs& a);

// "+90m", "+2h", "+1d", a unix time, or "YYYY-MM-DDTHH:MM[:SS]Z" (UTC).
std::int64_t parse_deadline(const std::string& text);
std::pair<int, int> parse_pair(const std::string& text, char sep, const char* what);
// "2026-12-02 18:40 +08:00": times for studios in China, whatever the machine's zone.
std::string china_time(double unix_s);

}  // namespace farm::cli
