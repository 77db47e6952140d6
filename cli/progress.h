// A one-line live progress display on stderr for push and pull, redrawn a few times a
// second while a transfer runs; silent when stderr is not a terminal.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "farm/transfer/sync_client.h"

namespace farm::cli {

class ProgressLine {
public:
    ProgressLine(const farm::transfer::TransferProgress& progress, std::string verb,
                 bool enabled);
    ~ProgressLine();  // stops and clears the line

private:
    void draw(double seconds);

    const farm::transfer::TransferProgress& progress_;
    std::string verb_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

std::string human_bytes(double bytes);
std::string human_duration(double seconds);

}  // namespace farm::cli
