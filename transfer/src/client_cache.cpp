#include "client_cache.h"

#include "fs_util.h"

namespace farm::transfer::detail {

namespace fs = std::filesystem;

ClientCache::ClientCache(fs::path root, const Endpoint& endpoint) {
    if (root.empty()) return;
    std::string key = endpoint.host + ":" + endpoint.port + "\n" + endpoint.token;
    std::string hash = sha256({reinterpret_cast<const std::uint8_t*>(key.data()), key.size()})
                           .hex()
                           .substr(0, 16);
    dir_ = root / hash;
    std::error_code ec;
    fs::create_directories(dir_ / "manifests", ec);
    fs::create_directories(dir_ / "tmp", ec);
    if (ec) dir_.clear();  // a cache we cannot write is no reason to fail a push
}

std::optional<Bytes> ClientCache::manifest(const ChunkId& id) const {
    if (dir_.empty()) return std::nullopt;
    try {
        Bytes bytes = read_file(dir_ / "manifests" / id.hex());
        if (snapshot_id(bytes) == id) return bytes;
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

void ClientCache::remember_manifest(const ChunkId& id, ByteView bytes) const {
    if (dir_.empty()) return;
    try {
        write_atomically(dir_ / "tmp", dir_ / "manifests" / id.hex(), bytes, false);
    } catch (const std::exception&) {
    }
}

fs::path ClientCache::chunk_dir() const { return dir_.empty() ? fs::path{} : dir_ / "chunks"; }

}  // namespace farm::transfer::detail
