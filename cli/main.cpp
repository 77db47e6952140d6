// farm: the studio's command line for XiXuan.
#include <cstdio>
#include <exception>

#include "commands.h"
#include "farm/transfer/error.h"

int main(int argc, char** argv) {
    CLI::App app{"farm: push projects to a XiXuan gateway, render them in the west, "
                 "and get the frames back"};
    app.require_subcommand(1);
    farm::cli::GatewayOptions gateway;
    farm::cli::add_transfer_commands(app, gateway);
    farm::cli::add_job_commands(app, gateway);
    farm::cli::add_cost_commands(app, gateway);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const farm::transfer::Error& e) {
        std::fprintf(stderr, "farm: error: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "farm: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
