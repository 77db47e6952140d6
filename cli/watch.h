// farm watch: follows a job over the gateway's WebSocket event stream, draws live
// progress, and downloads frames as they are stitched. Reconnects with ?since= after a
// dropped connection (a gateway restart, say), so no event and no frame is missed.
#pragma once

#include <filesystem>
#include <string>

#include "api.h"
#include "commands.h"

namespace farm::cli {

struct WatchOptions {
    std::filesystem::path download_dir;  // empty: do not download
    bool force_plain = false;            // line-per-event output even on a terminal
};

// Returns 0 when the job finished done, 2 when it failed, 3 when it was canceled.
int watch_job(const GatewayOptions& g, const std::string& job, const WatchOptions& options);

// Downloads finished frames (and the preview movie, when present) not yet in `dir`.
std::size_t download_job(Api& api, const std::string& job, const std::filesystem::path& dir,
                         bool quiet);

}  // namespace farm::cli
