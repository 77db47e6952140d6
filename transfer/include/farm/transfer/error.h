// Errors of the transfer layer travel as one exception type carrying a kind, so HTTP
// handlers can map them to a status code and command-line tools to a clear message.
#pragma once

#include <stdexcept>
#include <string>

namespace farm::transfer {

enum class ErrorKind {
    bad_input,  // malformed request, hostile path, bad chunk encoding      -> 400
    not_found,  // unknown snapshot, project or chunk                        -> 404
    conflict,   // manifest names chunks the store does not hold             -> 409
    too_large,  // body or declared size past a limit                        -> 413
    corrupt,    // stored data failed its hash check                         -> 500
    io,         // the file system or the network failed                     -> 500/502
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message)
        : std::runtime_error(message), kind_(kind) {}
    ErrorKind kind() const { return kind_; }

private:
    ErrorKind kind_;
};

}  // namespace farm::transfer
