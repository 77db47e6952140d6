// The order frames are handed out in: interleaved prefixes spread over the whole shot.
#include <catch2/catch.hpp>
#include <algorithm>

#include "farm/sched/frame_order.h"

using farm::sched::FrameOrder;

TEST_CASE("interleaved frame order is bit-reversed and visits every frame once", "[sched][order]") {
    CHECK(farm::sched::frame_sequence(8) == std::vector<int>{0, 4, 2, 6, 1, 5, 3, 7});
    CHECK(farm::sched::frame_sequence(5) == std::vector<int>{0, 4, 2, 1, 3});
    CHECK(farm::sched::frame_sequence(1) == std::vector<int>{0});
    CHECK(farm::sched::frame_sequence(0).empty());
    CHECK(farm::sched::frame_sequence(4, FrameOrder::sequential) == std::vector<int>{0, 1, 2, 3});
    for (int n = 1; n <= 300; ++n) {
        std::vector<int> seq = farm::sched::frame_sequence(n);
        const std::vector<int> rank = farm::sched::frame_ranks(n);
        REQUIRE(seq.size() == static_cast<std::size_t>(n));
        for (int pos = 0; pos < n; ++pos) REQUIRE(rank[static_cast<std::size_t>(seq[pos])] == pos);
        std::sort(seq.begin(), seq.end());
        for (int i = 0; i < n; ++i) REQUIRE(seq[static_cast<std::size_t>(i)] == i);
    }
    // Any prefix of a quarter of the shot has a frame in each quarter of it.
    const std::vector<int> seq = farm::sched::frame_sequence(1000);
    for (int q = 0; q < 4; ++q)
        CHECK(std::any_of(seq.begin(), seq.begin() + 250, [&](int f) { return f / 250 == q; }));
}

TEST_CASE("frame orders parse by name and nothing else", "[sched][order]") {
    FrameOrder o = FrameOrder::interleaved;
    CHECK(farm::sched::parse_frame_order("sequential", o));
    CHECK(o == FrameOrder::sequential);
    CHECK(farm::sched::parse_frame_order("interleaved", o));
    CHECK(o == FrameOrder::interleaved);
    CHECK_FALSE(farm::sched::parse_frame_order("random", o));
    CHECK_FALSE(farm::sched::parse_frame_order("", o));
    CHECK(std::string(farm::sched::to_string(FrameOrder::sequential)) == "sequential");
}
