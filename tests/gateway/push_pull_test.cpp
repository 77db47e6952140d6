// The transfer library's own client (farm push / farm pull) against the real gateway:
// several keep-alive connections at once, packs, the manifest committed last, and a pull
// that materializes the same tree. This is the path studios use every day.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <random>

#include "farm/transfer/error.h"
#include "farm/transfer/sync_client.h"
#include "gateway_process.h"
#include "test_client.h"

using namespace farm::gateway::test;
namespace fs = std::filesystem;
namespace tr = farm::transfer;

namespace {

void write_file(const fs::path& path, const std::string& bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
}

std::string random_bytes(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::string out(n, '\0');
    for (char& c : out) c = static_cast<char>(rng());
    return out;
}

// Relative path -> "file:<bytes>", "dir" or "link:<target>".
std::map<std::string, std::string> tree_of(const fs::path& root) {
    std::map<std::string, std::string> tree;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        const std::string rel = fs::relative(entry.path(), root).generic_string();
        if (entry.is_symlink()) {
            tree[rel] = "link:" + fs::read_symlink(entry.path()).string();
        } else if (entry.is_directory()) {
            tree[rel] = "dir";
        } else {
            tree[rel] = "file:" + read_file(entry.path());
        }
    }
    return tree;
}

}  // namespace

TEST_CASE("farm push and pull through the gateway reproduce the tree",
          "[gateway][push]") {
    TempDir tmp;
    const fs::path src = tmp.path() / "project";
    std::string text;
    for (int i = 0; i < 20000; ++i) text += "v " + std::to_string(i * 0.25) + " 0 1\n";
    write_file(src / "scene" / "shot010.usda", text);
    write_file(src / "tex" / "noise.bin", random_bytes(3u << 20, 5));
    write_file(src / "empty.txt", "");
    fs::create_directories(src / "cache" / "empty-dir");
    fs::create_symlink("noise.bin", src / "tex" / "latest");

    GatewayOptions options;
    options.data_dir = tmp.path() / "data";
    options.tokens_file = tmp.path() / "tokens.json";
    std::ofstream(options.tokens_file) << R"({"tok": "studio"})";
    GatewayProcess gateway(options);
    const auto endpoint =
        tr::Endpoint::parse("http://127.0.0.1:" + std::to_string(gateway.port()), "tok");

    tr::PushOptions push_options;
    push_options.project = "film";
    push_options.connections = 4;
    push_options.chunker = {4096, 16384,
                            65536};  // many chunks, so many packs and requests
    push_options.batch_bytes = 256 * 1024;
    const auto first = tr::push(src, endpoint, push_options);
    CHECK(first.new_chunks > 0);

    auto projects = tr::list_projects(endpoint);
    REQUIRE(projects.size() == 1);
    CHECK(projects[0].name == "film");
    CHECK(projects[0].latest == first.snapshot);

    const fs::path dest = tmp.path() / "pulled";
    const auto pulled = tr::pull(endpoint, "film", dest, {});
    CHECK(pulled.snapshot == first.snapshot);
    CHECK(tree_of(dest) == tree_of(src));

    // Unchanged tree: every chunk is already there, nothing new goes up.
    const auto again = tr::push(src, endpoint, push_options);
    CHECK(again.new_chunks == 0);

    // Another tenant's token sees nothing; a wrong token is refused.
    CHECK_THROWS_AS(tr::list_projects(tr::Endpoint::parse(
                        "127.0.0.1:" + std::to_string(gateway.port()), "nope")),
                    tr::Error);
}
