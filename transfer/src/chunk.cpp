#include "farm/transfer/chunk.h"

#include <openssl/evp.h>
#include <zstd.h>

#include <memory>

#include "farm/transfer/error.h"

namespace farm::transfer {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// One digest context and one compression context per thread: creating them per chunk
// costs more than hashing a small chunk.
struct DigestCtx {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~DigestCtx() { EVP_MD_CTX_free(ctx); }
};
struct CCtx {
    ZSTD_CCtx* ctx = ZSTD_createCCtx();
    ~CCtx() { ZSTD_freeCCtx(ctx); }
};
struct DCtx {
    ZSTD_DCtx* ctx = ZSTD_createDCtx();
    ~DCtx() { ZSTD_freeDCtx(ctx); }
};

}  // namespace

std::string ChunkId::hex() const {
    std::string out(64, '0');
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        out[2 * i] = kHexDigits[bytes[i] >> 4];
        out[2 * i + 1] = kHexDigits[bytes[i] & 15];
    }
    return out;
}

std::optional<ChunkId> ChunkId::from_hex(std::string_view text) {
    if (text.size() != 64) return std::nullopt;
    ChunkId id;
    for (std::size_t i = 0; i < 32; ++i) {
        int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        id.bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return id;
}

ChunkId sha256(ByteView data) {
    thread_local DigestCtx digest;
    static const EVP_MD* md = EVP_sha256();
    ChunkId id;
    unsigned int len = 0;
    if (!digest.ctx || EVP_DigestInit_ex(digest.ctx, md, nullptr) != 1 ||
        EVP_DigestUpdate(digest.ctx, data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(digest.ctx, id.bytes.data(), &len) != 1 || len != 32) {
        throw Error(ErrorKind::io, "OpenSSL SHA-256 failed");
    }
    return id;
}

Bytes encode_chunk(ByteView raw, int level) {
    thread_local CCtx cctx;
    Bytes out(1 + ZSTD_compressBound(raw.size()));
    ZSTD_CCtx_reset(cctx.ctx, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(cctx.ctx, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(cctx.ctx, ZSTD_c_contentSizeFlag, 1);
    ZSTD_CCtx_setParameter(cctx.ctx, ZSTD_c_checksumFlag, 0);  // SHA-256 covers it
    std::size_t n =
        ZSTD_compress2(cctx.ctx, out.data() + 1, out.size() - 1, raw.data(), raw.size());
    if (!ZSTD_isError(n) && n < raw.size()) {
        out[0] = static_cast<std::uint8_t>(ChunkEncoding::zstd);
        out.resize(1 + n);
        return out;
    }
    out.resize(1 + raw.size());
    out[0] = static_cast<std::uint8_t>(ChunkEncoding::raw);
    std::copy(raw.begin(), raw.end(), out.begin() + 1);
    return out;
}

namespace {

// Decodes a zstd payload into `out` (resized to the declared size) after the bomb and
// framing checks.
void decode_zstd(ByteView payload, std::size_t max_raw, Bytes& out) {
    unsigned long long declared = ZSTD_getFrameContentSize(payload.data(), payload.size());
    if (declared == ZSTD_CONTENTSIZE_ERROR) {
        throw Error(ErrorKind::bad_input, "chunk payload is not a zstd frame");
    }
    if (declared == ZSTD_CONTENTSIZE_UNKNOWN) {
        throw Error(ErrorKind::bad_input, "zstd frame does not declare its content size");
    }
    if (declared > max_raw) {
        throw Error(ErrorKind::too_large, "zstd frame declares " + std::to_string(declared) +
                                              " bytes, past the limit of " +
                                              std::to_string(max_raw));
    }
    std::size_t frame = ZSTD_findFrameCompressedSize(payload.data(), payload.size());
    if (ZSTD_isError(frame) || frame != payload.size()) {
        throw Error(ErrorKind::bad_input,
                    "chunk payload must be exactly one complete zstd frame");
    }
    thread_local DCtx dctx;
    out.resize(declared);
    std::size_t n =
        ZSTD_decompressDCtx(dctx.ctx, out.data(), out.size(), payload.data(), payload.size());
    if (ZSTD_isError(n) || n != declared) {
        throw Error(ErrorKind::bad_input,
                    std::string("zstd frame does not decode: ") +
                        (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "size mismatch"));
    }
}

// The raw payload of a chunk: in place for raw chunks, decoded into `scratch` for zstd.
ByteView decoded_view(ByteView encoded, std::size_t max_raw, Bytes& scratch) {
    if (encoded.empty()) throw Error(ErrorKind::bad_input, "empty encoded chunk");
    ByteView payload = encoded.subspan(1);
    switch (static_cast<ChunkEncoding>(encoded[0])) {
        case ChunkEncoding::raw:
            if (payload.size() > max_raw) {
                throw Error(ErrorKind::too_large, "raw chunk of " +
                                                      std::to_string(payload.size()) +
                                                      " bytes exceeds the limit of " +
                                                      std::to_string(max_raw));
            }
            return payload;
        case ChunkEncoding::zstd:
            decode_zstd(payload, max_raw, scratch);
            return scratch;
    }
    throw Error(ErrorKind::bad_input,
                "unknown chunk encoding flag " + std::to_string(encoded[0]));
}

void check_id(const ChunkId& id, ByteView raw) {
    if (sha256(raw) != id) {
        throw Error(ErrorKind::bad_input, "chunk content does not match its id " + id.hex());
    }
}

}  // namespace

Bytes decode_chunk(ByteView encoded, std::size_t max_raw) {
    Bytes scratch;
    ByteView raw = decoded_view(encoded, max_raw, scratch);
    if (raw.data() == scratch.data()) return scratch;
    return Bytes(raw.begin(), raw.end());
}

void verify_chunk(const ChunkId& id, ByteView encoded, std::size_t max_raw) {
    thread_local Bytes scratch;
    check_id(id, decoded_view(encoded, max_raw, scratch));
    if (scratch.capacity() > (4u << 20)) Bytes().swap(scratch);  // do not pin large buffers
}

Bytes decode_and_verify(const ChunkId& id, ByteView encoded, std::size_t max_raw) {
    Bytes raw = decode_chunk(encoded, max_raw);
    check_id(id, raw);
    return raw;
}

}  // namespace farm::transfer
