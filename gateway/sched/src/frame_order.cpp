#include "farm/sched/frame_order.h"

namespace farm::sched {

std::vector<int> frame_sequence(int n, FrameOrder order) {
    std::vector<int> out;
    if (n <= 0) return out;
    out.reserve(static_cast<std::size_t>(n));
    if (order == FrameOrder::sequential) {
        for (int i = 0; i < n; ++i) out.push_back(i);
        return out;
    }
    int bits = 0;
    while ((1LL << bits) < n) ++bits;
    for (long long i = 0; i < (1LL << bits); ++i) {
        long long r = 0;
        for (int b = 0; b < bits; ++b)
            if (i & (1LL << b)) r |= 1LL << (bits - 1 - b);
        if (r < n) out.push_back(static_cast<int>(r));
    }
    return out;
}

std::vector<int> frame_ranks(int n, FrameOrder order) {
    const std::vector<int> seq = frame_sequence(n, order);
    std::vector<int> rank(seq.size());
    for (std::size_t pos = 0; pos < seq.size(); ++pos) rank[static_cast<std::size_t>(seq[pos])] = static_cast<int>(pos);
    return rank;
}

const char* to_string(FrameOrder order) {
    return order == FrameOrder::sequential ? "sequential" : "interleaved";
}

bool parse_frame_order(std::string_view text, FrameOrder& out) {
    if (text == "interleaved") {
        out = FrameOrder::interleaved;
        return true;
    }
    if (text == "sequential") {
        out = FrameOrder::sequential;
        return true;
    }
    return false;
}

}  // namespace farm::sched
