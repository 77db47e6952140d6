#include "snapshot_builder.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <tbb/global_control.h>
#include <tbb/parallel_pipeline.h>
#include <unistd.h>

#include <memory>
#include <thread>
#include <unordered_map>

#include "farm/transfer/error.h"
#include "fs_util.h"

namespace farm::transfer::detail {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kReadBlock = 8u << 20;

struct ScanResult {
    Manifest manifest;
    std::vector<std::size_t> to_read;  // indices of file entries whose bytes must be read
    std::uint64_t files_reused = 0;
    std::vector<std::string> warnings;
};

std::int64_t mtime_ns(const struct stat& st) {
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

ScanResult scan(const BuildInput& in) {
    struct stat root_st;
    if (::stat(in.dir.c_str(), &root_st) != 0 || !S_ISDIR(root_st.st_mode)) {
        throw Error(ErrorKind::bad_input, "not a folder: " + in.dir.string());
    }
    std::unordered_map<std::string_view, const Entry*> parent;
    if (in.parent) {
        for (const Entry& e : in.parent->entries) parent.emplace(e.path, &e);
    }
    ScanResult out;
    std::error_code ec;
    // Symlinks are recorded, never followed, so nothing outside the folder is read.
    for (auto it = fs::recursive_directory_iterator(in.dir, fs::directory_options::none, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) throw Error(ErrorKind::io, "cannot scan " + in.dir.string() + ": " + ec.message());
        const fs::path& abs = it->path();
        std::string rel = abs.lexically_relative(in.dir).generic_string();
        validate_relative_path(rel);
        struct stat st;
        if (::lstat(abs.c_str(), &st) != 0) {
            out.warnings.push_back("vanished while scanning: " + rel);
            continue;
        }
        Entry e;
        e.path = rel;
        e.mode = st.st_mode & 07777;
        if (S_ISDIR(st.st_mode)) {
            e.kind = EntryKind::directory;
            e.mtime_ns = mtime_ns(st);
        } else if (S_ISLNK(st.st_mode)) {
            e.kind = EntryKind::symlink;
            e.mode = 0777;
            e.link_target = fs::read_symlink(abs, ec).string();
            Manifest probe;
            probe.entries.push_back(e);
            try {
                probe.validate();
            } catch (const Error& err) {
                out.warnings.push_back(std::string("skipped: ") + err.what());
                continue;
            }
        } else if (S_ISREG(st.st_mode)) {
            e.kind = EntryKind::file;
            e.mtime_ns = mtime_ns(st);
            e.size = static_cast<std::uint64_t>(st.st_size);
            auto p = parent.find(std::string_view(rel));
            const Entry* old = p == parent.end() ? nullptr : p->second;
            if (!in.rehash && old && old->kind == EntryKind::file && old->size == e.size &&
                old->mtime_ns == e.mtime_ns && old->mode == e.mode) {
                e.chunks = old->chunks;
                ++out.files_reused;
            } else {
                e.size = 0;  // set from the bytes actually read
                out.to_read.push_back(out.manifest.entries.size());
            }
        } else {
            out.warnings.push_back("skipped special file: " + rel);
            continue;
        }
        out.manifest.entries.push_back(std::move(e));
    }
    // Sorting moves entries, so remember files to read by path, then map back.
    std::vector<std::string> read_paths;
    for (std::size_t i : out.to_read) read_paths.push_back(out.manifest.entries[i].path);
    out.manifest.canonicalize();
    std::unordered_map<std::string_view, std::size_t> index;
    for (std::size_t i = 0; i < out.manifest.entries.size(); ++i) {
        index.emplace(out.manifest.entries[i].path, i);
    }
    out.to_read.clear();
    for (const std::string& p : read_paths) out.to_read.push_back(index.at(p));
    std::sort(out.to_read.begin(), out.to_read.end());
    return out;
}

struct Piece {
    std::size_t offset = 0;
    std::uint32_t size = 0;
    ChunkId id;
    bool known = false;
    Bytes encoded;
};

// One block of one file, cut into chunks; travels through the pipeline stages.
struct Token {
    std::size_t entry = 0;
    std::shared_ptr<std::uint8_t[]> data;  // not zero-filled: read() overwrites it
    std::vector<Piece> pieces;
    bool last = false;  // the file's final block
};

class BlockReader {
public:
    BlockReader(const BuildInput& in, Manifest& m, const std::vector<std::size_t>& files)
        : in_(in), manifest_(m), files_(files), chunker_(in.chunker) {}
    ~BlockReader() { close_file(); }

    // Next block with its chunk cuts, or nullptr when every file is read.
    Token* next() {
        while (true) {
            if (fd_ < 0) {
                if (next_file_ == files_.size()) return nullptr;
                open_file(files_[next_file_++]);
            }
            const std::size_t capacity = kReadBlock + carry_.size();
            std::shared_ptr<std::uint8_t[]> data(new std::uint8_t[capacity]);
            std::copy(carry_.begin(), carry_.end(), data.get());
            std::size_t filled = carry_.size();
            carry_.clear();
            bool eof = false;
            while (filled < capacity) {
                ssize_t n = ::read(fd_, data.get() + filled, capacity - filled);
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) {
                    throw Error(ErrorKind::io, "cannot read " + current_path() + ": " +
                                                   errno_text(errno));
                }
                if (n == 0) {
                    eof = true;
                    break;
                }
                filled += static_cast<std::size_t>(n);
                bytes_read_ += static_cast<std::uint64_t>(n);
            }
            auto token = std::make_unique<Token>();
            token->entry = entry_;
            std::size_t pos = 0;
            while (pos < filled) {
                std::size_t len =
                    chunker_.next_cut({data.get() + pos, filled - pos}, eof);
                if (len == 0) break;
                token->pieces.push_back({pos, static_cast<std::uint32_t>(len)});
                pos += len;
            }
            carry_.assign(data.get() + pos, data.get() + filled);
            token->data = std::move(data);
            token->last = eof;
            if (eof) close_file();
            if (!token->pieces.empty() || eof) return token.release();
        }
    }

    std::uint64_t bytes_read() const { return bytes_read_; }

private:
    std::string current_path() const { return manifest_.entries[entry_].path; }

    void open_file(std::size_t entry) {
        entry_ = entry;
        fs::path abs = in_.dir / manifest_.entries[entry].path;
        fd_ = ::open(abs.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd_ < 0) {
            throw Error(ErrorKind::io, "cannot open " + abs.string() + ": " + errno_text(errno));
        }
        ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    void close_file() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    const BuildInput& in_;
    Manifest& manifest_;
    const std::vector<std::size_t>& files_;
    Chunker chunker_;
    std::size_t next_file_ = 0;
    std::size_t entry_ = 0;
    int fd_ = -1;
    Bytes carry_;
    std::uint64_t bytes_read_ = 0;
};

}  // namespace

BuildOutput build_snapshot(const BuildInput& in, ChunkSink& sink) {
    ScanResult scanned = scan(in);
    BuildOutput out;
    out.manifest = std::move(scanned.manifest);
    out.files_reused = scanned.files_reused;
    out.warnings = std::move(scanned.warnings);
    TransferProgress* progress = in.progress;
    if (progress) {
        progress->files_total = out.manifest.file_count();
        std::uint64_t total = 0;
        for (const Entry& e : out.manifest.entries) total += e.size;
        std::uint64_t reused = total;
        for (std::size_t i : scanned.to_read) {
            struct stat st;
            fs::path abs = in.dir / out.manifest.entries[i].path;
            if (::lstat(abs.c_str(), &st) == 0) total += static_cast<std::uint64_t>(st.st_size);
        }
        progress->bytes_total = total;
        progress->bytes_scanned = reused;
        progress->files_done = out.manifest.file_count() - scanned.to_read.size();
        progress->scanning_done = true;
    }

    unsigned threads = in.threads ? in.threads : std::max(1u, std::thread::hardware_concurrency());
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    BlockReader reader(in, out.manifest, scanned.to_read);
    ChunkIdSet offered;
    const int level = in.zstd_level;
    const ChunkIdSet* known = in.known;

    tbb::parallel_pipeline(
        2 * threads + 2,
        tbb::make_filter<void, Token*>(
            tbb::filter_mode::serial_in_order,
            [&](tbb::flow_control& fc) -> Token* {
                Token* t = reader.next();
                if (!t) fc.stop();
                return t;
            }) &
            tbb::make_filter<Token*, Token*>(
                tbb::filter_mode::parallel,
                [&](Token* t) {
                    for (Piece& p : t->pieces) {
                        ByteView bytes(t->data.get() + p.offset, p.size);
                        p.id = sha256(bytes);
                        p.known = known && known->count(p.id);
                        if (!p.known) p.encoded = encode_chunk(bytes, level);
                    }
                    return t;
                }) &
            tbb::make_filter<Token*, void>(
                tbb::filter_mode::serial_in_order, [&](Token* raw) {
                    std::unique_ptr<Token> t(raw);
                    Entry& e = out.manifest.entries[t->entry];
                    for (Piece& p : t->pieces) {
                        e.chunks.push_back({p.id, p.size});
                        e.size += p.size;
                        if (progress) progress->bytes_scanned += p.size;
                        if (!p.known && offered.insert(p.id).second) {
                            sink.accept(p.id, p.size, std::move(p.encoded));
                        }
                    }
                    if (progress && t->last) progress->files_done++;
                }));
    out.bytes_read = reader.bytes_read();
    out.manifest.validate();
    return out;
}

}  // namespace farm::transfer::detail
