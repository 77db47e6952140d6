// Subcommands of `farm`; each registers its options on the app and runs when chosen.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace farm::cli {

// Options every subcommand talking to a gateway shares.
struct GatewayOptions {
    std::string url;    // --gateway, else $FARM_GATEWAY, else http://127.0.0.1:8080
    std::string token;  // --token, else $FARM_TOKEN
    std::string cache;  // --cache, else $XDG_CACHE_HOME/xixuan or ~/.cache/xixuan
};

void add_gateway_options(CLI::App& cmd, GatewayOptions& options);
void add_transfer_commands(CLI::App& app, GatewayOptions& options);
void add_job_commands(CLI::App& app, GatewayOptions& options);
void add_cost_commands(CLI::App& app, GatewayOptions& options);

}  // namespace farm::cli
