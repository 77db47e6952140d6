#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "farm/db.h"

namespace farm::gateway {

// The task to lease to `worker` now, or nullopt. The caller holds the engine lock and
// marks the task leased in the same transaction.
std::optional<std::int64_t> pick_task(Db& db, const std::string& worker, double now);

}  // namespace farm::gateway
