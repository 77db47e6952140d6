#include "log.h"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace farm::gateway {

namespace {
std::mutex log_mutex;
}

void log_line(std::string_view line) {
    using namespace std::chrono;
    const auto now = system_clock::now();
    const std::time_t secs = system_clock::to_time_t(now);
    const auto millis =
        duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[64];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ",
                  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                  tm.tm_sec, static_cast<int>(millis));
    std::string out;
    out.reserve(line.size() + 32);
    out.append(stamp).append(line).push_back('\n');
    std::lock_guard lock(log_mutex);
    std::fwrite(out.data(), 1, out.size(), stderr);
    std::fflush(stderr);
}

void fail(boost::beast::error_code ec, std::string_view what) {
    namespace net = boost::asio;
    namespace beast = boost::beast;
    // These end connections every day; logging them would bury the real failures.
    if (ec == net::error::operation_aborted || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::broken_pipe ||
        ec == beast::error::timeout || ec == beast::http::error::end_of_stream) {
        return;
    }
    std::string line(what);
    line.append(": ").append(ec.message());
    log_line(line);
}

}  // namespace farm::gateway
