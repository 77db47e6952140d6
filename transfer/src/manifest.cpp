#include <algorithm>
#include <string>
#include <unordered_set>

#include "farm/transfer/error.h"
#include "farm/transfer/manifest.h"

namespace farm::transfer {

namespace {

[[noreturn]] void reject(std::string_view path, const std::string& why) {
    throw Error(ErrorKind::bad_input, "manifest entry '" + std::string(path) + "': " + why);
}

std::string printable(std::string_view path) {
    std::string out;
    for (char c : path) {
        if (c == '\0') out += "\\0";
        else out += c;
    }
    return out;
}

// A symlink may point anywhere inside the project, never above its root: resolving the
// target lexically from the link's folder must never climb past depth 0.
bool target_stays_inside(std::string_view link_path, std::string_view target) {
    if (target.empty() || target.front() == '/') return false;
    long depth = static_cast<long>(std::count(link_path.begin(), link_path.end(), '/'));
    std::size_t start = 0;
    while (start <= target.size()) {
        std::size_t end = target.find('/', start);
        if (end == std::string_view::npos) end = target.size();
        std::string_view part = target.substr(start, end - start);
        if (part == "..") {
            if (--depth < 0) return false;
        } else if (!part.empty() && part != ".") {
            ++depth;
        }
        start = end + 1;
    }
    return true;
}

}  // namespace

void validate_relative_path(std::string_view path) {
    std::string shown = printable(path);
    if (path.empty()) reject(shown, "empty path");
    if (path.size() > kMaxPathBytes) reject(shown.substr(0, 80) + "...", "path longer than 4096 bytes");
    if (path.find('\0') != std::string_view::npos) reject(shown, "path contains a NUL byte");
    if (path.front() == '/') reject(shown, "absolute path");
    if (path.find('\\') != std::string_view::npos) reject(shown, "path contains a backslash");
    std::size_t start = 0;
    while (true) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        std::string_view part = path.substr(start, end - start);
        if (part.empty()) reject(shown, "empty path component");
        if (part == "..") reject(shown, "path component '..'");
        if (part == ".") reject(shown, "path component '.'");
        if (part.size() > kMaxNameBytes) reject(shown, "name longer than 255 bytes");
        if (end == path.size()) break;
        start = end + 1;
    }
}

void Manifest::canonicalize() {
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.path < b.path; });
}

void Manifest::validate() const {
    std::unordered_set<std::string_view> non_directories;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const Entry& e = entries[i];
        validate_relative_path(e.path);
        if (i > 0 && !(entries[i - 1].path < e.path)) {
            reject(e.path, entries[i - 1].path == e.path ? "duplicate path"
                                                         : "entries not in canonical order");
        }
        if (e.mode > 07777) reject(e.path, "mode has bits beyond 07777");
        switch (e.kind) {
            case EntryKind::file: {
                std::uint64_t sum = 0;
                for (const ChunkRef& c : e.chunks) {
                    if (c.size == 0 || c.size > kMaxChunkSize) {
                        reject(e.path, "chunk " + c.id.hex() + " has invalid size " +
                                           std::to_string(c.size));
                    }
                    sum += c.size;
                }
                if (sum != e.size) {
                    reject(e.path, "size " + std::to_string(e.size) +
                                       " differs from its chunks' total " +
                                       std::to_string(sum));
                }
                if (!e.link_target.empty()) reject(e.path, "file with a link target");
                break;
            }
            case EntryKind::directory:
                if (e.size != 0 || !e.chunks.empty() || !e.link_target.empty()) {
                    reject(e.path, "directory with content");
                }
                break;
            case EntryKind::symlink:
                if (e.size != 0 || !e.chunks.empty()) reject(e.path, "symlink with content");
                if (e.link_target.size() > kMaxPathBytes ||
                    e.link_target.find('\0') != std::string::npos) {
                    reject(e.path, "invalid symlink target");
                }
                if (!target_stays_inside(e.path, e.link_target)) {
                    reject(e.path, "symlink target '" + e.link_target +
                                       "' points outside the project");
                }
                break;
            default:
                reject(e.path, "unknown entry kind");
        }
        // A file or symlink cannot also be a folder holding other entries.
        std::string_view p = e.path;
        for (std::size_t slash = p.find('/'); slash != std::string_view::npos;
             slash = p.find('/', slash + 1)) {
            if (non_directories.count(p.substr(0, slash))) {
                reject(e.path, "lies under '" + std::string(p.substr(0, slash)) +
                                   "', which is not a directory");
            }
        }
        if (e.kind != EntryKind::directory) non_directories.insert(e.path);
    }
}

std::uint64_t Manifest::total_size() const {
    std::uint64_t total = 0;
    for (const Entry& e : entries) total += e.size;
    return total;
}

std::size_t Manifest::file_count() const {
    return std::count_if(entries.begin(), entries.end(),
                         [](const Entry& e) { return e.kind == EntryKind::file; });
}

}  // namespace farm::transfer
