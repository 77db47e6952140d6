#include "farm_fixture.h"

#include <sys/socket.h>
#include <zstd.h>

#include <OpenImageIO/imageio.h>
#include <catch2/catch.hpp>
#include <algorithm>
#include <fstream>

#include "farm/transfer/sync_client.h"

namespace farm::gateway::test {

namespace fs = std::filesystem;
namespace tr = farm::transfer;

std::string push_settings(std::uint16_t port, const std::string& project,
                          const std::string& render_json) {
    TempDir src;
    std::ofstream(src.path() / "render.json") << render_json;
    std::ofstream(src.path() / "shot.gltf") << "{}";
    tr::PushOptions options;
    options.project = project;
    const auto endpoint = tr::Endpoint::parse("http://127.0.0.1:" + std::to_string(port), "");
    return tr::push(src.path(), endpoint, options).snapshot.hex();
}

namespace {

// Tests that predate probes see exactly the render tasks they submit; probe tests ask.
std::vector<std::string> with_defaults(std::vector<std::string> a) {
    if (std::find(a.begin(), a.end(), "--probes") == a.end()) {
        a.push_back("--probes");
        a.push_back("0");
    }
    return a;
}

}  // namespace

Farm::Farm(std::vector<std::string> a) : args(with_defaults(std::move(a))) {
    GatewayOptions o;
    o.data_dir = tmp.path() / "data";
    o.extra_args = args;
    gateway = std::make_unique<GatewayProcess>(o);
    snapshot = push_settings(gateway->port(), "shot",
                             R"({"scene": "shot.gltf", "frames": [1, 4], "fps": 24,
                                 "resolution": [64, 32], "spp": 4, "max_depth": 4,
                                 "output": "shot.####.exr"})");
}

void Farm::restart(std::vector<std::string> a) {
    gateway->kill_hard();
    GatewayOptions o;
    o.data_dir = tmp.path() / "data";
    o.extra_args = with_defaults(std::move(a));
    gateway = std::make_unique<GatewayProcess>(o);
}

json::object Farm::submit(const std::string& spec) {
    auto res = client().post("/api/v1/jobs", spec);
    INFO(res.body());
    REQUIRE(res.result_int() == 201);
    return json_body(res).as_object();
}

json::object Farm::job(const std::string& id) {
    auto res = client().get("/api/v1/jobs/" + id);
    REQUIRE(res.result_int() == 200);
    return json_body(res).as_object();
}

std::vector<std::string> Farm::task_states(const std::string& id) {
    auto res = client().get("/api/v1/jobs/" + id + "/tasks");
    REQUIRE(res.result_int() == 200);
    std::vector<std::string> out;
    const json::value tasks = json_body(res);  // a range-for would not extend its life
    for (const auto& t : tasks.as_array())
        out.emplace_back(t.as_object().at("state").as_string());
    return out;
}

std::string make_exr(int width, int height, float value) {
    TempDir dir;
    const auto path = (dir.path() / "tile.exr").string();
    auto out = OIIO::ImageOutput::create(path);
    REQUIRE(out);
    OIIO::ImageSpec spec(width, height, 4, OIIO::TypeDesc::FLOAT);
    std::vector<float> pixels(static_cast<std::size_t>(width) * height * 4, value);
    REQUIRE(out->open(path, spec));
    REQUIRE(out->write_image(OIIO::TypeDesc::FLOAT, pixels.data()));
    out->close();
    return read_file(path);
}

std::string zstd_compress(const std::string& data) {
    std::string out(ZSTD_compressBound(data.size()), '\0');
    const auto n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
    REQUIRE_FALSE(ZSTD_isError(n));
    out.resize(n);
    return out;
}

FakeWorker::FakeWorker(std::uint16_t p, std::string site, int gpus, std::string gpu_name,
                       double score)
    : port(p), http(p) {
    json::array g;
    for (int i = 0; i < gpus; ++i) g.push_back(json::object{{"name", gpu_name}, {"memory_bytes", 1 << 30}});
    json::object body{{"name", "fake"}, {"site", site}, {"cpu_cores", 8},
                      {"memory_bytes", 1 << 30}, {"gpus", g}, {"renderer_version", "test"}};
    if (score > 0) body["bench"] = json::object{{"mrays_per_s", score}, {"device", "fake"}};
    auto res = http.post("/api/v1/workers", json::serialize(body));
    INFO(res.body());
    REQUIRE(res.result_int() == 201);
    id = std::string(json_body(res).as_object().at("worker_id").as_string());
}

std::optional<json::object> FakeWorker::lease(double wait_s) {
    auto res = http.post("/api/v1/workers/" + id + "/lease?wait_s=" + std::to_string(wait_s), "{}");
    INFO(res.body());
    if (res.result_int() == 204) return std::nullopt;
    REQUIRE(res.result_int() == 200);
    return json_body(res).as_object();
}

json::object FakeWorker::heartbeat(const std::vector<std::string>& leases, const char* state) {
    json::array list;
    for (const auto& l : leases) list.push_back(json::object{{"lease_id", l}, {"state", state}, {"progress", 0.5}});
    auto res = http.post("/api/v1/workers/" + id + "/heartbeat",
                         json::serialize(json::object{{"leases", list}}));
    INFO(res.body());
    REQUIRE(res.result_int() == 200);
    return json_body(res).as_object();
}

Response FakeWorker::upload(const json::object& lease, bool zstd, double seconds,
                            const std::string& extra_headers) {
    const auto& tile = lease.at("tile").as_array();
    const int w = static_cast<int>(tile[2].to_number<int>() - tile[0].to_number<int>());
    const int h = static_cast<int>(tile[3].to_number<int>() - tile[1].to_number<int>());
    std::string body = make_exr(w, h, 0.5f);
    if (zstd) body = zstd_compress(body);
    std::string req = "PUT /api/v1/leases/" + std::string(lease.at("lease_id").as_string()) +
                      "/result HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/x-exr\r\n" +
                      (zstd ? "Content-Encoding: zstd\r\n" : "") +
                      "X-Farm-Render-Seconds: " + std::to_string(seconds) +
                      "\r\nX-Farm-Device: cpu\r\n" + extra_headers + "X-Farm-Worker: " + id +
                      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    TestClient c(port);
    return c.raw_exchange(req);
}

Response FakeWorker::fail(const std::string& lease, bool retryable) {
    return http.post("/api/v1/leases/" + lease + "/fail",
                     json::serialize(json::object{{"reason", "boom"}, {"retryable", retryable}}));
}

Watcher::Watcher(std::uint16_t port, const std::string& query, int timeout_s)
    : timeout_(timeout_s), ws_(ioc_) {
    boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), port);
    ws_.next_layer().connect(ep);
    ws_.handshake("127.0.0.1", "/api/v1/events" + query);
}

std::optional<json::object> Watcher::next() {
    // Asio's blocking reads ignore SO_RCVTIMEO, so the read runs async with a deadline.
    boost::beast::flat_buffer buf;
    boost::beast::error_code ec;
    bool done = false;
    ws_.async_read(buf, [&](boost::beast::error_code e, std::size_t) {
        ec = e;
        done = true;
    });
    ioc_.restart();
    ioc_.run_for(timeout_);
    if (!done) {
        boost::beast::error_code ignored;
        ws_.next_layer().cancel(ignored);
        ioc_.restart();
        ioc_.run_for(std::chrono::seconds(2));
        return std::nullopt;
    }
    if (ec) return std::nullopt;
    return json::parse(boost::beast::buffers_to_string(buf.data())).as_object();
}

void Watcher::send(const std::string& text) {
    ws_.text(true);
    ws_.write(boost::asio::buffer(text));
}

}  // namespace farm::gateway::test
