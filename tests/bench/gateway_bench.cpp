// Gateway benchmark (issue 4): starts the real farm-gateway on loopback with a temp data
// dir and measures (1) lease round trips per second with 200 simulated workers (lease with
// wait_s=0, then fail retryable), (2) WebSocket fan-out of job events to 1,000 watchers,
// (3) gateway overhead per frame (result PUT to the stitched frame's `frame` event).
// Usage: farm-bench-gateway --gateway build/gateway/farm-gateway --cli build/cli/farm
//          --render build/worker/farm-render [--scene scenes/samples/tiny] [--window 10]
// Prints a table and one `BENCH key=value ...` line per figure. Bounded (< 3 minutes).
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace fs = std::filesystem;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// The gateway's pid, so a signal to the bench still ends it.
volatile sig_atomic_t g_gateway_pid = -1;
extern "C" void on_signal(int sig) {
    if (g_gateway_pid > 0) kill(g_gateway_pid, SIGKILL);
    _exit(128 + sig);
}

double ms_since(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

double pct(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
    return v[i];
}

// Value of a JSON string field ("key": "value") by plain text search; enough for the
// gateway's compact replies.
std::string json_str(const std::string& body, const std::string& key) {
    const std::string k = "\"" + key + "\":";
    auto p = body.find(k);
    if (p == std::string::npos) return {};
    p = body.find('"', p + k.size());
    if (p == std::string::npos) return {};
    const auto e = body.find('"', p + 1);
    if (e == std::string::npos) return {};
    return body.substr(p + 1, e - p - 1);
}

long json_num(const std::string& body, const std::string& key) {
    const std::string k = "\"" + key + "\":";
    auto p = body.find(k);
    if (p == std::string::npos) return -1;
    p += k.size();
    while (p < body.size() && body[p] == ' ') ++p;
    return std::strtol(body.c_str() + p, nullptr, 10);
}

// One keep-alive HTTP/1.1 connection, synchronous.
class Client {
public:
    explicit Client(unsigned short port) : port_(port) {}

    struct Reply {
        unsigned status = 0;
        std::string body;
    };

    Reply request(http::verb verb, const std::string& target, std::string body = {},
                  const std::string& type = "application/json",
                  const std::vector<std::pair<std::string, std::string>>& headers = {}) {
        for (int attempt = 0; attempt < 2; ++attempt) {
            try {
                if (!sock_) connect();
                http::request<http::string_body> req{verb, target, 11};
                req.set(http::field::host, "127.0.0.1");
                req.keep_alive(true);
                for (const auto& [k, v] : headers) req.set(k, v);
                if (!body.empty() || verb == http::verb::post || verb == http::verb::put) {
                    req.set(http::field::content_type, type);
                    req.body() = body;
                }
                req.prepare_payload();
                http::write(*sock_, req);
                http::response_parser<http::string_body> parser;
                parser.body_limit(1ull << 30);
                http::read(*sock_, buf_, parser);
                auto res = parser.release();
                Reply r{res.result_int(), std::move(res.body())};
                if (!res.keep_alive()) sock_.reset();
                return r;
            } catch (const std::exception&) {
                sock_.reset();
                buf_.clear();
                if (attempt == 1) throw;
            }
        }
        return {};
    }

private:
    void connect() {
        sock_ = std::make_unique<tcp::socket>(ioc_);
        sock_->connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
        sock_->set_option(tcp::no_delay(true));
    }
    unsigned short port_;
    net::io_context ioc_;
    std::unique_ptr<tcp::socket> sock_;
    beast::flat_buffer buf_;
};

// The gateway child process and its temp dir; cleaned up on destruction.
struct Gateway {
    pid_t pid = -1;
    fs::path dir;
    unsigned short port = 0;

    Gateway(const std::string& binary, int max_attempts) {
        try {
            start(binary, max_attempts);
        } catch (...) {
            cleanup();
            throw;
        }
    }
    ~Gateway() { cleanup(); }

    void start(const std::string& binary, int max_attempts) {
        char tmpl[] = "/tmp/farm-bench-gateway-XXXXXX";
        if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        dir = tmpl;
        const fs::path data = dir / "data";
        const fs::path port_file = dir / "port";
        fs::create_directories(data);
        const std::string ma = std::to_string(max_attempts);
        pid = fork();
        if (pid == 0) {
            const std::string log = (dir / "gateway.log").string();
            FILE* f = std::freopen(log.c_str(), "w", stdout);
            (void)f;
            dup2(fileno(stdout), 2);
            execl(binary.c_str(), binary.c_str(), "--listen", "127.0.0.1:0", "--data", data.c_str(),
                  "--port-file", port_file.c_str(), "--lease-timeout", "30", "--max-attempts", ma.c_str(),
                  static_cast<char*>(nullptr));
            _exit(127);
        }
        g_gateway_pid = pid;
        const auto deadline = Clock::now() + std::chrono::seconds(20);
        while (Clock::now() < deadline) {
            std::ifstream in(port_file);
            unsigned p = 0;
            if (in >> p && p > 0) {
                port = static_cast<unsigned short>(p);
                return;
            }
            int st = 0;
            if (waitpid(pid, &st, WNOHANG) == pid) {
                pid = -1;
                std::ifstream log(dir / "gateway.log");
                const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
                throw std::runtime_error("gateway exited at start: " + text);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        throw std::runtime_error("gateway did not write its port file");
    }
    void cleanup() {
        if (pid > 0) {
            kill(pid, SIGTERM);
            int st = 0;
            for (int i = 0; i < 100 && waitpid(pid, &st, WNOHANG) == 0; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            if (waitpid(pid, &st, WNOHANG) == 0) {
                kill(pid, SIGKILL);
                waitpid(pid, &st, 0);
            }
        }
        pid = -1;
        std::error_code ec;
        if (!dir.empty()) fs::remove_all(dir, ec);
        dir.clear();
    }
};

int run_cmd(const std::vector<std::string>& argv) {
    pid_t pid = fork();
    if (pid == 0) {
        std::vector<char*> a;
        for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
        a.push_back(nullptr);
        execv(a[0], a.data());
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

std::string register_worker(Client& c, int i, const std::string& site) {
    const std::string body = "{\"name\":\"bench-" + std::to_string(i) + "\",\"site\":\"" + site +
                             "\",\"cpu_cores\":8,\"memory_bytes\":17179869184,\"gpus\":[],"
                             "\"renderer_version\":\"bench\",\"slots\":1}";
    auto r = c.request(http::verb::post, "/api/v1/workers", body);
    if (r.status != 201) throw std::runtime_error("register: " + std::to_string(r.status) + " " + r.body);
    return json_str(r.body, "worker_id");
}

std::string submit(Client& c, const std::string& body) {
    auto r = c.request(http::verb::post, "/api/v1/jobs", body);
    if (r.status != 201) throw std::runtime_error("submit: " + std::to_string(r.status) + " " + r.body);
    return json_str(r.body, "id");
}

void bench_line(const std::string& s) { std::cout << "BENCH " << s << std::endl; }

struct Table {
    std::vector<std::array<std::string, 3>> rows;
    void add(std::string a, double v, std::string unit) {
        char b[64];
        std::snprintf(b, sizeof b, "%.3f", v);
        rows.push_back({std::move(a), b, std::move(unit)});
    }
    void print() const {
        std::printf("\n%-48s %14s  %s\n", "figure", "value", "unit");
        for (const auto& r : rows) std::printf("%-48s %14s  %s\n", r[0].c_str(), r[1].c_str(), r[2].c_str());
    }
};

// ---- 1: lease round trips --------------------------------------------------------------
void bench_leases(Gateway& gw, Table& table, double window_s) {
    constexpr int kWorkers = 200;
    Client c(gw.port);
    std::vector<std::string> ids;
    for (int i = 0; i < kWorkers; ++i) ids.push_back(register_worker(c, i, i % 2 ? "frankfurt" : "virginia"));
    const std::string job_body =
        "{\"project\":\"tiny\",\"frames\":[1,24],\"split\":{\"tiles_x\":8,\"tiles_y\":8},"
        "\"overrides\":{\"width\":64,\"height\":64},\"name\":\"lease-bench\"}";
    std::vector<std::string> jobs;
    const auto s0 = Clock::now();
    for (int j = 0; j < 2; ++j) jobs.push_back(submit(c, job_body));
    const double submit_ms = ms_since(s0, Clock::now()) / static_cast<double>(jobs.size());
    std::printf("lease bench: %d workers, %zu jobs x 1536 tasks (submit %.1f ms/job)\n", kWorkers,
                jobs.size(), submit_ms);

    std::atomic<bool> go{false}, stop{false};
    std::atomic<long> trips{0}, empty{0}, errors{0};
    std::vector<std::vector<double>> lat(kWorkers);
    std::vector<std::thread> threads;
    for (int i = 0; i < kWorkers; ++i) {
        threads.emplace_back([&, i] {
            Client w(gw.port);
            const std::string lease_target = "/api/v1/workers/" + ids[i] + "/lease?wait_s=0";
            while (!go.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            while (!stop.load()) {
                try {
                    const auto t0 = Clock::now();
                    auto r = w.request(http::verb::post, lease_target);
                    if (r.status == 204) {
                        empty.fetch_add(1);
                        std::this_thread::sleep_for(std::chrono::milliseconds(5));
                        continue;
                    }
                    if (r.status != 200) {
                        errors.fetch_add(1);
                        continue;
                    }
                    const std::string lease = json_str(r.body, "lease_id");
                    auto f = w.request(http::verb::post, "/api/v1/leases/" + lease + "/fail",
                                       "{\"reason\":\"bench\",\"retryable\":true}");
                    if (f.status != 200) {
                        errors.fetch_add(1);
                        continue;
                    }
                    const auto t1 = Clock::now();
                    if (!stop.load()) {
                        trips.fetch_add(1);
                        lat[i].push_back(ms_since(t0, t1));
                    }
                } catch (const std::exception&) {
                    errors.fetch_add(1);
                    std::this_thread::sleep_for(std::chrono::milliseconds(10));
                }
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto t0 = Clock::now();
    go = true;
    std::this_thread::sleep_for(std::chrono::duration<double>(window_s));
    stop = true;
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    for (auto& t : threads) t.join();
    std::vector<double> all;
    for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
    const double rate = static_cast<double>(trips.load()) / secs;
    const double med = pct(all, 0.5), p99 = pct(all, 0.99);
    table.add("lease round trips/s (200 workers, lease+fail)", rate, "trips/s");
    table.add("lease round trip median", med, "ms");
    table.add("lease round trip p99", p99, "ms");
    char b[512];
    std::snprintf(b, sizeof b,
                  "name=lease_round_trips workers=%d window_s=%.1f trips=%ld trips_per_s=%.1f median_ms=%.3f "
                  "p99_ms=%.3f empty_polls=%ld errors=%ld",
                  kWorkers, secs, trips.load(), rate, med, p99, empty.load(), errors.load());
    bench_line(b);
    const auto k0 = Clock::now();
    for (const auto& j : jobs) c.request(http::verb::post, "/api/v1/jobs/" + j + "/cancel");
    std::printf("lease bench: canceled its jobs in %.2f s\n", std::chrono::duration<double>(Clock::now() - k0).count());
}

// ---- 2: WebSocket fan-out ----------------------------------------------------------------
struct Watcher : std::enable_shared_from_this<Watcher> {
    websocket::stream<tcp::socket> ws;
    beast::flat_buffer buf;
    int job_events = 0;
    std::vector<std::atomic<int>>* seen;
    std::vector<Clock::time_point>* last;
    std::mutex* mu;
    std::atomic<long>* delivered;
    int n_watchers;
    explicit Watcher(net::io_context& ioc) : ws(ioc) {}
    void read() {
        ws.async_read(buf, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return;
            const std::string msg = beast::buffers_to_string(self->buf.data());
            self->buf.consume(self->buf.size());
            self->delivered->fetch_add(1);
            if (msg.find("\"type\":\"job\"") != std::string::npos) {
                const int k = self->job_events++;
                if (k < static_cast<int>(self->seen->size())) {
                    const auto now = Clock::now();
                    if ((*self->seen)[k].fetch_add(1) + 1 == self->n_watchers) {
                        std::lock_guard lk(*self->mu);
                        (*self->last)[k] = now;
                    }
                }
            }
            self->read();
        });
    }
};

void bench_fanout(Gateway& gw, Table& table) {
    constexpr int kWatchers = 1000;
    constexpr int kSeq = 100;    // sequential triggers: latency
    constexpr int kBurst = 200;  // back-to-back triggers: throughput
    Client c(gw.port);
    const std::string job = submit(c, "{\"project\":\"tiny\",\"frames\":[1,2],\"overrides\":{\"width\":64,"
                                      "\"height\":64},\"name\":\"fanout-bench\"}");
    net::io_context ioc;
    std::vector<std::atomic<int>> seen(kSeq + kBurst);
    std::vector<Clock::time_point> last(kSeq + kBurst);
    std::mutex mu;
    std::atomic<long> delivered{0};
    std::vector<std::shared_ptr<Watcher>> ws;
    const auto c0 = Clock::now();
    const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), gw.port);
    for (int i = 0; i < kWatchers; ++i) {
        auto w = std::make_shared<Watcher>(ioc);
        w->seen = &seen;
        w->last = &last;
        w->mu = &mu;
        w->delivered = &delivered;
        w->n_watchers = kWatchers;
        w->ws.next_layer().connect(ep);
        w->ws.handshake("127.0.0.1", "/api/v1/events?job=" + job);
        ws.push_back(w);
    }
    const double connect_s = std::chrono::duration<double>(Clock::now() - c0).count();
    for (auto& w : ws) w->read();
    auto guard = net::make_work_guard(ioc);
    std::vector<std::thread> io;
    for (int i = 0; i < 2; ++i) io.emplace_back([&] { ioc.run(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    delivered = 0;

    auto wait_all = [&](int k, double timeout_s) {
        const auto dl = Clock::now() + std::chrono::duration<double>(timeout_s);
        while (seen[k].load() < kWatchers && Clock::now() < dl) std::this_thread::sleep_for(std::chrono::microseconds(100));
        return seen[k].load() >= kWatchers;
    };
    std::vector<double> lat;
    int timeouts = 0;
    for (int k = 0; k < kSeq; ++k) {
        const auto t0 = Clock::now();
        auto r = c.request(http::verb::post, "/api/v1/jobs/" + job + (k % 2 ? "/resume" : "/pause"));
        if (r.status != 200) throw std::runtime_error("pause/resume: " + std::to_string(r.status) + " " + r.body);
        if (!wait_all(k, 5)) {
            ++timeouts;
            continue;
        }
        std::lock_guard lk(mu);
        lat.push_back(ms_since(t0, last[k]));
    }
    // Burst: triggers back to back; deliveries per second over the burst.
    const long d0 = delivered.load();
    const auto b0 = Clock::now();
    for (int k = kSeq; k < kSeq + kBurst; ++k)
        c.request(http::verb::post, "/api/v1/jobs/" + job + (k % 2 ? "/resume" : "/pause"));
    const bool ok = wait_all(kSeq + kBurst - 1, 30);
    Clock::time_point bend;
    {
        std::lock_guard lk(mu);
        bend = ok ? last[kSeq + kBurst - 1] : Clock::now();
    }
    const double burst_s = std::chrono::duration<double>(bend - b0).count();
    const long burst_delivered = delivered.load() - d0;
    const double rate = static_cast<double>(burst_delivered) / burst_s;
    guard.reset();
    for (auto& w : ws) {
        beast::error_code ec;
        w->ws.next_layer().shutdown(tcp::socket::shutdown_both, ec);
        w->ws.next_layer().close(ec);
    }
    ioc.stop();
    for (auto& t : io) t.join();
    const double med = pct(lat, 0.5), p99 = pct(lat, 0.99);
    table.add("ws fan-out deliveries/s (1000 watchers, burst)", rate, "msgs/s");
    table.add("ws fan-out events/s to all watchers", static_cast<double>(kBurst) / burst_s, "events/s");
    table.add("ws trigger -> last watcher median", med, "ms");
    table.add("ws trigger -> last watcher p99", p99, "ms");
    char b[512];
    std::snprintf(b, sizeof b,
                  "name=ws_fanout watchers=%d connect_s=%.2f seq_events=%d timeouts=%d median_ms=%.3f p99_ms=%.3f "
                  "burst_events=%d burst_s=%.3f burst_complete=%d deliveries=%ld deliveries_per_s=%.0f "
                  "events_per_s=%.1f",
                  kWatchers, connect_s, kSeq, timeouts, med, p99, kBurst, burst_s, ok ? 1 : 0, burst_delivered,
                  rate, static_cast<double>(kBurst) / burst_s);
    bench_line(b);
    c.request(http::verb::post, "/api/v1/jobs/" + job + "/cancel");
}

// ---- 3: per-frame overhead ---------------------------------------------------------------
void bench_frames(Gateway& gw, Table& table, const std::string& exr_path) {
    constexpr int kFrames = 50;
    std::ifstream in(exr_path, std::ios::binary);
    const std::string exr((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (exr.empty()) throw std::runtime_error("empty EXR " + exr_path);
    Client c(gw.port);
    const std::string wid = register_worker(c, 9999, "virginia");
    const std::string job = submit(c, "{\"project\":\"tiny\",\"frames\":[1," + std::to_string(kFrames) +
                                          "],\"split\":{\"tiles_x\":1,\"tiles_y\":1},\"overrides\":{\"width\":64,"
                                          "\"height\":64},\"priority\":100,\"name\":\"frame-bench\"}");
    // A watcher thread: frame number -> arrival time of its `frame` event.
    std::mutex mu;
    std::condition_variable cv;
    std::map<long, Clock::time_point> arrived;
    std::map<long, std::string> exr_name;
    net::io_context ioc;
    websocket::stream<tcp::socket> ws(ioc);
    ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), gw.port));
    ws.handshake("127.0.0.1", "/api/v1/events?job=" + job);
    std::thread reader([&] {
        beast::flat_buffer buf;
        for (;;) {
            beast::error_code ec;
            ws.read(buf, ec);
            if (ec) return;
            const auto now = Clock::now();
            const std::string msg = beast::buffers_to_string(buf.data());
            buf.consume(buf.size());
            if (msg.find("\"type\":\"frame\"") == std::string::npos) continue;
            std::lock_guard lk(mu);
            const long f = json_num(msg, "frame");
            arrived[f] = now;
            exr_name[f] = json_str(msg, "exr");
            cv.notify_all();
        }
    });
    std::vector<double> put_ms, event_ms;
    int missing = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(45);
    for (int i = 0; i < kFrames && Clock::now() < deadline; ++i) {
        auto r = c.request(http::verb::post, "/api/v1/workers/" + wid + "/lease?wait_s=2");
        if (r.status != 200) {
            std::printf("frame bench: lease answered %u after %d frames\n", r.status, i);
            break;
        }
        const std::string lease = json_str(r.body, "lease_id");
        const long frame = json_num(r.body, "frame");
        const auto t0 = Clock::now();
        auto p = c.request(http::verb::put, "/api/v1/leases/" + lease + "/result", exr, "image/x-exr",
                           {{"X-Farm-Worker", wid}, {"X-Farm-Render-Seconds", "0.1"}, {"X-Farm-Device", "cpu"}});
        const auto t1 = Clock::now();
        if (p.status != 200) throw std::runtime_error("result: " + std::to_string(p.status) + " " + p.body);
        put_ms.push_back(ms_since(t0, t1));
        std::unique_lock lk(mu);
        if (!cv.wait_for(lk, std::chrono::seconds(3), [&] { return arrived.count(frame) > 0; })) {
            ++missing;
            continue;
        }
        event_ms.push_back(ms_since(t0, arrived[frame]));
        if (i == 0) {
            const fs::path out = gw.dir / "data" / "output" / job / exr_name[frame];
            if (!fs::exists(out)) std::printf("warning: %s not on disk at the frame event\n", out.c_str());
        }
    }
    beast::error_code ec;
    ws.next_layer().shutdown(tcp::socket::shutdown_both, ec);
    reader.join();
    ws.next_layer().close(ec);
    const double pm = pct(put_ms, 0.5), em = pct(event_ms, 0.5), ep99 = pct(event_ms, 0.99);
    table.add("result PUT latency median (64x64 EXR)", pm, "ms");
    table.add("result arrival -> frame event median", em, "ms");
    table.add("result arrival -> frame event p99", ep99, "ms");
    char b[512];
    std::snprintf(b, sizeof b,
                  "name=frame_overhead frames=%zu exr_bytes=%zu put_median_ms=%.3f put_p99_ms=%.3f "
                  "event_median_ms=%.3f event_p99_ms=%.3f missing=%d",
                  event_ms.size(), exr.size(), pm, pct(put_ms, 0.99), em, ep99, missing);
    bench_line(b);
}

}  // namespace

int main(int argc, char** argv) {
    std::string gateway, cli, render, scene = "scenes/samples/tiny";
    double window = 10;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--gateway") gateway = argv[i + 1];
        else if (a == "--cli") cli = argv[i + 1];
        else if (a == "--render") render = argv[i + 1];
        else if (a == "--scene") scene = argv[i + 1];
        else if (a == "--window") window = std::stod(argv[i + 1]);
        else {
            std::cerr << "unknown option " << a << "\n";
            return 2;
        }
    }
    if (gateway.empty() || cli.empty() || render.empty()) {
        std::cerr << "usage: farm-bench-gateway --gateway PATH --cli PATH --render PATH [--scene DIR] "
                     "[--window S]\n";
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < 8192) {
        rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, 8192);
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    const auto start = Clock::now();
    try {
        Gateway gw(fs::absolute(gateway).string(), 100);
        const std::string url = "http://127.0.0.1:" + std::to_string(gw.port);
        std::printf("gateway pid %d on %s, data %s\n", gw.pid, url.c_str(), gw.dir.c_str());
        if (run_cmd({fs::absolute(cli).string(), "push", scene, "--project", "tiny", "--cache", "none", "-q",
                     "--gateway", url}) != 0)
            throw std::runtime_error("farm push failed");
        const std::string exr = (gw.dir / "tile.exr").string();
        if (run_cmd({fs::absolute(render).string(), scene, "--frame", "1", "--res", "64x64", "--spp", "1", "-o",
                     exr}) != 0)
            throw std::runtime_error("farm-render failed");
        Table table;
        bench_leases(gw, table, window);
        std::printf("phase 1 done at %.1f s\n", std::chrono::duration<double>(Clock::now() - start).count());
        bench_fanout(gw, table);
        std::printf("phase 2 done at %.1f s\n", std::chrono::duration<double>(Clock::now() - start).count());
        bench_frames(gw, table, exr);
        table.print();
    } catch (const std::exception& e) {
        std::cerr << "farm-bench-gateway: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
