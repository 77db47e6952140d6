#include "watch.h"

#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "farm/transfer/error.h"
#include "progress.h"

namespace farm::cli {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = boost::asio::ip::tcp;

namespace {

std::string s(const json::object& o, const char* key) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) return "";
    if (it->value().is_string()) return std::string(it->value().as_string());
    return json::serialize(it->value());
}
double n(const json::object& o, const char* key) {
    auto it = o.find(key);
    return it == o.end() || !it->value().is_number() ? 0 : it->value().to_number<double>();
}

// What the display knows about the job, folded from events.
struct View {
    std::string state = "queued";
    double progress = 0, frames_done = 0, frames_total = 0, eta = -1, cost = 0, render_s = 0;
    std::map<std::string, std::string> workers;  // worker -> what it is doing
    std::vector<std::string> recent_frames;
    std::uint64_t seq = 0;
    bool finished() const { return state == "done" || state == "failed" || state == "canceled"; }
};

class Display {
public:
    Display(std::string job, bool fancy) : job_(std::move(job)), fancy_(fancy) {}

    void event(const json::object& e, View& v) {
        std::string type = s(e, "type");
        if (type == "job") {
            v.state = s(e, "state");
            v.progress = n(e, "progress");
            v.frames_done = n(e, "frames_done");
            v.frames_total = n(e, "frames_total");
            v.eta = e.contains("eta_s") && e.at("eta_s").is_number() ? n(e, "eta_s") : -1;
            v.cost = n(e, "cost_yuan");
            v.render_s = n(e, "render_seconds");
        } else if (type == "task") {
            std::string worker = s(e, "worker");
            std::string what = "frame " + s(e, "frame") + " tile " + s(e, "tile") + " " +
                               s(e, "state");
            if (!worker.empty()) v.workers[worker + " (" + s(e, "site") + ")"] = what;
        } else if (type == "frame") {
            v.recent_frames.push_back(s(e, "exr"));
            if (v.recent_frames.size() > 3) v.recent_frames.erase(v.recent_frames.begin());
        }
        if (!fancy_) print_line(e, type, v);
    }

    // One readable line per event, for logs and pipes.
    void print_line(const json::object& e, const std::string& type, const View& v) {
        if (type == "task") {
            std::printf("task %-6s frame %-4s tile %-18s %-9s %s %s\n", s(e, "task").c_str(),
                        s(e, "frame").c_str(), s(e, "tile").c_str(), s(e, "state").c_str(),
                        s(e, "worker").c_str(), s(e, "site").empty() ? "" : ("@ " + s(e, "site")).c_str());
        } else if (type == "frame") {
            std::printf("frame %s done: %s\n", s(e, "frame").c_str(), s(e, "exr").c_str());
        } else if (type == "job") {
            std::printf("job %s %s %.0f%%  frames %.0f/%.0f  ETA %s  ¥%.4f\n", job_.c_str(),
                        v.state.c_str(), 100 * v.progress, v.frames_done, v.frames_total,
                        v.eta < 0 ? "--:--" : human_duration(v.eta).c_str(), v.cost);
        } else {
            std::printf("%s\n", json::serialize(e).c_str());
        }
        std::fflush(stdout);
    }

    void draw(const View& v) {
        if (!fancy_) return;
        for (int i = 0; i < lines_; ++i) std::printf("\033[1A\033[2K");
        lines_ = 0;
        int width = 30, filled = static_cast<int>(v.progress * width + 0.5);
        std::printf("job %s  %-8s [%s%s] %5.1f%%  frames %.0f/%.0f  ETA %s  ¥%.4f\n",
                    job_.c_str(), v.state.c_str(), std::string(filled, '#').c_str(),
                    std::string(width - filled, '.').c_str(), 100 * v.progress, v.frames_done,
                    v.frames_total, v.eta < 0 ? "--:--" : human_duration(v.eta).c_str(), v.cost);
        ++lines_;
        for (const auto& [worker, what] : v.workers) {
            std::printf("  %-28s %s\n", worker.c_str(), what.c_str());
            ++lines_;
        }
        if (!v.recent_frames.empty()) {
            std::string list;
            for (const auto& f : v.recent_frames) list += " " + f;
            std::printf("  latest frames:%s\n", list.c_str());
            ++lines_;
        }
        std::fflush(stdout);
    }

private:
    std::string job_;
    bool fancy_;
    int lines_ = 0;
};

// One WebSocket session: reads events until the job finishes or the link drops.
void follow(const farm::transfer::Endpoint& ep, const std::string& job, View& view,
            Display& display, Api& api, const WatchOptions& options) {
    boost::asio::io_context ioc;
    tcp::resolver resolver(ioc);
    websocket::stream<beast::tcp_stream> ws(ioc);
    auto results = resolver.resolve(ep.host, ep.port);
    beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(10));
    beast::get_lowest_layer(ws).connect(results);
    beast::get_lowest_layer(ws).expires_never();
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    std::string token = ep.token;
    ws.set_option(websocket::stream_base::decorator([token](websocket::request_type& req) {
        if (!token.empty()) req.set(beast::http::field::authorization, "Bearer " + token);
    }));
    ws.handshake(ep.host + ":" + ep.port,
                 "/api/v1/events?job=" + job + "&since=" + std::to_string(view.seq));
    beast::flat_buffer buffer;
    while (!view.finished()) {
        buffer.clear();
        ws.read(buffer);
        json::value v = json::parse(beast::buffers_to_string(buffer.data()));
        const json::object& e = v.as_object();
        if (s(e, "type") == "error") {
            throw farm::transfer::Error(farm::transfer::ErrorKind::bad_input,
                                        "gateway: " + s(e, "error"));
        }
        auto seq = static_cast<std::uint64_t>(n(e, "seq"));
        if (seq && seq <= view.seq) continue;  // replayed twice across a reconnect
        if (seq) view.seq = seq;
        display.event(e, view);
        if (s(e, "type") == "frame" && !options.download_dir.empty()) {
            download_job(api, job, options.download_dir, true);
        }
        display.draw(view);
    }
    beast::error_code ec;
    ws.close(websocket::close_code::normal, ec);
}

}  // namespace

int watch_job(const GatewayOptions& g, const std::string& job, const WatchOptions& options) {
    Api api(g);
    api.get("/api/v1/jobs/" + checked_job_id(job));  // 404 now rather than a silent wait
    View view;
    Display display(job, !options.force_plain && ::isatty(STDOUT_FILENO));
    int failures = 0;
    while (!view.finished()) {
        try {
            follow(api.endpoint(), job, view, display, api, options);
            failures = 0;
        } catch (const farm::transfer::Error&) {
            throw;
        } catch (const std::exception& e) {
            // The gateway restarted or the link dropped: resume from the last seen event.
            if (++failures == 1 || failures % 10 == 0) {
                std::fprintf(stderr, "farm watch: connection lost (%s); reconnecting\n", e.what());
            }
            if (failures > 150) throw;
            std::this_thread::sleep_for(std::chrono::milliseconds(std::min(200 * failures, 2000)));
        }
    }
    if (!options.download_dir.empty()) {
        Api fresh(g);
        // The preview movie is made as the job ends; give it a moment to appear.
        for (int i = 0; i < 20; ++i) {
            download_job(fresh, job, options.download_dir, true);
            if (std::filesystem::exists(options.download_dir / "preview.mp4") || view.state != "done") break;
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
    }
    std::printf("job %s %s: %.0f/%.0f frames, %.1f render-seconds, ¥%.4f\n", job.c_str(),
                view.state.c_str(), view.frames_done, view.frames_total, view.render_s, view.cost);
    return view.state == "done" ? 0 : view.state == "failed" ? 2 : 3;
}

}  // namespace farm::cli
