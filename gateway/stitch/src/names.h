// Names that become path components (job ids, output names) and ffmpeg patterns.
#pragma once

#include <cctype>
#include <string_view>

namespace farm::gateway::detail {

// Letters, digits, '-', '_' and '.', not starting with '.': neither "..", "/", a hidden
// temporary's name nor an ffmpeg '%' pattern can get through.
inline bool safe_name(std::string_view s) {
    if (s.empty() || s.size() > 128 || s.front() == '.') return false;
    for (const char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' &&
            c != '.')
            return false;
    return true;
}

}  // namespace farm::gateway::detail
