// v2 of the synthetic project: a copy of v1 with a typical day of edits applied, and a side
// file holding exactly the bytes that changed (the "ideal" transfer, once compressed).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>

#include "gen_content.h"
#include "genproject.h"

namespace farm::bench {

namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kAbcAppendFrames = 8;
constexpr std::uint32_t kSeqAppendFrames = 12;
constexpr std::size_t kInsertBytes = 4096;

struct Edit {
    std::uint64_t offset;  // in the v1 file
    std::uint64_t remove;  // bytes of v1 replaced
    std::string insert;
};

bool under(std::string_view rel, std::string_view dir) {
    return rel == dir || (rel.size() > dir.size() && rel.substr(0, dir.size()) == dir &&
                          rel[dir.size()] == '/');
}

std::string renamed(const std::string& rel) {
    if (!under(rel, kRenameFrom)) return rel;
    return std::string(kRenameTo) + rel.substr(kRenameFrom.size());
}

// Writes `from` with `edits` (sorted, non-overlapping) applied to `to`.
void splice_copy(const fs::path& from, const fs::path& to, const std::vector<Edit>& edits) {
    const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) fail_errno("cannot open", from);
    const std::uint64_t size = fs::file_size(from);
    {
        FileWriter out(to);
        std::vector<char> buf(4u << 20);
        auto copy = [&](std::uint64_t begin, std::uint64_t end) {
            while (begin < end) {
                const std::size_t want =
                    static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), end - begin));
                const ssize_t n = ::pread(in, buf.data(), want, static_cast<off_t>(begin));
                if (n <= 0) fail_errno("cannot read", from);
                out.put(buf.data(), static_cast<std::size_t>(n));
                begin += static_cast<std::uint64_t>(n);
            }
        };
        std::uint64_t cur = 0;
        for (const Edit& e : edits) {
            copy(cur, e.offset);
            out.put(e.insert);
            cur = e.offset + e.remove;
        }
        copy(cur, size);
        ::close(in);
        out.close(0644, 0);  // mode and mtime set by the caller
    }
}

// Offset just past the next '\n' at or after `pos` (or `limit` when none before it).
std::uint64_t next_line(const std::vector<std::uint8_t>& data, std::uint64_t pos,
                        std::uint64_t limit) {
    while (pos < limit && data[pos] != '\n') ++pos;
    return std::min(limit, pos + 1);
}

std::vector<Edit> plan_text_edits(Rng& rng, const std::vector<std::uint8_t>& data) {
    const std::uint64_t size = data.size();
    const int spans = size < (64u << 10) ? 1 : 3;
    const std::uint64_t small_len = std::max<std::uint64_t>(1, std::min<std::uint64_t>(
                                                                   256, size / 4));
    std::vector<Edit> edits;
    for (int j = 0; j < spans; ++j) {
        const std::uint64_t lo = size * j / spans, hi = size * (j + 1) / spans;
        std::uint64_t start = next_line(data, lo + rng.below(std::max<std::uint64_t>(1, (hi - lo) / 2)), hi);
        if (start >= hi) start = lo;
        const std::uint64_t want =
            spans == 1 ? 16 + rng.below(small_len) : 512 + rng.below(1537);
        const std::uint64_t end = next_line(data, std::min(hi, start + want), hi);
        const std::uint64_t remove = end - start;
        const std::int64_t len = std::max<std::int64_t>(
            2, static_cast<std::int64_t>(remove) + rng.range(-8, 8));
        edits.push_back({start, remove, edit_text(rng, static_cast<std::size_t>(len))});
    }
    return edits;
}

std::uint32_t read_u32(const std::vector<std::uint8_t>& data, std::size_t at) {
    std::uint32_t v;
    std::memcpy(&v, data.data() + at, 4);
    return v;
}

}  // namespace

V2Stats generate_v2(const fs::path& v1, const fs::path& out, const fs::path& changes,
                    const fs::path& log_path, std::uint64_t seed) {
    V2Stats stats;
    std::vector<std::string> rels;
    for (auto it = fs::recursive_directory_iterator(v1); it != fs::recursive_directory_iterator();
         ++it)
        rels.push_back(fs::relative(it->path(), v1).generic_string());
    std::sort(rels.begin(), rels.end());
    std::vector<std::string> candidates;
    std::uint64_t regular = 0;
    for (const std::string& rel : rels) {
        if (!fs::is_regular_file(fs::symlink_status(v1 / rel))) continue;
        ++regular;
        const std::string ext = fs::path(rel).extension().string();
        const bool text = ext == ".json" || ext == ".osl" || ext == ".glsl" || ext == ".py" ||
                          ext == ".yaml" || ext == ".txt" || ext == ".obj" || ext == ".gltf";
        if (text && rel != kBigObj && !under(rel, kRenameFrom)) candidates.push_back(rel);
    }
    for (std::string_view must : {kBigObj, kBigAbc, kReplacedTexture})
        if (!fs::is_regular_file(v1 / must))
            throw std::runtime_error("not a v1 project (missing " + std::string(must) + "): " +
                                     v1.string());

    Rng rng(seed, "v2");
    std::ofstream log(log_path);
    FileWriter delta(changes);
    std::map<std::string, std::vector<Edit>> edits;

    // 4 KB of new geometry lines inserted at a line boundary in the middle of the big OBJ.
    {
        const fs::path big = v1 / kBigObj;
        const std::uint64_t mid = fs::file_size(big) / 2;
        const auto window = read_range(big, mid, 1u << 16);
        const auto nl = std::find(window.begin(), window.end(), '\n');
        const std::uint64_t at = mid + static_cast<std::uint64_t>(nl - window.begin()) + 1;
        edits[std::string(kBigObj)].push_back({at, 0, obj_insert_text(rng, kInsertBytes)});
        log << "insert " << kInsertBytes << " bytes at offset " << at << " of " << kBigObj << "\n";
    }

    // About 1% of the files edited in place: text files get a few lines rewritten (one span
    // in a small file, three spans of 0.5-2 KB in a larger one).
    const std::uint64_t others =
        std::max<std::int64_t>(1, std::llround(regular * 0.01) - 3);  // 3: obj, abc, texture
    for (std::size_t i = candidates.size(); i > 1; --i)
        std::swap(candidates[i - 1], candidates[rng.below(i)]);
    candidates.resize(std::min<std::size_t>(candidates.size(), others));
    std::sort(candidates.begin(), candidates.end());
    for (const std::string& rel : candidates) {
        const auto data = read_file(v1 / rel);
        edits[rel] = plan_text_edits(rng, data);
        for (const Edit& e : edits[rel])
            log << "replace " << e.remove << " bytes at offset " << e.offset << " with "
                << e.insert.size() << " new bytes in " << rel << "\n";
    }

    // Copy the tree with the folder renamed, the edits spliced in and one texture repainted.
    for (const std::string& rel : rels) {
        const fs::path src = v1 / rel, dst = out / renamed(rel);
        const auto st = fs::symlink_status(src);
        if (fs::is_symlink(st)) {
            fs::create_directories(dst.parent_path());
            fs::create_symlink(fs::read_symlink(src), dst);
            set_mode_mtime(dst, 0777, v1_mtime(rel));
        } else if (fs::is_directory(st)) {
            fs::create_directories(dst);
        } else if (rel == kReplacedTexture) {
            {
                FileWriter w(dst);
                Rng r(seed, "v2 texture " + rel);
                write_texture(w, r, fs::file_size(src), fs::path(rel).extension().string());
                w.close(0644, v1_mtime(rel) + kEditMtimeOffset);
            }
            const auto bytes = read_file(dst);
            delta.put(bytes.data(), bytes.size());
            ++stats.files_modified;
            log << "replace texture " << rel << " (" << bytes.size() << " new random bytes)\n";
        } else if (auto e = edits.find(rel); e != edits.end()) {
            splice_copy(src, dst, e->second);
            set_mode_mtime(dst, static_cast<std::uint32_t>(st.permissions()) & 07777,
                           v1_mtime(rel) + kEditMtimeOffset);
            for (const Edit& edit : e->second) delta.put(edit.insert);
            ++stats.files_modified;
        } else {
            copy_file_exact(src, dst);
        }
        if (under(rel, kRenameFrom) && fs::is_regular_file(st)) ++stats.files_renamed;
    }
    log << "rename folder " << kRenameFrom << " -> " << kRenameTo << " (" << stats.files_renamed
        << " files)\n";

    // Frames appended to the crowd cache: it continues from its last frame.
    {
        const fs::path abc = out / kBigAbc;
        const auto header = read_range(abc, 0, kAbcHeaderSize);
        const std::uint32_t vertices = read_u32(header, 8);
        const std::uint64_t frame_bytes = std::uint64_t{vertices} * 12;
        const std::uint64_t size = fs::file_size(abc);
        const auto last = read_range(abc, size - frame_bytes - kAbcFrameHeaderSize,
                                     kAbcFrameHeaderSize + frame_bytes);
        std::uint32_t frame = read_u32(last, 4);
        std::vector<float> xyz(std::size_t{vertices} * 3);
        std::memcpy(xyz.data(), last.data() + kAbcFrameHeaderSize, frame_bytes);
        Rng r(seed, "v2 append " + std::string(kBigAbc));
        FileWriter w(abc, /*append=*/true);
        for (std::uint32_t i = 0; i < kAbcAppendFrames; ++i) {
            advance_frame(r, xyz);
            write_abc_frame(w, ++frame, xyz);
            write_abc_frame(delta, frame, xyz);
        }
        w.close(0644, v1_mtime(kBigAbc) + kEditMtimeOffset);
        ++stats.files_modified;
        log << "append " << kAbcAppendFrames << " frames (" << w.written() << " bytes) to "
            << kBigAbc << "\n";
    }

    // New frame files for one character's per-frame cache.
    {
        const fs::path dir = out / kAppendSeqDir;
        std::uint32_t last = 0;
        for (const auto& entry : fs::directory_iterator(dir)) {
            const std::string name = entry.path().filename().string();
            last = std::max<std::uint32_t>(
                last, static_cast<std::uint32_t>(std::stoul(name.substr(kAppendSeqName.size() + 1))));
        }
        const auto bytes = read_file(dir / vtx_name(kAppendSeqName, last));
        std::vector<float> xyz((bytes.size() - 64) / 4);
        std::memcpy(xyz.data(), bytes.data() + 64, xyz.size() * 4);
        Rng r(seed, "v2 append " + std::string(kAppendSeqDir));
        for (std::uint32_t f = last + 1; f <= last + kSeqAppendFrames; ++f) {
            advance_frame(r, xyz);
            const std::string rel = std::string(kAppendSeqDir) + "/" + vtx_name(kAppendSeqName, f);
            FileWriter w(out / rel);
            write_vtx_frame(w, f, xyz);
            write_vtx_frame(delta, f, xyz);
            w.close(0644, kBaseMtime + kEditMtimeOffset);
            ++stats.files_added;
        }
        log << "add " << kSeqAppendFrames << " frame files after frame " << last << " in "
            << kAppendSeqDir << "\n";
    }

    // Folder mtimes as an in-place edit leaves them: those of v1, except the folders that
    // gained or lost entries (the new frames, the parent of the renamed folder).
    for (const auto& entry : fs::recursive_directory_iterator(out)) {
        if (!entry.is_directory() || entry.is_symlink()) continue;
        const std::string rel = fs::relative(entry.path(), out).generic_string();
        const bool changed = rel == kAppendSeqDir || rel == fs::path(kRenameTo).parent_path();
        std::string from = rel;
        if (under(rel, kRenameTo)) from = std::string(kRenameFrom) + rel.substr(kRenameTo.size());
        set_mode_mtime(entry.path(), 0755,
                       changed ? v1_mtime(from) + kEditMtimeOffset : v1_mtime(from));
    }
    set_mode_mtime(out, 0755, kBaseMtime);

    stats.changed_bytes = delta.written();
    delta.close(0644, kBaseMtime + kEditMtimeOffset);
    for (const auto& entry : fs::recursive_directory_iterator(out))
        if (fs::is_regular_file(entry.symlink_status())) {
            ++stats.tree.files;
            stats.tree.bytes += entry.file_size();
        }
    log << "modified " << stats.files_modified << " of " << regular << " files, added "
        << stats.files_added << ", renamed " << stats.files_renamed << "; changed bytes "
        << stats.changed_bytes << "\n";
    return stats;
}

}  // namespace farm::bench
