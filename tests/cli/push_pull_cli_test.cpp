// `farm push`, `farm pull` and `farm ls` as a studio runs them, against a real gateway
// process on loopback.
#include <signal.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "gateway_process.h"
#include "run_process.h"
#include "test_tree.h"

namespace fs = std::filesystem;
using farm::gateway::test::GatewayProcess;
using farm::test::run_process;

namespace {

struct Farm {
    farm::test::TempDir work;
    GatewayProcess gateway{{work / "gateway"}};
    std::string url() const { return "http://127.0.0.1:" + std::to_string(gateway.port()); }

    farm::test::ProcessResult farm(std::vector<std::string> args) {
        args.insert(args.begin(), FARM_CLI_BIN);
        args.push_back("--gateway");
        args.push_back(url());
        return run_process(args);
    }
    boost::json::object push_json(const fs::path& dir, const std::string& project,
                                  const std::string& cache) {
        auto r = farm({"push", dir.string(), "--project", project, "--json", "--cache", cache});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        return boost::json::parse(r.out).as_object();
    }
    std::size_t stored_chunks() {
        std::size_t n = 0;
        fs::path chunks = work / "gateway" / "store" / "default" / "chunks";
        if (!fs::exists(chunks)) return 0;
        for (const auto& bucket : fs::directory_iterator(chunks)) {
            for ([[maybe_unused]] const auto& f : fs::directory_iterator(bucket)) ++n;
        }
        return n;
    }
};

std::uint64_t num(const boost::json::object& o, const char* key) {
    return o.at(key).to_number<std::uint64_t>();
}

}  // namespace

TEST_CASE("push then pull reproduces a random tree byte for byte", "[cli]") {
    Farm f;
    fs::path src = f.work / "src";
    farm::test::make_random_tree(src, 77);
    auto first = f.push_json(src, "shot", (f.work / "cache").string());
    CHECK(num(first, "new_chunks") == num(first, "unique_chunks"));

    auto pulled = f.farm({"pull", "shot", (f.work / "out").string(), "--cache",
                          (f.work / "pull-cache").string(), "-q"});
    INFO(pulled.err);
    REQUIRE(pulled.exit_code == 0);
    std::string why;
    CHECK(farm::test::same_tree(src, f.work / "out", why));
    INFO(why);

    auto ls = f.farm({"ls"});
    CHECK(ls.exit_code == 0);
    CHECK_THAT(ls.out, Catch::Contains("shot"));
    std::string snap = std::string(first.at("snapshot").as_string());
    auto files = f.farm({"ls", "shot@" + snap.substr(0, 12)});
    CHECK(files.exit_code == 0);
    CHECK_THAT(files.out, Catch::Contains("link_to_dir0 -> dir0"));
}

TEST_CASE("a re-push sends only what changed", "[cli]") {
    Farm f;
    fs::path src = f.work / "src";
    fs::create_directories(src);
    farm::test::write_bytes(src / "big.bin", farm::test::random_bytes(8u << 20, 1));
    farm::test::write_bytes(src / "small.txt", farm::transfer::Bytes(1000, 'a'));
    std::string cache = (f.work / "cache").string();
    auto first = f.push_json(src, "p", cache);

    auto same = f.push_json(src, "p", cache);
    CHECK(num(same, "new_chunks") == 0);
    CHECK(num(same, "bytes_read") == 0);  // nothing re-read: stats match the parent
    CHECK(num(same, "bytes_sent") < 4096);
    CHECK(same.at("snapshot") == first.at("snapshot"));

    // Insert 4 KiB in the middle of the big file: a chunk or two travel, not 8 MiB.
    auto big = farm::test::read_bytes(src / "big.bin");
    auto insert = farm::test::random_bytes(4096, 2);
    big.insert(big.begin() + big.size() / 2, insert.begin(), insert.end());
    farm::test::write_bytes(src / "big.bin", big);
    auto edited = f.push_json(src, "p", cache);
    CHECK(num(edited, "new_chunks") >= 1);
    CHECK(num(edited, "new_chunks") <= 3);
    CHECK(num(edited, "bytes_sent") < 3u << 20);
    CHECK(edited.at("parent") == first.at("snapshot"));
}

TEST_CASE("an interrupted push, run again, sends only what is still missing", "[cli]") {
    Farm f;
    fs::path src = f.work / "src";
    fs::create_directories(src);
    for (int i = 0; i < 6; ++i) {
        farm::test::write_bytes(src / ("tex" + std::to_string(i) + ".bin"),
                                farm::test::random_bytes(8u << 20, 100 + i));
    }
    // A capped rate spreads the upload over seconds, so the kill lands mid-way.
    pid_t pid = farm::test::spawn_process(
        {FARM_CLI_BIN, "push", src.string(), "--project", "p", "--json", "--cache", "none",
         "--bwlimit", "12", "--connections", "2", "--gateway", f.url()},
        (f.work / "push1").string());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (f.stored_chunks() == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    std::size_t landed = f.stored_chunks();
    REQUIRE(landed > 0);

    auto second = f.push_json(src, "p", "none");
    INFO("landed before the kill: " << landed);
    CHECK(num(second, "new_chunks") + landed == num(second, "unique_chunks"));
    CHECK(num(second, "new_chunks") < num(second, "unique_chunks"));

    auto pulled = f.farm({"pull", "p", (f.work / "out").string(), "--cache", "none", "-q"});
    REQUIRE(pulled.exit_code == 0);
    std::string why;
    CHECK(farm::test::same_tree(src, f.work / "out", why));
}

TEST_CASE("bad invocations fail with a clear message", "[cli][bad-input]") {
    Farm f;
    auto bad_project = f.farm({"push", f.work.path().string(), "--project", "../evil"});
    CHECK(bad_project.exit_code != 0);
    CHECK_THAT(bad_project.err, Catch::Contains("project name"));
    auto missing = f.farm({"pull", "nothing-here", (f.work / "o").string()});
    CHECK(missing.exit_code != 0);
    CHECK_THAT(missing.err, Catch::Contains("404"));
    fs::create_directories(f.work / "full");
    farm::test::write_bytes(f.work / "full" / "x", farm::transfer::Bytes(1, 'x'));
    auto src = f.work / "s";
    fs::create_directories(src);
    farm::test::write_bytes(src / "a", farm::transfer::Bytes(10, 'a'));
    f.push_json(src, "q", "none");
    auto into_full = f.farm({"pull", "q", (f.work / "full").string()});
    CHECK(into_full.exit_code != 0);
    CHECK_THAT(into_full.err, Catch::Contains("not an empty folder"));
    auto unreachable = run_process({FARM_CLI_BIN, "ls", "--gateway", "http://127.0.0.1:1"});
    CHECK(unreachable.exit_code != 0);
    CHECK_THAT(unreachable.err, Catch::Contains("cannot connect"));
}
