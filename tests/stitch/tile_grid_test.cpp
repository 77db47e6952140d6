// tile_grid: every pixel in exactly one tile, row by row, edges at W*i/tiles_x.
#include <catch2/catch.hpp>
#include <vector>

#include "farm/gateway/stitcher.h"

using farm::gateway::StitchError;
using farm::gateway::tile_grid;
using farm::gateway::TileRect;

namespace {
void check_exact_cover(int w, int h, int tx, int ty) {
    INFO(w << "x" << h << " in " << tx << "x" << ty);
    const std::vector<TileRect> grid = tile_grid(w, h, tx, ty);
    REQUIRE(grid.size() == static_cast<std::size_t>(tx) * ty);
    std::vector<int> hits(static_cast<std::size_t>(w) * h, 0);
    for (std::size_t k = 0; k < grid.size(); ++k) {
        const TileRect& t = grid[k];
        const int i = static_cast<int>(k) % tx,
                  j = static_cast<int>(k) / tx;  // row by row
        CHECK(t.x0 == w * i / tx);
        CHECK(t.y0 == h * j / ty);
        CHECK(t.x1 > t.x0);
        CHECK(t.y1 > t.y0);
        for (int y = t.y0; y < t.y1; ++y)
            for (int x = t.x0; x < t.x1; ++x) ++hits[static_cast<std::size_t>(y) * w + x];
    }
    CHECK(std::count(hits.begin(), hits.end(), 1) == static_cast<long>(hits.size()));
}
}  // namespace

TEST_CASE("tile_grid covers the frame exactly", "[stitch][grid]") {
    check_exact_cover(1, 1, 1, 1);
    check_exact_cover(37, 23, 3, 2);
    check_exact_cover(48, 36, 3, 2);
    check_exact_cover(641, 359, 4, 4);
    check_exact_cover(5, 3, 5, 3);  // one pixel per tile
    check_exact_cover(1920, 1080, 7, 5);
    CHECK(tile_grid(1, 1, 1, 1) == std::vector<TileRect>{{0, 0, 1, 1}});
    CHECK(tile_grid(5, 4, 3, 2) == std::vector<TileRect>{{0, 0, 1, 2},
                                                         {1, 0, 3, 2},
                                                         {3, 0, 5, 2},
                                                         {0, 2, 1, 4},
                                                         {1, 2, 3, 4},
                                                         {3, 2, 5, 4}});
}

TEST_CASE("tile_grid refuses grids that would make empty tiles", "[stitch][grid]") {
    CHECK_THROWS_AS(tile_grid(0, 10, 1, 1), StitchError);
    CHECK_THROWS_AS(tile_grid(10, 10, 0, 1), StitchError);
    CHECK_THROWS_AS(tile_grid(10, 10, 1, -2), StitchError);
    CHECK_THROWS_AS(tile_grid(4, 4, 5, 1), StitchError);
}

TEST_CASE("tile_grid does not overflow on wide frames with many tiles",
          "[stitch][grid]") {
    const auto grid = tile_grid(100000, 1, 30000, 1);  // 100000 * 29999 > INT_MAX
    REQUIRE(grid.size() == 30000);
    CHECK(grid[29999].x0 == 99996);
    CHECK(grid.back().x1 == 100000);
}
