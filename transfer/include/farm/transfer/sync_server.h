// Server side of the chunk sync protocol, independent of any connection handling: the
// gateway's HTTP sessions hand each request (already bound to an authenticated tenant) to
// SyncService::handle. Wire format and routes: transfer/PROTOCOL.md.
#pragma once

#include <boost/beast/http.hpp>
#include <cstddef>
#include <string_view>

#include "farm/transfer/store.h"

namespace farm::transfer {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// Limits on request bodies, chosen so one request never holds more than a batch in memory.
inline constexpr std::size_t kMaxPackBytes = 96u << 20;         // POST /chunks
inline constexpr std::size_t kMaxIdListBytes = 32u << 20;       // 1 Mi ids
inline constexpr std::size_t kMaxManifestBytes = 256u << 20;    // snapshots
inline constexpr std::size_t kMaxSmallBody = 64u << 10;         // everything else

class SyncService {
public:
    explicit SyncService(Store& store) : store_(store) {}

    // True when `target` (path, possibly with a query) is one of this service's routes.
    static bool owns(std::string_view target);
    // True when `method` on `target` is an operation this service serves (exact match:
    // an OpenAPI check can rely on it).
    static bool accepts(http::verb method, std::string_view target);
    // Largest body accepted for this method and target; larger bodies get 413 before
    // they are read.
    static std::size_t body_limit(http::verb method, std::string_view target);

    // Never throws: errors become JSON bodies {"error": "..."} with the right status.
    Response handle(const Request& request, const std::string& tenant);

private:
    Store& store_;
};

// Builds a JSON error response; shared so every route reports errors alike.
Response error_response(const Request& request, http::status status,
                        std::string_view message);

}  // namespace farm::transfer
