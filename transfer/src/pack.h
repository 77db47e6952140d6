// Pack: encoded chunks back to back, each `id[32] | u32le length | encoded chunk`.
#pragma once

#include <cstring>
#include <string>

#include "farm/transfer/chunk.h"
#include "farm/transfer/error.h"

namespace farm::transfer {

// Works on Bytes and std::string (an HTTP body) alike.
template <typename Buffer>
void append_pack_record(Buffer& pack, const ChunkId& id, ByteView encoded) {
    using Char = typename Buffer::value_type;
    auto as_chars = [](const std::uint8_t* p) { return reinterpret_cast<const Char*>(p); };
    pack.insert(pack.end(), as_chars(id.bytes.data()), as_chars(id.bytes.data()) + 32);
    std::uint32_t n = static_cast<std::uint32_t>(encoded.size());
    for (int i = 0; i < 4; ++i) pack.push_back(static_cast<Char>(n >> (8 * i)));
    pack.insert(pack.end(), as_chars(encoded.data()), as_chars(encoded.data()) + encoded.size());
}

// Calls fn(id, encoded) for each record; throws Error(bad_input) naming the record index
// and byte offset at the first truncated or oversized record.
template <typename Fn>
void for_each_pack_record(ByteView pack, Fn&& fn) {
    std::size_t pos = 0, index = 0;
    while (pos < pack.size()) {
        auto fail = [&](const std::string& why) {
            throw Error(ErrorKind::bad_input, "pack record " + std::to_string(index) +
                                                  " at byte " + std::to_string(pos) + ": " +
                                                  why);
        };
        if (pack.size() - pos < 36) fail("truncated header");
        ChunkId id;
        std::memcpy(id.bytes.data(), pack.data() + pos, 32);
        std::uint32_t n = 0;
        for (int i = 0; i < 4; ++i) n |= std::uint32_t(pack[pos + 32 + i]) << (8 * i);
        if (n > kMaxChunkSize + 1024) fail("chunk length " + std::to_string(n) + " too large");
        if (pack.size() - pos - 36 < n) fail("truncated chunk (upload cut short?)");
        try {
            fn(id, pack.subspan(pos + 36, n));
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::bad_input && e.kind() != ErrorKind::too_large) throw;
            fail(e.what());
        }
        pos += 36 + n;
        ++index;
    }
}

}  // namespace farm::transfer
