#include "auth.h"

#include <boost/json.hpp>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "farm/transfer/error.h"
#include "farm/transfer/store.h"

namespace farm::gateway {

namespace json = boost::json;

TokenTable TokenTable::load(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read tokens file " + file.string());
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str(), file.string());
}

TokenTable TokenTable::parse(std::string_view text, std::string_view source) {
    const std::string where = "tokens file " + std::string(source);
    json::error_code ec;
    json::value doc = json::parse(text, ec);
    if (ec) throw std::runtime_error(where + " is not valid JSON: " + ec.message());
    if (!doc.is_object()) {
        throw std::runtime_error(where +
                                 " must be a JSON object {\"token\": \"tenant\"}");
    }
    TokenTable table;
    table.open_ = false;
    for (const auto& [key, value] : doc.as_object()) {
        const std::string token(key);
        if (token.empty()) throw std::runtime_error(where + ": empty token");
        // Tokens travel in a header; whitespace or control bytes could never match.
        for (unsigned char c : token) {
            if (c <= 0x20 || c == 0x7f) {
                throw std::runtime_error(where +
                                         ": token contains whitespace or control "
                                         "characters");
            }
        }
        if (const auto* o = value.if_object()) {
            const auto* role = o->if_contains("role");
            if (!role || !role->is_string() ||
                (role->as_string() != "worker" && role->as_string() != "operator"))
                throw std::runtime_error(where + ": a token object must be {\"role\": \"worker\"} "
                                                 "or {\"role\": \"operator\"}");
            table.tenants_.emplace(token, std::string(role->as_string() == "worker" ? kWorkerRole
                                                                                     : kOperatorRole));
            continue;
        }
        if (!value.is_string()) {
            throw std::runtime_error(where + ": tenant for a token must be a string");
        }
        std::string tenant(value.as_string());
        try {
            transfer::validate_name(tenant, "tenant");
        } catch (const transfer::Error& e) {
            throw std::runtime_error(where + ": " + e.what());
        }
        table.tenants_.emplace(token, std::move(tenant));
    }
    return table;
}

std::optional<std::string> TokenTable::tenant_for(std::string_view authorization) const {
    if (open_) return std::string(kOpenTenant);
    // RFC 6750: the scheme is case-insensitive; exactly one token follows it.
    constexpr std::string_view scheme = "bearer";
    if (authorization.size() <= scheme.size()) return std::nullopt;
    for (std::size_t i = 0; i < scheme.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i]) {
            return std::nullopt;
        }
    }
    std::string_view rest = authorization.substr(scheme.size());
    if (rest.front() != ' ') return std::nullopt;
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
    if (rest.empty()) return std::nullopt;
    auto it = tenants_.find(std::string(rest));
    if (it == tenants_.end()) return std::nullopt;
    return it->second;
}

}  // namespace farm::gateway
