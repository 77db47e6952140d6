// The order a job's frames are handed out in. Interleaved (bit-reversed: 0, n/2, n/4,
// 3n/4, ...) is the default because every prefix spreads over the whole shot: the
// frames finished so far are a fair sample of those left, so estimates, quotes and
// budget projections are not biased by cost that drifts along the shot, and a watcher
// sees the whole shot early at a coarse step. The gateway and farm-sim share it.
#pragma once

#include <string_view>
#include <vector>

namespace farm::sched {

enum class FrameOrder { interleaved, sequential };

// Frame indices 0..n-1 in the order they are handed out.
std::vector<int> frame_sequence(int n, FrameOrder order = FrameOrder::interleaved);
// rank[i]: the position of frame index i in frame_sequence(n, order).
std::vector<int> frame_ranks(int n, FrameOrder order = FrameOrder::interleaved);

const char* to_string(FrameOrder order);
// False when `text` names no order ("interleaved" or "sequential").
bool parse_frame_order(std::string_view text, FrameOrder& out);

}  // namespace farm::sched
