// Minimal stderr logging for the gateway. Many io_context threads log at once, so each
// line goes out in one write under a lock and lines never interleave.
#pragma once

#include <boost/beast/core/error.hpp>
#include <string_view>

namespace farm::gateway {

// Writes `line` plus a newline to stderr, prefixed with a UTC timestamp.
void log_line(std::string_view line);

// Logs a failed network operation unless it is part of an ordinary close (the peer went
// away, a timeout on an idle keep-alive connection, an operation canceled at shutdown).
void fail(boost::beast::error_code ec, std::string_view what);

}  // namespace farm::gateway
