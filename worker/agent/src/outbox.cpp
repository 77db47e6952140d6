#include "outbox.h"

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstring>
#include <fstream>
#include <memory>

#include "backoff.h"
#include "log.h"

namespace farm::worker {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

void fsync_and_rename(int fd, const fs::path& tmp, const fs::path& target) {
    bool ok = ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), target.c_str()) != 0) {
        std::error_code ec;
        fs::remove(tmp, ec);
        throw std::runtime_error("cannot store " + target.string() + ": " +
                                 std::strerror(errno));
    }
}

int create_tmp(const fs::path& tmp) {
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        throw std::runtime_error("cannot create " + tmp.string() + ": " +
                                 std::strerror(errno));
    return fd;
}

void write_all(int fd, const void* data, std::size_t n, const fs::path& path) {
    auto* p = static_cast<const char*>(data);
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0)
            throw std::runtime_error("cannot write " + path.string() + ": " +
                                     std::strerror(errno));
        p += w;
        n -= static_cast<std::size_t>(w);
    }
}

// Streams `in` through zstd into `out`: memory stays bounded for any result size.
void compress_file(const fs::path& in, const fs::path& out) {
    std::ifstream src(in, std::ios::binary);
    if (!src) throw std::runtime_error("cannot read " + in.string());
    std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(),
                                                            ZSTD_freeCCtx);
    ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, 3);
    ZSTD_CCtx_setPledgedSrcSize(cctx.get(),
                                fs::file_size(in));  // frame declares its size
    fs::path tmp = out.string() + ".tmp";
    int fd = create_tmp(tmp);
    std::vector<char> ibuf(ZSTD_CStreamInSize()), obuf(ZSTD_CStreamOutSize());
    try {
        bool last = false;
        while (!last) {
            src.read(ibuf.data(), static_cast<std::streamsize>(ibuf.size()));
            std::size_t got = static_cast<std::size_t>(src.gcount());
            last = got < ibuf.size();
            ZSTD_inBuffer input{ibuf.data(), got, 0};
            ZSTD_EndDirective mode = last ? ZSTD_e_end : ZSTD_e_continue;
            bool finished = false;
            while (!finished) {
                ZSTD_outBuffer output{obuf.data(), obuf.size(), 0};
                std::size_t left =
                    ZSTD_compressStream2(cctx.get(), &output, &input, mode);
                if (ZSTD_isError(left))
                    throw std::runtime_error(std::string("zstd: ") +
                                             ZSTD_getErrorName(left));
                write_all(fd, obuf.data(), output.pos, tmp);
                finished = last ? left == 0 : input.pos == input.size;
            }
        }
    } catch (...) {
        ::close(fd);
        std::error_code ec;
        fs::remove(tmp, ec);
        throw;
    }
    fsync_and_rename(fd, tmp, out);
}

}  // namespace

bool safe_lease_id(const std::string& id) {
    return !id.empty() && id.size() <= 128 && id[0] != '.' &&
           id.find_first_not_of(
               "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
               std::string::npos;
}

Outbox::Outbox(fs::path dir, GatewayAddress gateway, double retry_max_s)
    : dir_(std::move(dir)), gateway_(std::move(gateway)), retry_max_s_(retry_max_s) {
    fs::create_directories(dir_);
    std::vector<fs::path> metas;
    for (const auto& e : fs::directory_iterator(dir_)) {
        if (e.path().extension() == ".tmp")
            fs::remove(e.path());
        else if (e.path().extension() == ".json")
            metas.push_back(e.path());
    }
    std::sort(metas.begin(), metas.end());
    for (const fs::path& m : metas) {
        try {
            std::ifstream f(m);
            std::string text((std::istreambuf_iterator<char>(f)), {});
            json::object o = json::parse(text).as_object();
            OutboxEntry e;
            e.lease_id = std::string(o.at("lease_id").as_string());
            e.is_result = o.at("kind").as_string() == "result";
            e.render_seconds = o.at("render_seconds").to_number<double>();
            // Entries written before these fields existed deliver without them.
            auto opt = [&](const char* k) {
                const json::value* v = o.if_contains(k);
                return v && v->is_number() ? v->to_number<double>() : 0.0;
            };
            e.trace_seconds = opt("trace_seconds");
            e.rays = opt("rays");
            e.fetched_bytes = opt("fetched_bytes");
            e.device = std::string(o.at("device").as_string());
            e.worker_id = std::string(o.at("worker_id").as_string());
            e.reason = std::string(o.at("reason").as_string());
            e.retryable = o.at("retryable").as_bool();
            if (!safe_lease_id(e.lease_id) ||
                (e.is_result && !fs::exists(payload(e.lease_id))))
                throw std::runtime_error("incomplete entry");
            queue_.push_back(std::move(e));
        } catch (const std::exception& ex) {
            log("outbox: ignoring " + m.string() + ": " + ex.what());
        }
    }
    if (!queue_.empty())
        log("outbox: " + std::to_string(queue_.size()) +
            " undelivered entries from an earlier run");
}

void Outbox::write_meta(const OutboxEntry& e) {
    json::object o{{"lease_id", e.lease_id},
                   {"kind", e.is_result ? "result" : "failure"},
                   {"render_seconds", e.render_seconds},
                   {"trace_seconds", e.trace_seconds},
                   {"rays", e.rays},
                   {"fetched_bytes", e.fetched_bytes},
                   {"device", e.device},
                   {"worker_id", e.worker_id},
                   {"reason", e.reason},
                   {"retryable", e.retryable}};
    std::string text = json::serialize(o);
    fs::path tmp = meta(e.lease_id).string() + ".tmp";
    int fd = create_tmp(tmp);
    try {
        write_all(fd, text.data(), text.size(), tmp);
    } catch (...) {
        ::close(fd);
        throw;
    }
    fsync_and_rename(fd, tmp,
                     meta(e.lease_id));  // the entry exists once this is in place
}

void Outbox::add_result(OutboxEntry entry, const fs::path& exr) {
    entry.is_result = true;
    compress_file(exr, payload(entry.lease_id));
    write_meta(entry);
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(entry));
    wake_.notify_all();
}

void Outbox::add_failure(OutboxEntry entry) {
    entry.is_result = false;
    write_meta(entry);
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(entry));
    wake_.notify_all();
}

void Outbox::remove_files(const std::string& id) {
    std::error_code ec;
    fs::remove(meta(id), ec);  // first: without it the payload is no entry
    fs::remove(payload(id), ec);
}

void Outbox::drop(const std::string& lease_id) {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(queue_.begin(), queue_.end(),
                           [&](const OutboxEntry& e) { return e.lease_id == lease_id; });
    // The front entry may be in flight; the delivery loop finds it gone afterwards.
    if (it != queue_.end()) {
        remove_files(lease_id);
        queue_.erase(it);
    }
}

std::vector<std::string> Outbox::pending_results() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> ids;
    for (const auto& e : queue_)
        if (e.is_result) ids.push_back(e.lease_id);
    return ids;
}

bool Outbox::contains(const std::string& lease_id) const {
    std::lock_guard lock(mutex_);
    return std::any_of(queue_.begin(), queue_.end(),
                       [&](const OutboxEntry& e) { return e.lease_id == lease_id; });
}

std::size_t Outbox::size() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

void Outbox::finish() {
    std::lock_guard lock(mutex_);
    finishing_ = true;
    wake_.notify_all();
}

void Outbox::abort() {
    aborted_ = true;
    std::lock_guard lock(mutex_);
    wake_.notify_all();
}

Outbox::Outcome Outbox::deliver(GatewayApi& api, const OutboxEntry& e) {
    Reply r = e.is_result ? api.upload_result(e.lease_id, payload(e.lease_id),
                                              ResultMeta{e.render_seconds, e.trace_seconds,
                                                         e.rays, e.fetched_bytes, e.device,
                                                         e.worker_id})
                          : api.report_failure(e.lease_id, e.reason, e.retryable);
    const char* what = e.is_result ? "result" : "failure report";
    if (r.status >= 200 && r.status < 300) {
        log("lease " + e.lease_id + ": " + what + " delivered");
        return Outcome::delivered;
    }
    throw_if_server_error(r,
                          std::string("delivering ") + what + " of lease " + e.lease_id);
    if (r.status == 409 || r.status == 404) {
        log("lease " + e.lease_id + " lost (" + std::to_string(r.status) + ": " +
            r.error_text() + "): dropping its " + what);
        return Outcome::dropped;
    }
    log("lease " + e.lease_id + ": gateway refused the " + what + " (" +
        std::to_string(r.status) + ": " + r.error_text() + ")" +
        (e.is_result ? "; kept in outbox/rejected/" : ""));
    if (e.is_result) {
        std::error_code ec;
        fs::create_directories(dir_ / "rejected", ec);
        fs::rename(payload(e.lease_id),
                   dir_ / "rejected" / payload(e.lease_id).filename(), ec);
    }
    return Outcome::dropped;
}

void Outbox::run() {
    GatewayApi api(gateway_, &aborted_);
    Backoff backoff(0.5, retry_max_s_);
    Throttle unreachable;
    while (!aborted_) {
        OutboxEntry entry;
        {
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, std::chrono::seconds(1),
                           [&] { return aborted_ || !queue_.empty() || finishing_; });
            if (aborted_ || (queue_.empty() && finishing_)) return;
            if (queue_.empty()) continue;
            entry = queue_.front();
        }
        Outcome outcome;
        try {
            outcome = deliver(api, entry);
        } catch (const TransportError& e) {
            unreachable.log(std::string("outbox: ") + e.what() + "; will retry");
            outcome = Outcome::retry;
        } catch (const Aborted&) {
            return;
        } catch (const std::exception& e) {
            unreachable.log(std::string("outbox: ") + e.what() + "; will retry");
            outcome = Outcome::retry;
        }
        if (outcome == Outcome::retry) {
            sleep_unless(aborted_, backoff.next());
            continue;
        }
        if (int n = unreachable.reset(); n > 0)
            log("outbox: gateway reachable again after " + std::to_string(n) +
                " failed attempts");
        backoff.reset();
        std::lock_guard lock(mutex_);
        if (!queue_.empty() && queue_.front().lease_id == entry.lease_id) {
            remove_files(entry.lease_id);
            queue_.pop_front();
        }
    }
}

}  // namespace farm::worker
