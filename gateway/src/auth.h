// Maps bearer tokens to tenants. Every store path is scoped by tenant, so this table is
// what keeps one studio from reading, or even probing for, another studio's chunks.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace farm::gateway {

inline constexpr std::string_view kOpenTenant = "default";
// What tenant_for returns for a token mapped to {"role": "worker"}: not a valid tenant
// name, so it can never collide with one. The router then takes the tenant from the
// request's X-Farm-Tenant header (docs/farm-protocol.md, Auth and tenants).
inline constexpr std::string_view kWorkerRole = "@worker";
// {"role": "operator"}: the pool operator's routes (sites file reload, drain, disable,
// enable of sites and workers). Also not a tenant name.
inline constexpr std::string_view kOperatorRole = "@operator";

class TokenTable {
  public:
    // Open mode: no tokens file, every request belongs to tenant "default".
    TokenTable() = default;

    // Parses a JSON object {"token": "tenant", ...}. Throws std::runtime_error naming the
    // file and what was wrong: unreadable, not JSON, not an object, an empty token, or a
    // tenant that is not a valid store name (transfer::validate_name).
    static TokenTable load(const std::filesystem::path& file);
    static TokenTable parse(std::string_view json, std::string_view source);

    bool open() const { return open_; }
    std::size_t size() const { return tenants_.size(); }

    // The tenant for an Authorization header value ("Bearer <token>"), or nullopt when
    // the header is absent, malformed or names an unknown token. Always "default" when
    // open.
    std::optional<std::string> tenant_for(std::string_view authorization) const;

  private:
    bool open_ = true;
    std::unordered_map<std::string, std::string> tenants_;  // token -> tenant
};

}  // namespace farm::gateway
