#include "farm/gateway/stitcher.h"

namespace farm::gateway {

std::vector<TileRect> tile_grid(int width, int height, int tiles_x, int tiles_y) {
    if (width < 1 || height < 1)
        throw StitchError("frame size " + std::to_string(width) + "x" +
                          std::to_string(height) + " is empty");
    // More tiles than pixels would make empty tiles, which no renderer can produce.
    if (tiles_x < 1 || tiles_y < 1 || tiles_x > width || tiles_y > height)
        throw StitchError("a " + std::to_string(tiles_x) + "x" + std::to_string(tiles_y) +
                          " tile grid does not fit a " + std::to_string(width) + "x" +
                          std::to_string(height) + " frame");
    // 64-bit products: 8K frames times a few thousand tiles overflow int.
    auto edge = [](int size, int i, int n) {
        return static_cast<int>(static_cast<long long>(size) * i / n);
    };
    std::vector<TileRect> grid;
    grid.reserve(static_cast<std::size_t>(tiles_x) * tiles_y);
    for (int j = 0; j < tiles_y; ++j)
        for (int i = 0; i < tiles_x; ++i)
            grid.push_back({edge(width, i, tiles_x), edge(height, j, tiles_y),
                            edge(width, i + 1, tiles_x), edge(height, j + 1, tiles_y)});
    return grid;
}

}  // namespace farm::gateway
