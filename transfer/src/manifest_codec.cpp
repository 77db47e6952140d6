// Canonical binary form of a manifest:
//   "XXMANIF1" | varint count | entries
//   entry: u8 kind | varint path_len | path | varint mode | zigzag-varint mtime_ns |
//          file:    varint size | varint n | n x (id[32] | varint chunk_size)
//          symlink: varint target_len | target
// Varints are LEB128 and must be minimal; the parser rejects any other spelling so that
// one manifest has exactly one byte string and one snapshot id.
#include <zstd.h>

#include <cstring>
#include <string>

#include "farm/transfer/error.h"
#include "farm/transfer/manifest.h"

namespace farm::transfer {

namespace {

constexpr char kMagic[8] = {'X', 'X', 'M', 'A', 'N', 'I', 'F', '1'};

void put_varint(Bytes& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<std::uint8_t>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<std::uint8_t>(v));
}

std::uint64_t zigzag(std::int64_t v) {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t unzigzag(std::uint64_t v) {
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

void put_string(Bytes& out, std::string_view s) {
    put_varint(out, s.size());
    out.insert(out.end(), s.begin(), s.end());
}

class Reader {
public:
    explicit Reader(ByteView bytes) : bytes_(bytes) {}

    [[noreturn]] void fail(const std::string& why) const {
        throw Error(ErrorKind::bad_input,
                    "manifest malformed at byte " + std::to_string(pos_) + ": " + why);
    }
    std::size_t remaining() const { return bytes_.size() - pos_; }
    std::size_t pos() const { return pos_; }

    std::uint8_t byte() {
        if (pos_ >= bytes_.size()) fail("truncated");
        return bytes_[pos_++];
    }
    std::uint64_t varint() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            std::uint8_t b = byte();
            if (shift == 63 && b > 1) fail("varint overflows 64 bits");
            v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if (!(b & 0x80)) {
                if (b == 0 && shift > 0) fail("non-minimal varint");
                return v;
            }
        }
        fail("varint too long");
    }
    ByteView take(std::uint64_t n) {
        if (n > remaining()) fail("truncated");
        ByteView out = bytes_.subspan(pos_, n);
        pos_ += n;
        return out;
    }
    std::string string(std::size_t limit, const char* what) {
        std::uint64_t n = varint();
        if (n > limit) fail(std::string(what) + " longer than " + std::to_string(limit));
        ByteView v = take(n);
        return std::string(v.begin(), v.end());
    }

private:
    ByteView bytes_;
    std::size_t pos_ = 0;
};

}  // namespace

Bytes serialize(const Manifest& manifest) {
    Bytes out(kMagic, kMagic + sizeof(kMagic));
    put_varint(out, manifest.entries.size());
    for (const Entry& e : manifest.entries) {
        out.push_back(static_cast<std::uint8_t>(e.kind));
        put_string(out, e.path);
        put_varint(out, e.mode);
        put_varint(out, zigzag(e.mtime_ns));
        if (e.kind == EntryKind::file) {
            put_varint(out, e.size);
            put_varint(out, e.chunks.size());
            for (const ChunkRef& c : e.chunks) {
                out.insert(out.end(), c.id.bytes.begin(), c.id.bytes.end());
                put_varint(out, c.size);
            }
        } else if (e.kind == EntryKind::symlink) {
            put_string(out, e.link_target);
        }
    }
    return out;
}

Manifest parse_manifest(ByteView bytes) {
    Reader in(bytes);
    ByteView magic = in.take(sizeof(kMagic));
    if (std::memcmp(magic.data(), kMagic, sizeof(kMagic)) != 0) in.fail("bad magic");
    std::uint64_t count = in.varint();
    // Every entry takes at least 5 bytes; a larger count is a lie meant to make us
    // reserve memory.
    if (count > in.remaining() / 5) in.fail("entry count exceeds the data");
    Manifest m;
    m.entries.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) {
        Entry e;
        std::uint8_t kind = in.byte();
        if (kind > 2) in.fail("unknown entry kind " + std::to_string(kind));
        e.kind = static_cast<EntryKind>(kind);
        e.path = in.string(kMaxPathBytes, "path");
        std::uint64_t mode = in.varint();
        if (mode > 07777) in.fail("mode beyond 07777");
        e.mode = static_cast<std::uint32_t>(mode);
        e.mtime_ns = unzigzag(in.varint());
        if (e.kind == EntryKind::file) {
            e.size = in.varint();
            std::uint64_t n = in.varint();
            if (n > in.remaining() / 33) in.fail("chunk count exceeds the data");
            e.chunks.resize(n);
            for (ChunkRef& c : e.chunks) {
                ByteView id = in.take(32);
                std::memcpy(c.id.bytes.data(), id.data(), 32);
                std::uint64_t size = in.varint();
                if (size == 0 || size > kMaxChunkSize) in.fail("invalid chunk size");
                c.size = static_cast<std::uint32_t>(size);
            }
        } else if (e.kind == EntryKind::symlink) {
            e.link_target = in.string(kMaxPathBytes, "symlink target");
        }
        m.entries.push_back(std::move(e));
    }
    if (in.remaining() != 0) in.fail("trailing bytes after the last entry");
    m.validate();
    return m;
}

ChunkId snapshot_id(ByteView serialized) { return sha256(serialized); }

Bytes delta_encode(ByteView base, ByteView target) {
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    Bytes out(ZSTD_compressBound(target.size()));
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 19);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
    // The base must fit inside the window for its matches to be found.
    int window_log = 10;
    while ((std::size_t{1} << window_log) < base.size() + target.size() && window_log < 30) {
        ++window_log;
    }
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, window_log);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_enableLongDistanceMatching, 1);
    ZSTD_CCtx_refPrefix(cctx, base.data(), base.size());
    std::size_t n = ZSTD_compress2(cctx, out.data(), out.size(), target.data(), target.size());
    ZSTD_freeCCtx(cctx);
    if (ZSTD_isError(n)) {
        throw Error(ErrorKind::io, std::string("manifest delta: ") + ZSTD_getErrorName(n));
    }
    out.resize(n);
    return out;
}

Bytes delta_decode(ByteView base, ByteView delta, std::size_t max_size) {
    unsigned long long declared = ZSTD_getFrameContentSize(delta.data(), delta.size());
    if (declared == ZSTD_CONTENTSIZE_ERROR || declared == ZSTD_CONTENTSIZE_UNKNOWN) {
        throw Error(ErrorKind::bad_input, "manifest delta is not a sized zstd frame");
    }
    if (declared > max_size) {
        throw Error(ErrorKind::too_large, "manifest delta declares " +
                                              std::to_string(declared) +
                                              " bytes, past the limit");
    }
    ZSTD_DCtx* dctx = ZSTD_createDCtx();
    ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, 31);
    ZSTD_DCtx_refPrefix(dctx, base.data(), base.size());
    Bytes out(declared);
    std::size_t n =
        ZSTD_decompressDCtx(dctx, out.data(), out.size(), delta.data(), delta.size());
    ZSTD_freeDCtx(dctx);
    if (ZSTD_isError(n) || n != declared) {
        throw Error(ErrorKind::bad_input, "manifest delta does not decode against its base");
    }
    return out;
}

}  // namespace farm::transfer
