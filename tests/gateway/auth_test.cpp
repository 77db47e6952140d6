// TokenTable: the tokens file format and the Authorization header forms it accepts.
#include "auth.h"

#include <catch2/catch.hpp>

using farm::gateway::TokenTable;

TEST_CASE("open mode maps every request to tenant default", "[gateway][auth]") {
    TokenTable open;
    CHECK(open.open());
    CHECK(open.tenant_for("") == "default");
    CHECK(open.tenant_for("Bearer anything") == "default");
}

TEST_CASE("a tokens file maps bearer tokens to tenants", "[gateway][auth]") {
    auto table =
        TokenTable::parse(R"({"tok-a": "studio-a", "tok-b": "studio_b"})", "t.json");
    CHECK_FALSE(table.open());
    CHECK(table.size() == 2);
    CHECK(table.tenant_for("Bearer tok-a") == "studio-a");
    CHECK(table.tenant_for("bearer tok-b") == "studio_b");  // scheme is case-insensitive
    CHECK(table.tenant_for("Bearer  tok-a ") == "studio-a");
    CHECK_FALSE(table.tenant_for(""));
    CHECK_FALSE(table.tenant_for("Bearer"));
    CHECK_FALSE(table.tenant_for("Bearer "));
    CHECK_FALSE(table.tenant_for("Basic tok-a"));
    CHECK_FALSE(table.tenant_for("Bearertok-a"));
    CHECK_FALSE(table.tenant_for("Bearer tok-c"));
    CHECK_FALSE(table.tenant_for("Bearer TOK-A"));  // tokens are case-sensitive
}

TEST_CASE("bad tokens files are refused with a message naming the problem",
          "[gateway][auth]") {
    auto message_of = [](const char* text) {
        try {
            TokenTable::parse(text, "bad.json");
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK_THAT(message_of("{"), Catch::Contains("bad.json is not valid JSON"));
    CHECK_THAT(message_of("[\"a\"]"), Catch::Contains("must be a JSON object"));
    CHECK_THAT(message_of(R"({"": "a"})"), Catch::Contains("empty token"));
    CHECK_THAT(message_of(R"({"t k": "a"})"), Catch::Contains("whitespace"));
    CHECK_THAT(message_of(R"({"t": 5})"), Catch::Contains("must be a string"));
    // Tenants become folder names in the store: nothing that could climb out of it.
    CHECK_THAT(message_of(R"({"t": "../etc"})"), Catch::Contains("bad.json"));
    CHECK_THAT(message_of(R"({"t": ""})"), Catch::Contains("bad.json"));
    CHECK(message_of(R"({})") == "accepted");
}
